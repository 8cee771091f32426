/*
 * custapi-refserver: the project's reference server (the stripe-mock of custapi).
 *
 * One libmicrohttpd daemon speaks REST and XML-RPC on one port, keeps customers in SQLite and
 * validates with the project's own schema and validator. Its JSON and XML-RPC handling is its
 * own (json-c and xmlrpc-c core directly), never the client's codecs, so that a codec bug on one
 * side shows up as a failed test instead of cancelling out.
 */
#ifndef REFSERVER_H
#define REFSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "custapi/custapi.h"

/* Request bodies above this are refused with 413. */
#define RS_MAX_BODY ((size_t)1 << 20)
/* The size of the `huge` fault's body. */
#define RS_HUGE_BYTES ((uint64_t)64 << 20)

/* ---- fault injection (fault.c) ---- */

typedef enum rs_fault_kind {
  RS_FAULT_NONE = 0,
  RS_FAULT_HTTP500,
  RS_FAULT_HTML500,
  RS_FAULT_HTTP503,
  RS_FAULT_HTTP429,
  RS_FAULT_RESET,
  RS_FAULT_DELAY, /* arg: milliseconds */
  RS_FAULT_BADJSON,
  RS_FAULT_BADXML,
  RS_FAULT_HUGE,
  RS_FAULT_WRONGSHAPE,
  RS_FAULT_XMLFAULT, /* arg: the fault code */
  RS_FAULT_REDIRECT,
  RS_FAULT_DOCTYPE
} rs_fault_kind;

typedef struct rs_fault {
  rs_fault_kind kind;
  long arg;
} rs_fault;

/*
 * Parses a mode: "http500", "delay:MS", "xmlfault:CODE", ... When `count` is not NULL a
 * trailing ":N" (N >= 1) is accepted and stored there (0 when absent: every request).
 * Returns 0, or -1 with a one-line reason in `why`.
 */
int rs_fault_parse(rs_fault *out, long *count, const char *text, char *why, size_t whylen);
const char *rs_fault_name(rs_fault_kind kind);

/* ---- storage (store.c) ---- */

typedef struct rs_store rs_store;

typedef enum rs_store_status {
  RS_STORE_OK = 0,
  RS_STORE_NOT_FOUND = 1,
  RS_STORE_HASH_MISMATCH = 2,
  RS_STORE_ERROR = -1
} rs_store_status;

/* Opens (creating the table and seeding customers 1..seed when it is empty). */
int rs_store_open(rs_store **out, const char *path, int seed, char *why, size_t whylen);
void rs_store_close(rs_store *store);
/* Reads a customer: every schema property plus the read-only fields, in a new customer. */
rs_store_status rs_store_get(rs_store *store, int32_t id, custapi_customer **out);
/*
 * Applies validated changes in one transaction. A `hash` among them must equal the stored one.
 */
rs_store_status rs_store_update(rs_store *store, int32_t id, const custapi_customer *changes);
/* The deterministic 16-character hash of a seeded customer. */
void rs_seed_hash(char out[17], int32_t id);

/* ---- divergence knobs (diverge.c): one protocol behaving differently, for compare ---- */

typedef enum rs_protocol { RS_PROTOCOL_REST, RS_PROTOCOL_XMLRPC } rs_protocol;

/* Adds a --diverge MODE; -1 with a one-line reason in `why`. */
int rs_diverge_parse(const char *mode, char *why, size_t whylen);
/* The property of `changes` that `protocol` refuses, or NULL. */
const char *rs_diverge_refused(rs_protocol protocol, const custapi_customer *changes);
/* Removes the properties `protocol` silently drops. */
void rs_diverge_drop(rs_protocol protocol, custapi_customer *changes);
/* 1 when this read must fail (reads-fail-after:N): counts every read it is asked about. */
int rs_diverge_read_fails(void);
/* Overrides the fields `protocol` misreports; -1 when memory runs out. */
int rs_diverge_reads(rs_protocol protocol, custapi_customer *customer);

/* ---- the protocols (rest.c, xmlrpc.c) ---- */

/* A response before it is handed to libmicrohttpd. `body` is malloc'ed. */
typedef struct rs_reply {
  unsigned status;
  const char *content_type;
  char *body;
  size_t len;
  const char *allow;    /* for 405 */
  const char *www_auth; /* for 401 */
} rs_reply;

typedef struct rs_server rs_server;

/* `base` is "http://host:port" as the client addressed us (for links). */
void rs_rest_handle(rs_reply *out, rs_store *store, const char *method, const char *path,
                    const char *base, const char *body, size_t len);
/* A JSON error reply {"error":{"message":...}}. */
void rs_rest_error(rs_reply *out, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void rs_xmlrpc_handle(rs_reply *out, rs_store *store, const char *body, size_t len);
/* An XML-RPC fault reply (HTTP 200). */
void rs_xmlrpc_fault(rs_reply *out, int code, const char *message);
/* --bare-methods: serve UpdateCustomer/GetCustomer only, without the customers. prefix. */
void rs_xmlrpc_bare_methods_only(void);
/* --answer-as-php: every XML-RPC answer written as PHP's xmlrpc extension writes (ISO-8859-1,
 * byte references), whatever the call's dialect; without it, in the call's dialect. */
void rs_xmlrpc_answer_as_php(void);
/* Called once at start-up: lets xmlrpc-c parse calls as large as the body limit. */
void rs_xmlrpc_init(void);

/* 1 if the body holds "<!DOCTYPE" (any case): refused before any XML parser sees it. */
int rs_contains_doctype(const char *body, size_t len);

/* Helpers shared by the handlers. */
int rs_path_id(int32_t *out, const char *text);
/* A malloc'ed copy of the printf result, or NULL. */
char *rs_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
