/*
 * The XML-RPC codec (docs/protocol.md): methodCall encoding and methodResponse decoding with
 * xmlrpc-c's core library only (no xmlrpc-c client; the client layer's libcurl transport sends).
 * Its operations are reached through custapi__xmlrpc_backend (the ops table of codec.h).
 */
#ifndef CUSTAPI_XMLRPC_H
#define CUSTAPI_XMLRPC_H

#include <stddef.h>

#include "codec.h"

extern const custapi_backend_ops custapi__xmlrpc_backend;

/*
 * xmlrpc-c refuses to parse a response over 512 KiB by default (XMLRPC_XML_SIZE_LIMIT_ID, a
 * process-wide setting). This raises that limit, once per process, to
 * CUSTAPI_XMLRPC_PARSE_LIMIT, far above any cap the transport enforces (1 MiB by default), so
 * that the transport's cap is the only one. It is the backend's global_init, which
 * custapi_global_init calls before threads start, because the limit is read by every xmlrpc-c
 * parse in the process; the decoders call it too. Safe to call any number of times.
 */
void custapi__xmlrpc_global_init(void);

/* The size limit set by custapi__xmlrpc_global_init: expat takes an int length. */
#define CUSTAPI_XMLRPC_PARSE_LIMIT ((size_t)0x7fffffff)

/* The method names' default prefix: written here only. */
#define CUSTAPI_XMLRPC_DEFAULT_PREFIX "customers."

/* The endpoint's path under the base URL: written here only. */
#define CUSTAPI_XMLRPC_PATH "/api/2.0/xmlrpc/"

/* The prefix an endpoint's method names take (its own, else the default). */
const char *custapi__xmlrpc_prefix(const custapi_endpoint *endpoint);

/*
 * The probe's verdict on a system.listMethods answer already in `info`: whether both customer
 * methods are listed under `prefix`, else under which prefix they are (info->suggested_prefix),
 * with info->verdict saying why the endpoint can't be used as set. 0, or -1 out of memory.
 */
int custapi__xmlrpc_probe_verdict(custapi_probe_info *info, const char *prefix,
                                  custapi_error *err);

/* The longest prefix accepted. */
#define CUSTAPI_XMLRPC_PREFIX_MAX 128

/* ---- the request side: a caller's methodCall and the answers to it (the gateway) ---- */

#include <stdint.h>

#include "custapi/custapi.h"
#include "xml_encoding.h"

struct _xmlrpc_value;

/* A value's type as messages name it: "an <int>", "a <struct>", ... */
const char *custapi__xmlrpc_type_words(struct _xmlrpc_value *value);

/* An update's properties as a <struct> (a new reference), as encode_update builds it. */
int custapi__xmlrpc_struct_of(struct _xmlrpc_value **out, const custapi_customer *properties,
                              custapi_error *err);

typedef enum custapi_xmlrpc_call_kind {
  CUSTAPI_XMLRPC_CALL_OTHER = 0, /* any other method: not interpreted */
  CUSTAPI_XMLRPC_CALL_UPDATE,    /* PREFIX + UpdateCustomer(int id, struct properties) */
  CUSTAPI_XMLRPC_CALL_GET,       /* PREFIX + GetCustomer(int id) */
  CUSTAPI_XMLRPC_CALL_LIST       /* system.listMethods() */
} custapi_xmlrpc_call_kind;

typedef struct custapi_xmlrpc_call {
  custapi_xmlrpc_call_kind kind;
  custapi_xml_encoding dialect; /* as the call declared it: its answers are written in it
                                   (custapi__xml_write_dialect); set also when it is refused */
  char *method; /* owned */
  int32_t id;   /* UPDATE and GET */
  custapi_customer *properties; /* UPDATE: owned, typed by the schema, not yet validated */
} custapi_xmlrpc_call;

/*
 * Decodes a caller's methodCall (pure). `prefix` is the method names' prefix. A body that is
 * not a methodCall is CUSTAPI_EPROTOCOL; UpdateCustomer / GetCustomer with the wrong params, or
 * a property that the model refuses (`customer_flags` as for custapi_customer_new), is
 * CUSTAPI_EINVALID naming it. Release with custapi__xmlrpc_call_clear.
 */
int custapi__xmlrpc_decode_call(custapi_xmlrpc_call *out, const char *body, size_t len,
                                const char *prefix, unsigned customer_flags, custapi_error *err);
void custapi__xmlrpc_call_clear(custapi_xmlrpc_call *call);

/* methodResponse documents in a new buffer (custapi__free), *len its length. */
int custapi__xmlrpc_encode_int_response(char **out, size_t *len, int64_t value,
                                        custapi_error *err);
/* The customer's fields as one <struct>; null fields become empty strings. */
int custapi__xmlrpc_encode_struct_response(char **out, size_t *len,
                                           const custapi_customer *customer, custapi_error *err);
int custapi__xmlrpc_encode_strings_response(char **out, size_t *len, const char *const *strings,
                                            size_t count, custapi_error *err);
int custapi__xmlrpc_encode_fault(char **out, size_t *len, int code, const char *message,
                                 custapi_error *err);

#endif
