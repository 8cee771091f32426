/*
 * Inside the XML-RPC codec (src/xmlrpc only): the value conversion (xmlrpc_values.c) that the
 * codec's decoders in xmlrpc.c build on. Other layers reach the codec through xmlrpc.h.
 */
#ifndef CUSTAPI_XMLRPC_INTERNAL_H
#define CUSTAPI_XMLRPC_INTERNAL_H

#include <stddef.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "customer.h"

/* A text written twice: first only counted (buf NULL), then into a buffer of that size. */
typedef struct xml_text {
  char *buf;
  size_t len;
} xml_text;

static inline void custapi__xml_put(xml_text *t, const void *s, size_t n) {
  if (t->buf)
    memcpy(t->buf + t->len, s, n);
  t->len += n;
}

/* How converting a read's value failed: a reason for the message, or out of memory. */
typedef struct convert_failure {
  int oom;
  char reason[200];
} convert_failure;

/* A member name or string's bytes, copied into a new buffer of ours (NUL-terminated). */
int custapi__xmlrpc_read_string(char **out, size_t *out_len, xmlrpc_value *v, convert_failure *why);

/* One struct member of a read stored in the customer under `name` (xmlrpc.c's header comment
 * says how each type becomes a field). */
int custapi__xmlrpc_put_member(custapi_customer *c, const char *name, xmlrpc_value *v,
                               convert_failure *why);

/* What the schema's typing sees of a member's value: XML-RPC's integer is the 32-bit <int>. */
custapi_answer_kind custapi__xmlrpc_answer_kind(xmlrpc_value *v);

#endif
