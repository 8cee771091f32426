/*
 * custapi: update customer records of an "API 2.0" email-marketing install over REST or XML-RPC.
 *
 * Rules that hold for every function below (libgit2 and hiredis style):
 *
 *  - Names are custapi_<noun>_<verb>. Out-parameters come first and are named `out`.
 *  - 0 is success; failure is a negative custapi_status (its absolute value is the category,
 *    which is also the command line's exit code, see custapi_category).
 *  - An object returned through `**out` belongs to the caller and is released with its `_free`
 *    function; every `_free` accepts NULL. A pointer returned as the value of a function is
 *    borrowed from its parent object and lives as long as that parent, unchanged.
 *  - Calls on a client leave their error on the client (custapi_client_last_error). Calls that
 *    have no client (the customer model, the validator, custapi_client_new) fill a
 *    custapi_error supplied by the caller, which may be NULL when the detail is not wanted.
 *    Setting an error never allocates, so even an out-of-memory failure is reported.
 *  - Passing NULL where an object is required is a programming error and is asserted.
 *  - No json-c or xmlrpc-c type crosses this API.
 *  - A client is used by one thread at a time; distinct clients may be used from distinct
 *    threads after custapi_global_init has returned.
 *  - The API key is never logged, traced or printed by the library. The library keeps its own
 *    copy of it and wipes that copy before freeing it.
 */
#ifndef CUSTAPI_H
#define CUSTAPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CUSTAPI_BUILDING) && defined(__GNUC__)
#define CUSTAPI_EXTERN __attribute__((visibility("default")))
#else
#define CUSTAPI_EXTERN
#endif

/* ---------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------- */

/*
 * The one error model of both protocols. The numbers are a public contract: they are the exit
 * codes of the `custapi` command and never change once published.
 */
typedef enum custapi_category {
  CUSTAPI_CATEGORY_OK = 0,
  CUSTAPI_CATEGORY_DIFFER = 1,     /* compare found a difference */
  CUSTAPI_CATEGORY_USAGE = 2,      /* bad command line or options */
  CUSTAPI_CATEGORY_INVALID = 3,    /* validation failed; nothing was sent */
  CUSTAPI_CATEGORY_AUTH = 4,       /* 401/403, or an auth fault */
  CUSTAPI_CATEGORY_NOT_FOUND = 5,  /* 404, or a not-found fault */
  CUSTAPI_CATEGORY_REJECTED = 6,   /* 400/409/422, or a fault about the data */
  CUSTAPI_CATEGORY_TRANSPORT = 7,  /* DNS, connect, TLS, timeout, reset */
  CUSTAPI_CATEGORY_SERVER = 8,     /* 5xx or 429 after the retries */
  CUSTAPI_CATEGORY_PROTOCOL = 9,   /* a response that can't be understood */
  CUSTAPI_CATEGORY_PARTIAL = 10,   /* bulk: some records failed */
  CUSTAPI_CATEGORY_INTERNAL = 11,  /* out of memory, or a bug */
  CUSTAPI_CATEGORY_BUSY = 12       /* bulk: another run holds the results file */
} custapi_category;

/* Return values: 0, or minus the category. */
typedef enum custapi_status {
  CUSTAPI_OK = 0,
  CUSTAPI_EDIFFER = -CUSTAPI_CATEGORY_DIFFER,
  CUSTAPI_EUSAGE = -CUSTAPI_CATEGORY_USAGE,
  CUSTAPI_EINVALID = -CUSTAPI_CATEGORY_INVALID,
  CUSTAPI_EAUTH = -CUSTAPI_CATEGORY_AUTH,
  CUSTAPI_ENOTFOUND = -CUSTAPI_CATEGORY_NOT_FOUND,
  CUSTAPI_EREJECTED = -CUSTAPI_CATEGORY_REJECTED,
  CUSTAPI_ETRANSPORT = -CUSTAPI_CATEGORY_TRANSPORT,
  CUSTAPI_ESERVER = -CUSTAPI_CATEGORY_SERVER,
  CUSTAPI_EPROTOCOL = -CUSTAPI_CATEGORY_PROTOCOL,
  CUSTAPI_EPARTIAL = -CUSTAPI_CATEGORY_PARTIAL,
  CUSTAPI_EINTERNAL = -CUSTAPI_CATEGORY_INTERNAL,
  CUSTAPI_EBUSY = -CUSTAPI_CATEGORY_BUSY
} custapi_status;

#define CUSTAPI_ERROR_MESSAGE_MAX 512
#define CUSTAPI_ERROR_PROPERTY_MAX 64

/*
 * The detail of one failure. Fixed-size buffers, so that setting an error never allocates.
 * `message` is one line with no redundant prefix, e.g. `email: not a valid address: "a@"`.
 *
 * The caller allocates it (often on the stack), so it is versioned as custapi_options are: it
 * grows only at its end, each growth bumps CUSTAPI_ERROR_VERSION, and the library writes only
 * the fields that the caller's `version` has and never changes `version` (clearing and copying
 * included). Start from CUSTAPI_ERROR_INIT, or zero it: `custapi_error err = {0}` keeps
 * working, since version 0 is read as version 1, the first layout (the one below). Leave it
 * uninitialised and a later library may take its `version` for a newer layout than it has.
 */
#define CUSTAPI_ERROR_VERSION 1

typedef struct custapi_error {
  unsigned int version; /* CUSTAPI_ERROR_VERSION of the header the caller was built with */
  custapi_category category;
  int http_status;                            /* 0 when no HTTP response was involved */
  int has_fault_code;                         /* 1 when fault_code holds an XML-RPC fault */
  int fault_code;
  char property[CUSTAPI_ERROR_PROPERTY_MAX];  /* the property at fault, or "" */
  char message[CUSTAPI_ERROR_MESSAGE_MAX];
} custapi_error;

#define CUSTAPI_ERROR_INIT { CUSTAPI_ERROR_VERSION, CUSTAPI_CATEGORY_OK, 0, 0, 0, "", "" }

/* The lower-case name of a category ("invalid", "not_found", ...), or "unknown". */
CUSTAPI_EXTERN const char *custapi_category_name(custapi_category category);

/* Resets an error to "no error"; its `version` stays. */
CUSTAPI_EXTERN void custapi_error_clear(custapi_error *err);

/* Copies `src` into `dst`, as far as `dst`'s version has fields, keeping `dst`'s version: the
 * way to keep an error the library handed out (custapi_client_last_error) in one of one's
 * own. Returns the status of `src`'s category (CUSTAPI_EINTERNAL when `src` is NULL). */
CUSTAPI_EXTERN int custapi_error_copy(custapi_error *dst, const custapi_error *src);

/*
 * The error as the JSON object every output of the command uses, in a string released with
 * custapi_free: {"category":"invalid","message":"...","http_status":null,"fault_code":null,
 * "property":"email"} (a detail that is absent is null).
 */
CUSTAPI_EXTERN int custapi_error_to_json(char **out, const custapi_error *err);

/* ---------------------------------------------------------------------------------------
 * Library
 * ------------------------------------------------------------------------------------- */

/* The library's version, e.g. "0.1.0". */
CUSTAPI_EXTERN const char *custapi_version(void);

/*
 * Reference-counted process set-up (libcurl's global state among it). Call before any thread
 * is started and before any other custapi call that talks to a server; pair each call with
 * custapi_global_shutdown.
 */
CUSTAPI_EXTERN int custapi_global_init(void);
CUSTAPI_EXTERN void custapi_global_shutdown(void);

/* ---------------------------------------------------------------------------------------
 * The schema: the 18 properties an update may carry (docs/properties.md)
 * ------------------------------------------------------------------------------------- */

typedef enum custapi_type { CUSTAPI_TYPE_STRING = 0, CUSTAPI_TYPE_INTEGER = 1 } custapi_type;

/* Handed out by pointer only (docs/abi.md): it may grow at its end in a minor release, so
 * use only the pointers the library gives; never allocate one, nor step from one to the next. */
typedef struct custapi_property_info {
  const char *name;
  custapi_type type;
  int required;          /* required in strict mode (name, email, hash) */
  const char *rule;      /* the rule in words, e.g. "an integer >= 0" */
  const char *description;
} custapi_property_info;

/* Number of properties, and the i-th in the schema's stable order (NULL past the end). */
CUSTAPI_EXTERN size_t custapi_schema_count(void);
CUSTAPI_EXTERN const custapi_property_info *custapi_schema_at(size_t index);
/* The property of that exact name, or NULL. */
CUSTAPI_EXTERN const custapi_property_info *custapi_schema_find(const char *name);
/*
 * The allowed values of an enumerated property (status, deleted, industry), in the schema's
 * order, as a NULL-terminated list borrowed from the library; NULL for any other name.
 */
CUSTAPI_EXTERN const char *const *custapi_schema_values(const char *name);
/* The read-only fields seen in responses (id, enterprise_id, ...), NULL-terminated. */
CUSTAPI_EXTERN const char *const *custapi_schema_read_only_fields(void);
/* The longest value a string property takes, in bytes; 0 for an integer or an unknown name. */
CUSTAPI_EXTERN size_t custapi_schema_max_bytes(const char *name);

/* ---------------------------------------------------------------------------------------
 * The customer model: a set of typed properties
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_customer custapi_customer;

/* Flags of a customer, fixed when it is created. */
#define CUSTAPI_CUSTOMER_ALLOW_UNKNOWN (1u << 0)    /* keep unknown names (sent as strings) */
#define CUSTAPI_CUSTOMER_IGNORE_READ_ONLY (1u << 1) /* drop read-only fields instead of failing */

typedef enum custapi_value_type {
  CUSTAPI_VALUE_STRING = 0,
  CUSTAPI_VALUE_INTEGER = 1,
  CUSTAPI_VALUE_BOOLEAN = 2, /* only in customers decoded from a server */
  CUSTAPI_VALUE_NULL = 3     /* only in customers decoded from a server */
} custapi_value_type;

/* One property of a customer. Its pointers are borrowed from the customer. */
/* Handed out by pointer only (docs/abi.md): it may grow at its end in a minor release, so
 * use only the pointers the library gives; never allocate one, nor step from one to the next. */
typedef struct custapi_field {
  const char *name;
  custapi_value_type type;
  const char *string;  /* CUSTAPI_VALUE_STRING: NUL-terminated UTF-8 */
  size_t string_len;
  int64_t integer;     /* CUSTAPI_VALUE_INTEGER; CUSTAPI_VALUE_BOOLEAN: 0 or 1 */
} custapi_field;

CUSTAPI_EXTERN int custapi_customer_new(custapi_customer **out, unsigned flags);
CUSTAPI_EXTERN void custapi_customer_free(custapi_customer *customer);
/* A deep copy. */
CUSTAPI_EXTERN int custapi_customer_dup(custapi_customer **out, const custapi_customer *customer);

/*
 * Sets a property from text, typed by the schema: "5000" becomes an integer for an integer
 * property (only a canonical decimal is accepted), any text a string for a string property.
 * Lower-case country codes are stored upper-case. An unknown name fails with a suggestion
 * (`emial` -> `email`) unless the customer allows unknown names; a read-only field (`id`,
 * `enterprise_id`, `is_department`, `country_code`, `fax`) fails unless the customer ignores
 * them. Setting a name again replaces its value. The format rules (email syntax and the like)
 * are checked by custapi_validate, not here.
 */
CUSTAPI_EXTERN int custapi_customer_set(custapi_customer *customer, const char *name,
                                        const char *text, custapi_error *err);
/* Sets an integer property (or an allowed unknown one, as its decimal text). */
CUSTAPI_EXTERN int custapi_customer_set_int(custapi_customer *customer, const char *name,
                                            int64_t value, custapi_error *err);
/*
 * Sets every member of a JSON object: integers from JSON integers or canonical decimal
 * strings (never a float, true, null or NaN), strings from JSON strings only. The text must be
 * one complete JSON object of valid UTF-8, nothing after it, each name given once (a repeated
 * one is refused, CUSTAPI_EINVALID naming it: which of the two was meant can't be known).
 */
CUSTAPI_EXTERN int custapi_customer_set_json(custapi_customer *customer, const char *json,
                                             size_t len, custapi_error *err);
/* Removes a property; returns 1 if it was there, 0 if not. */
CUSTAPI_EXTERN int custapi_customer_unset(custapi_customer *customer, const char *name);

/* Number of properties, and the i-th: schema properties first in schema order, then the
 * others in the order they were first set. Returns NULL past the end. */
CUSTAPI_EXTERN size_t custapi_customer_count(const custapi_customer *customer);
CUSTAPI_EXTERN const custapi_field *custapi_customer_at(const custapi_customer *customer,
                                                        size_t index);
/* The property of that name, or NULL. */
CUSTAPI_EXTERN const custapi_field *custapi_customer_get(const custapi_customer *customer,
                                                         const char *name);

/*
 * The customer as one JSON object (UTF-8, `/` not escaped), in a string of its own that the
 * caller releases with custapi_free.
 */
CUSTAPI_EXTERN int custapi_customer_to_json(char **out, const custapi_customer *customer);

/* Releases memory that the library handed over as a plain buffer. Accepts NULL. */
CUSTAPI_EXTERN void custapi_free(void *ptr);

/* ---------------------------------------------------------------------------------------
 * The validator
 * ------------------------------------------------------------------------------------- */

typedef enum custapi_validate_mode {
  CUSTAPI_VALIDATE_PARTIAL = 0,      /* check and send only the given properties (default) */
  CUSTAPI_VALIDATE_STRICT = 1,       /* name, email and hash must be present */
  CUSTAPI_VALIDATE_FILL_REQUIRED = 2 /* read the customer first and fill what is missing */
} custapi_validate_mode;

/* Validation flags. */
#define CUSTAPI_VALIDATE_LENIENT (1u << 0) /* format rules become warnings */

/* Receives each warning of lenient mode: the property and a one-line message. */
typedef void (*custapi_warn_fn)(const char *property, const char *message, void *payload);

/*
 * Checks every rule of docs/properties.md against every property of the customer. On failure the
 * error names the property, the problem and the rule in one line. `warn` may be NULL.
 * In fill-required mode missing required properties are not an error (they will be filled).
 */
CUSTAPI_EXTERN int custapi_validate(const custapi_customer *customer, custapi_validate_mode mode,
                                    unsigned flags, custapi_warn_fn warn, void *payload,
                                    custapi_error *err);

/*
 * The one check of a mode for those that must send exactly what they were given (compare, bulk,
 * the gateway): 0 for partial and strict; CUSTAPI_EUSAGE for fill-required (it would read each
 * customer before its update), worded once here with `who` ("bulk") naming the refuser, and
 * for a mode that is not one.
 */
CUSTAPI_EXTERN int custapi_validate_mode_as_given(custapi_validate_mode mode, const char *who,
                                                  custapi_error *err);

/*
 * The required properties (name, email, hash) missing from the customer: their names, in
 * schema order, are stored in out[0..n-1] (static strings); returns n (at most 3).
 */
CUSTAPI_EXTERN size_t custapi_validate_missing(const char *out[3],
                                               const custapi_customer *customer);

/* The largest customer id; the smallest is 1. */
#define CUSTAPI_ID_MAX 2147483647

/* 1 when `id` is a customer id (1..CUSTAPI_ID_MAX), else 0: the one rule every reader of ids
 * (the command, bulk records, results files, the client) applies. */
CUSTAPI_EXTERN int custapi_id_valid(int64_t id);

/* Parses a customer id: a canonical decimal in 1..CUSTAPI_ID_MAX. Otherwise CUSTAPI_EINVALID,
 * "id: not positive: \"0\" (a customer id is an integer from 1 to 2147483647)". */
CUSTAPI_EXTERN int custapi_id_parse(int32_t *out, const char *text, custapi_error *err);

/* ---------------------------------------------------------------------------------------
 * The client
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_client custapi_client;
typedef struct custapi_result custapi_result;

typedef enum custapi_protocol {
  CUSTAPI_PROTOCOL_REST = 0,
  CUSTAPI_PROTOCOL_XMLRPC = 1
} custapi_protocol;

/* What a trace callback is shown. */
typedef enum custapi_trace_kind {
  CUSTAPI_TRACE_INFO = 0,            /* a line about what happens (retry, backoff, ...) */
  CUSTAPI_TRACE_REQUEST_HEAD = 1,    /* request line and headers, credentials redacted */
  CUSTAPI_TRACE_REQUEST_BODY = 2,
  CUSTAPI_TRACE_RESPONSE_HEAD = 3,   /* status line and headers */
  CUSTAPI_TRACE_RESPONSE_BODY = 4
} custapi_trace_kind;

typedef void (*custapi_trace_fn)(custapi_trace_kind kind, const char *text, size_t len,
                                 void *payload);

#define CUSTAPI_OPTIONS_VERSION 1

/*
 * Options of a client. Start from CUSTAPI_OPTIONS_INIT; the struct only grows at its end, and
 * `version` tells the library which fields the caller knows. Strings are copied by
 * custapi_client_new; the caller's may be freed afterwards.
 */
typedef struct custapi_options {
  unsigned int version;
  const char *base_url;        /* e.g. "https://mail.example.com"; trailing slash tolerated */
  custapi_protocol protocol;
  const char *username;        /* no ':' and no control characters */
  const char *api_key;         /* copied; our copy is wiped before it is freed */
  const char *xmlrpc_prefix;   /* NULL: "customers."; "" for bare method names */
  long timeout_ms;             /* per attempt; 0: 30000 */
  long connect_timeout_ms;     /* 0: the attempt's timeout */
  int retries;                 /* -1: the default (3) */
  const char *cacert;          /* PEM bundle to trust, or NULL for the system's */
  int insecure;                /* 1: do not verify TLS certificates */
  const char *proxy;           /* NULL: libcurl's *_proxy variables; loopback never proxied */
  size_t max_response_bytes;   /* 0: 1 MiB */
  int allow_plain_http;        /* 1: permit Basic credentials over http:// to a remote host */
  unsigned validate_flags;     /* CUSTAPI_VALIDATE_LENIENT */
  custapi_trace_fn trace;      /* sees every request and response, credentials redacted */
  void *trace_payload;
  custapi_warn_fn warn;        /* lenient-mode and TLS warnings */
  void *warn_payload;
} custapi_options;

#define CUSTAPI_OPTIONS_INIT                                                                   \
  { CUSTAPI_OPTIONS_VERSION, NULL, CUSTAPI_PROTOCOL_REST, NULL, NULL, NULL, 0, 0, -1, NULL, 0,  \
    NULL, 0, 0, 0u, NULL, NULL, NULL, NULL }

/* The largest API key file custapi_key_file_read takes: a key file is small, anything bigger is
 * the wrong file. */
#define CUSTAPI_KEY_FILE_MAX 4096

/*
 * Reads an API key file, as the command's --api-key-file does: a regular file (a FIFO, device,
 * socket or directory is refused at once, never read), at most CUSTAPI_KEY_FILE_MAX bytes, one
 * trailing line break (LF or CR LF) dropped, neither empty nor holding a NUL byte; every other
 * case is a usage error naming the file. The key is read straight into one buffer that never
 * grows and is wiped on every failure. A file that group or others may read is taken, and
 * `warn` (may be NULL; property NULL) is told so. *out, for options.api_key, is given back
 * with custapi_key_free, which wipes it.
 */
CUSTAPI_EXTERN int custapi_key_file_read(char **out, const char *path, custapi_warn_fn warn,
                                         void *payload, custapi_error *err);
CUSTAPI_EXTERN void custapi_key_free(char *key);

/* Parses "rest" or "xmlrpc", in any case ("XMLRPC" too); CUSTAPI_EUSAGE for anything else. */
CUSTAPI_EXTERN int custapi_protocol_parse(custapi_protocol *out, const char *name);
CUSTAPI_EXTERN const char *custapi_protocol_name(custapi_protocol protocol);

/* Creates a client; checks the options (URL, username, plain-HTTP rule) without connecting. */
CUSTAPI_EXTERN int custapi_client_new(custapi_client **out, const custapi_options *options,
                                      custapi_error *err);
CUSTAPI_EXTERN void custapi_client_free(custapi_client *client);
/* The error of the client's last failed call (borrowed). */
CUSTAPI_EXTERN const custapi_error *custapi_client_last_error(const custapi_client *client);
/* 1 when the client's last failed call was an update whose request went out and whose answer
 * did not come back (a timeout, a connection cut after sending, an answer that could not be
 * read): it may have been applied; read the customer to know. Its message says so too. */
CUSTAPI_EXTERN int custapi_client_maybe_applied(const custapi_client *client);

/*
 * Updates customer `id` with the given properties after validating them with `mode` (and the
 * options' validate_flags). Invalid input fails with CUSTAPI_EINVALID before anything is sent.
 */
CUSTAPI_EXTERN int custapi_update(custapi_result **out, custapi_client *client, int32_t id,
                                  const custapi_customer *properties, custapi_validate_mode mode);
/* Reads customer `id`. The result carries the customer. */
CUSTAPI_EXTERN int custapi_get(custapi_result **out, custapi_client *client, int32_t id);

/*
 * Writes the exact request an update would send (method, URL, headers with credentials
 * redacted, a blank line, the body) into a string the caller frees with custapi_free. Validates
 * first, as custapi_update does; sends nothing.
 */
CUSTAPI_EXTERN int custapi_update_dry_run(char **out, custapi_client *client, int32_t id,
                                          const custapi_customer *properties,
                                          custapi_validate_mode mode);
/* The same for a read of customer `id` (custapi_get): the exact request, nothing sent. */
CUSTAPI_EXTERN int custapi_get_dry_run(char **out, custapi_client *client, int32_t id);

CUSTAPI_EXTERN void custapi_result_free(custapi_result *result);
CUSTAPI_EXTERN const char *custapi_result_protocol(const custapi_result *result);
CUSTAPI_EXTERN int custapi_result_http_status(const custapi_result *result);
CUSTAPI_EXTERN int custapi_result_attempts(const custapi_result *result);
CUSTAPI_EXTERN long custapi_result_elapsed_ms(const custapi_result *result);
/* The customer the server returned (borrowed), or NULL when it returned none. */
CUSTAPI_EXTERN const custapi_customer *custapi_result_customer(const custapi_result *result);
/* XML-RPC's integer result: returns 1 and stores it in *out when there is one, else 0. */
CUSTAPI_EXTERN int custapi_result_value(int64_t *out, const custapi_result *result);
/*
 * The result as one JSON object, in a string released with custapi_free:
 * {"protocol":"rest","http_status":200,"attempts":1,"elapsed_ms":35,"result":null,
 *  "customer":{...}} ("result": XML-RPC's integer, else null; "customer": null when none).
 */
CUSTAPI_EXTERN int custapi_result_to_json(char **out, const custapi_result *result);

/* ---------------------------------------------------------------------------------------
 * probe: is this protocol of the install usable?
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_probe custapi_probe;

/*
 * Checks the client's endpoint: that it answers, over TLS when the URL is https (verified
 * unless `insecure`), that it accepts the credentials, and, for XML-RPC, which customer methods
 * system.listMethods offers and whether the configured prefix names them. Returns 0 when the
 * protocol is usable; otherwise the error is on the client. Either way *out receives the
 * report (NULL only when memory runs out).
 */
CUSTAPI_EXTERN int custapi_probe_run(custapi_probe **out, custapi_client *client);
CUSTAPI_EXTERN void custapi_probe_free(custapi_probe *probe);
CUSTAPI_EXTERN int custapi_probe_usable(const custapi_probe *probe);
CUSTAPI_EXTERN const char *custapi_probe_protocol(const custapi_probe *probe);
CUSTAPI_EXTERN int custapi_probe_http_status(const custapi_probe *probe);
/* "verified", "insecure" (https, not verified) or "none" (plain http). */
CUSTAPI_EXTERN const char *custapi_probe_tls(const custapi_probe *probe);
/* The methods the endpoint lists (XML-RPC); 0 and NULL for a protocol without a list. */
CUSTAPI_EXTERN size_t custapi_probe_method_count(const custapi_probe *probe);
CUSTAPI_EXTERN const char *custapi_probe_method_at(const custapi_probe *probe, size_t index);
/*
 * 1 when PREFIX+UpdateCustomer and PREFIX+GetCustomer are both listed, 0 when not, -1 when the
 * protocol has no method list. When they are not, custapi_probe_suggested_prefix names a prefix
 * under which both are listed ("" for bare names), or NULL.
 */
CUSTAPI_EXTERN int custapi_probe_prefix_matches(const custapi_probe *probe);
CUSTAPI_EXTERN const char *custapi_probe_suggested_prefix(const custapi_probe *probe);
/* Why the protocol is not usable (borrowed), or NULL when it is. */
CUSTAPI_EXTERN const custapi_error *custapi_probe_error(const custapi_probe *probe);

/*
 * The exact request custapi_probe_run would send first (method, URL, headers with credentials
 * redacted, a blank line, the body), in a string released with custapi_free; nothing is sent.
 */
CUSTAPI_EXTERN int custapi_probe_dry_run(char **out, custapi_client *client);

/* ---------------------------------------------------------------------------------------
 * compare: evidence that REST and XML-RPC do the same thing to a customer
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_compare custapi_compare;

typedef enum custapi_compare_stage {
  CUSTAPI_COMPARE_AFTER_REST = 0,   /* after the update over REST */
  CUSTAPI_COMPARE_AFTER_XMLRPC = 1  /* after the restore and the update over XML-RPC */
} custapi_compare_stage;

typedef enum custapi_difference_kind {
  CUSTAPI_DIFFERENCE_OUTCOME = 0,        /* a call succeeded on one side and failed on the other */
  CUSTAPI_DIFFERENCE_ERROR_CATEGORY = 1, /* both failed, with different categories */
  CUSTAPI_DIFFERENCE_CHANGED_BY_ONE = 2, /* one protocol's update changed the field, the other's not */
  CUSTAPI_DIFFERENCE_VALUE = 3,          /* both changed the field, to different values */
  CUSTAPI_DIFFERENCE_READ_BACK = 4,      /* the protocols read different values of one state */
  CUSTAPI_DIFFERENCE_RESTORE = 5         /* the restore between the updates did not take */
} custapi_difference_kind;

/* One difference; its pointers are borrowed from the comparison. */
/* Handed out by pointer only (docs/abi.md): it may grow at its end in a minor release, so
 * use only the pointers the library gives; never allocate one, nor step from one to the next. */
typedef struct custapi_difference {
  custapi_difference_kind kind;
  const char *field;            /* the field at issue, or NULL (an outcome) */
  const char *stage;            /* "after_rest", "after_xmlrpc", "restore", or NULL */
  const char *message;          /* one line naming the field or the outcome */
  const custapi_field *rest;    /* the REST side's value (NULL: absent or not applicable) */
  const custapi_field *xmlrpc;  /* the XML-RPC side's value */
} custapi_difference;

/*
 * Runs the comparison of custapi(1) on customer `id`, with `rest` a client of the REST
 * protocol and `xmlrpc` one of XML-RPC, for the same install: snapshot (read over REST); update
 * over REST; read back over both; restore the snapshot's values of the touched properties over
 * REST and check that the restore took (if not, the comparison stops there with a RESTORE
 * difference); update over XML-RPC; read back over both. The XML-RPC update is left applied.
 * Returns 0 when the comparison ran, whatever it found; a negative status, with `err` filled,
 * when it could not (invalid properties, the snapshot could not be read, mismatched clients, or
 * a call of it failed as `internal`, e.g. out of memory, which says nothing about the protocols).
 */
CUSTAPI_EXTERN int custapi_compare_run(custapi_compare **out, custapi_client *rest,
                                       custapi_client *xmlrpc, int32_t id,
                                       const custapi_customer *properties,
                                       custapi_validate_mode mode, custapi_error *err);
CUSTAPI_EXTERN void custapi_compare_free(custapi_compare *compare);
/* 1 when both protocols agreed on everything, else 0. */
CUSTAPI_EXTERN int custapi_compare_agree(const custapi_compare *compare);
CUSTAPI_EXTERN size_t custapi_compare_difference_count(const custapi_compare *compare);
CUSTAPI_EXTERN const custapi_difference *custapi_compare_difference_at(
    const custapi_compare *compare, size_t index);
/* The customer as it was before (borrowed). */
CUSTAPI_EXTERN const custapi_customer *custapi_compare_snapshot(const custapi_compare *compare);
/*
 * The outcome of the update over `protocol`: 0, or its negative status with the error stored
 * in *err (borrowed; err may be NULL). A comparison that stopped before the update reports
 * CUSTAPI_EINTERNAL with the message "not run".
 */
CUSTAPI_EXTERN int custapi_compare_update_status(const custapi_compare *compare,
                                                 custapi_protocol protocol,
                                                 const custapi_error **err);
/* The result of the update over `protocol`, or NULL when it failed or did not run. */
CUSTAPI_EXTERN const custapi_result *custapi_compare_update_result(const custapi_compare *compare,
                                                                   custapi_protocol protocol);
/* What `reader` read back at `stage` (borrowed), or NULL when that read failed or did not run. */
CUSTAPI_EXTERN const custapi_customer *custapi_compare_read_back(const custapi_compare *compare,
                                                                 custapi_compare_stage stage,
                                                                 custapi_protocol reader);
/* The whole report as one JSON object, in a string released with custapi_free. */
CUSTAPI_EXTERN int custapi_compare_to_json(char **out, const custapi_compare *compare);

/*
 * Noise: properties that change by themselves (a timestamp, a counter, a revision). A property
 * whose value differs between two reads over the same protocol, with no update between them,
 * is learned as noise; custapi_noise_ignore names one in advance. A comparison that finds a
 * noise property different reports it as noise, never as a difference. One set may serve many
 * comparisons (what one record teaches holds for the next); it is not thread-safe.
 */
typedef struct custapi_noise custapi_noise;

typedef enum custapi_verdict {
  CUSTAPI_VERDICT_AGREE = 0,  /* both protocols left the property alike */
  CUSTAPI_VERDICT_DIFFER = 1, /* they did not */
  CUSTAPI_VERDICT_NOISE = 2   /* they did not, but the property changes by itself */
} custapi_verdict;

CUSTAPI_EXTERN int custapi_noise_new(custapi_noise **out);
CUSTAPI_EXTERN void custapi_noise_free(custapi_noise *noise);
/* Names a property as noise: 1 to 64 letters, digits, '_', '-' or '.' (else a usage error). */
CUSTAPI_EXTERN int custapi_noise_ignore(custapi_noise *noise, const char *property,
                                        custapi_error *err);
/* 1 when `property` is noise (named or learned), else 0. */
CUSTAPI_EXTERN int custapi_noise_has(const custapi_noise *noise, const char *property);
CUSTAPI_EXTERN size_t custapi_noise_count(const custapi_noise *noise);
CUSTAPI_EXTERN const char *custapi_noise_at(const custapi_noise *noise, size_t index);
/* "agree", "differ" or "noise". */
CUSTAPI_EXTERN const char *custapi_verdict_name(custapi_verdict verdict);

/*
 * custapi_compare_run, learning noise into `noise` (NULL: a set of its own, for this run only):
 * when something differs, it reads the customer once more over each protocol, and what changed
 * between the two reads is noise. Differences of noise properties are left out of the
 * differences (custapi_compare_agree ignores them) and reported by custapi_compare_verdict.
 */
CUSTAPI_EXTERN int custapi_compare_run_noise(custapi_compare **out, custapi_client *rest,
                                             custapi_client *xmlrpc, int32_t id,
                                             const custapi_customer *properties,
                                             custapi_validate_mode mode, custapi_noise *noise,
                                             custapi_error *err);
/* The verdict of one property of a comparison. */
CUSTAPI_EXTERN custapi_verdict custapi_compare_verdict(const custapi_compare *compare,
                                                       const char *property);
/*
 * compare --results: the first line of a results file ({"custapi_compare_results":1,
 * "custapi_version":"..."}), one record's line (docs/report.md; schemas/compare-results), and
 * the line of a record that could not be compared; each a string ending in a line break,
 * released with custapi_free.
 */
CUSTAPI_EXTERN int custapi_compare_results_header(char **out);
CUSTAPI_EXTERN int custapi_compare_results_line(char **out, const custapi_compare *compare,
                                                long line);
CUSTAPI_EXTERN int custapi_compare_failure_line(char **out, long line, int32_t id,
                                                const custapi_error *error);

/* ---------------------------------------------------------------------------------------
 * bulk: many updates from a file, concurrently, on the client's one connection pool
 * ------------------------------------------------------------------------------------- */

typedef enum custapi_bulk_format {
  CUSTAPI_BULK_JSONL = 0, /* one JSON object per line: {"id":42,"sms_quota":5} */
  CUSTAPI_BULK_CSV = 1    /* header row id,prop,...; an empty cell is not sent; BOM ignored */
} custapi_bulk_format;

/* How one record ended; its pointers are borrowed for the callback's duration. */
/* Handed out by pointer only (docs/abi.md): it may grow at its end in a minor release, so
 * use only the pointers the library gives; never allocate one, nor step from one to the next. */
typedef struct custapi_bulk_outcome {
  long line;                    /* where the record starts (1-based; a CSV header is line 1) */
  int32_t id;                   /* 0 when the record's id could not be read */
  int status;                   /* 0, or a negative custapi_status */
  int attempts;                 /* 0 for a record refused before anything was sent */
  int http_status;              /* the last response's, or 0 */
  long elapsed_ms;
  const custapi_error *error;   /* on failure, else NULL */
  const custapi_result *result; /* on success, else NULL */
  int maybe_applied; /* on failure: it may have been applied (as custapi_client_maybe_applied) */
} custapi_bulk_outcome;

/*
 * Counts of a run, so far or at its end. The caller allocates the one custapi_bulk_run fills,
 * so it is versioned as custapi_error is: it grows only at its end (bumping
 * CUSTAPI_BULK_SUMMARY_VERSION), the library writes only the fields the caller's `version` has
 * and keeps `version`; start from CUSTAPI_BULK_SUMMARY_INIT, or zero it (version 0 is read as
 * version 1, the layout below).
 */
#define CUSTAPI_BULK_SUMMARY_VERSION 1

typedef struct custapi_bulk_summary {
  unsigned int version;
  long records;   /* records read: succeeded + failed + skipped + in flight */
  long succeeded;
  long failed;    /* refused before sending (invalid) or failed after the retries */
  long skipped;   /* passed over by the skip callback (already done, e.g. on resume) */
  long in_flight;
  long elapsed_ms;
} custapi_bulk_summary;

#define CUSTAPI_BULK_SUMMARY_INIT { CUSTAPI_BULK_SUMMARY_VERSION, 0, 0, 0, 0, 0, 0 }

/* Each record not skipped, once, in completion order. Return 0 to go on; a negative
 * custapi_status stops the run: nothing more is started, updates in flight finish and are
 * reported, and custapi_bulk_run returns that status. */
typedef int (*custapi_bulk_done_fn)(const custapi_bulk_outcome *outcome, void *payload);
/* Asked for each readable record before anything is sent, in input order; non-zero skips
 * it (CUSTAPI_BULK_SKIP, or CUSTAPI_BULK_SKIP_ABANDONED for a record given up on: skipped the
 * same way, and counted among the skipped). (A record the reader refuses is reported, never
 * asked about.) */
typedef int (*custapi_bulk_skip_fn)(long line, int32_t id, void *payload);
#define CUSTAPI_BULK_SKIP 1
#define CUSTAPI_BULK_SKIP_ABANDONED 2
/* After each turn of the loop (at least about once a second while work is pending), once the
 * turn's finished updates are reported and before the next turn sends anything. */
typedef void (*custapi_bulk_tick_fn)(const custapi_bulk_summary *so_far, void *payload);
/*
 * Asked at each turn of the loop (so within about a second; sooner when a signal interrupts
 * the wait). CUSTAPI_BULK_GO_ON (0); CUSTAPI_BULK_STOP: read and start nothing more (records
 * read ahead but not started are dropped, uncounted) and let the updates in flight finish and
 * be reported; CUSTAPI_BULK_STOP_NOW: as STOP, and end the updates in flight at once, each
 * reported as failed (transport; it may have been applied). The run then returns as it would
 * at the end of its input.
 */
typedef int (*custapi_bulk_stop_fn)(void *payload);
#define CUSTAPI_BULK_GO_ON 0
#define CUSTAPI_BULK_STOP 1
#define CUSTAPI_BULK_STOP_NOW 2

#define CUSTAPI_BULK_OPTIONS_VERSION 3
#define CUSTAPI_BULK_CONCURRENCY_DEFAULT 8
#define CUSTAPI_BULK_CONCURRENCY_MAX 256

typedef struct custapi_bulk_options {
  unsigned int version;
  custapi_bulk_format format;
  int concurrency;            /* updates in flight at once, 1..256; 0: 8 */
  custapi_validate_mode mode; /* partial or strict; fill-required is refused (usage) */
  unsigned customer_flags;    /* CUSTAPI_CUSTOMER_ALLOW_UNKNOWN, ..._IGNORE_READ_ONLY */
  custapi_bulk_done_fn done;  /* may be NULL */
  void *done_payload;
  custapi_bulk_skip_fn skip;  /* may be NULL */
  void *skip_payload;
  custapi_bulk_tick_fn tick;  /* may be NULL */
  void *tick_payload;
  unsigned flags;             /* version 2: CUSTAPI_BULK_NO_CUSTOMERS */
  custapi_bulk_stop_fn stop;  /* version 3; may be NULL */
  void *stop_payload;
} custapi_bulk_options;

/*
 * Bulk flag: outcomes carry no returned customer (custapi_result_customer is NULL). REST's
 * answer is still checked (a 2xx that is not the {"links","item"} envelope fails as protocol),
 * but the customer is not built: the command uses it, since it reports only the outcome.
 */
#define CUSTAPI_BULK_NO_CUSTOMERS (1u << 0)

#define CUSTAPI_BULK_OPTIONS_INIT                                                              \
  { CUSTAPI_BULK_OPTIONS_VERSION, CUSTAPI_BULK_JSONL, 0, CUSTAPI_VALIDATE_PARTIAL, 0u, NULL,    \
    NULL, NULL, NULL, NULL, NULL, 0u, NULL, NULL }

/* CSV for a name ending in ".csv" (any case), else JSON Lines. */
CUSTAPI_EXTERN custapi_bulk_format custapi_bulk_format_for(const char *path);
/* A format by its name, "jsonl" or "csv" (the command's --format): 0, or CUSTAPI_EUSAGE
 * "must be jsonl or csv, not ..." (the caller says where the name came from). */
CUSTAPI_EXTERN int custapi_bulk_format_parse(custapi_bulk_format *out, const char *name,
                                             custapi_error *err);

/*
 * Reads `input` (borrowed; streamed, never loaded whole) and updates every record over the
 * client's protocol with up to `concurrency` updates in flight, each retried as a single
 * update is. Every record is validated with `mode` (and the client's validate_flags) before
 * anything is sent; a bad one is reported (attempts 0) and the rest carry on. Never two updates
 * of one id are in flight at once, and the records of one id are applied in input order, so the
 * last line of an id wins. A 429 or a Retry-After holds every update, not just the one that got
 * it. Returns 0 when every record succeeded or was skipped; CUSTAPI_EPARTIAL when some failed;
 * another negative status when the run could not go on (the input can't be read: invalid; bad
 * options: usage; out of memory; or the done callback's status). The error is on the client;
 * *out holds the counts either way. The callbacks must not make calls on `client` (they are
 * refused with CUSTAPI_EUSAGE) nor free it; another client may be used.
 */
CUSTAPI_EXTERN int custapi_bulk_run(custapi_bulk_summary *out, custapi_client *client,
                                    FILE *input, const custapi_bulk_options *options);

/* ---------------------------------------------------------------------------------------
 * records: reading bulk input one record at a time (what custapi_bulk_run reads)
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_records custapi_records;

/*
 * A reader of JSON Lines or CSV records from `input` (borrowed, positioned at its start; never
 * loaded whole). Every customer it makes has `customer_flags` (CUSTAPI_CUSTOMER_ALLOW_UNKNOWN,
 * ...). For CSV the header row is read and checked here: CUSTAPI_EINVALID, naming the problem,
 * when it is missing, has no `id` column, an empty or repeated column, or a name the schema
 * refuses.
 */
CUSTAPI_EXTERN int custapi_records_open(custapi_records **out, FILE *input,
                                        custapi_bulk_format format, unsigned customer_flags,
                                        custapi_error *err);
CUSTAPI_EXTERN void custapi_records_free(custapi_records *records);
/*
 * The next record: 1 with *out its properties (the caller's, custapi_customer_free), 0 at the
 * end of the input, or a negative status with err naming the record's line. After a record
 * that is refused (CUSTAPI_EINVALID: its line is not one JSON object or CSV row, it is longer
 * than 1 MiB, its id is missing, a value is refused, ...) the next call reads on; after a
 * failure that ends the reading (CUSTAPI_EINTERNAL: memory ran out) custapi_records_failed is
 * 1 and every later call returns 0. Blank lines are skipped.
 */
CUSTAPI_EXTERN int custapi_records_next(custapi_customer **out, custapi_records *records,
                                        custapi_error *err);
/* The line where the last record read (or refused) starts: 1-based, a CSV header is line 1. */
CUSTAPI_EXTERN long custapi_records_line(const custapi_records *records);
/* That record's id, or 0 when it could not be read. */
CUSTAPI_EXTERN int32_t custapi_records_id(const custapi_records *records);
/* 1 once a failure has ended the input (see custapi_records_next), else 0. */
CUSTAPI_EXTERN int custapi_records_failed(const custapi_records *records);

/* ---------------------------------------------------------------------------------------
 * bulk's files: its input, a results file a kill can't corrupt, and resuming a run
 * ------------------------------------------------------------------------------------- */

typedef struct custapi_bulk_input custapi_bulk_input;
typedef struct custapi_bulk_results custapi_bulk_results;

/*
 * Opens the input of a bulk run: the file at `path`, or standard input for "-". `format` NULL
 * chooses the format: a file's by its name (custapi_bulk_format_for); standard input's by its
 * first non-blank line (a JSON object: JSON Lines; a CSV header naming an `id` column: CSV;
 * anything else is refused, with the hint to give the format), the bytes looked at being
 * replayed to the reader. A regular file is read through once here, for its fingerprint (what
 * a results file records) and its record count, and rewound. Fails with CUSTAPI_EINVALID
 * naming the problem.
 */
CUSTAPI_EXTERN int custapi_bulk_input_open(custapi_bulk_input **out, const char *path,
                                           const custapi_bulk_format *format,
                                           custapi_error *err);
CUSTAPI_EXTERN void custapi_bulk_input_free(custapi_bulk_input *input);
/* The records' stream (borrowed), for custapi_bulk_run or custapi_records_open. */
CUSTAPI_EXTERN FILE *custapi_bulk_input_stream(const custapi_bulk_input *input);
CUSTAPI_EXTERN custapi_bulk_format custapi_bulk_input_format(const custapi_bulk_input *input);
/* The number of records of a regular file (non-blank lines; CSV rows after the header); -1
 * when it is not known (standard input, a pipe). */
CUSTAPI_EXTERN long custapi_bulk_input_records(const custapi_bulk_input *input);

/* custapi_bulk_results_open flag: finish the run whose results the file holds. */
#define CUSTAPI_BULK_RESULTS_RESUME (1u << 0)
/*
 * custapi_bulk_results_open flag: custapi_bulk_results_write holds its lines until
 * custapi_bulk_results_flush writes them all with one write(2) (or until 64 KiB are held). Call
 * it from the run's tick callback, which follows each turn of the loop and comes before any
 * request the next turn sends: the results of the updates that finished in a turn are then on
 * disk before anything more goes out, with one system call per turn instead of one per update.
 * A kill -9 loses the lines not yet written, as without the flag, and a resume sends their
 * records again.
 */
#define CUSTAPI_BULK_RESULTS_BATCH (1u << 1)

/*
 * Opens the results file of a bulk run of `input`: `path`, or standard output for "-". The file
 * is the run's own until custapi_bulk_results_free: created 0600 (it holds customer data; an
 * existing file keeps its mode), locked (flock) so that a second run on it is refused at once,
 * and never the input itself. Its first line fingerprints the input
 * ({"custapi_bulk_results":1,"input_bytes":N,"input_hash":"fnv1a64:..."}, nulls for standard
 * input); each result is then one line written with one write(2) on an O_APPEND descriptor, so
 * a kill at any moment leaves whole lines (at most a torn last one, which a resume drops).
 * Without CUSTAPI_BULK_RESULTS_RESUME a file that already holds results is refused; with it the
 * file must be custapi's results of this very input (a regular file, not standard output, of an
 * input that is not standard input): it is read back into the plan custapi_bulk_results_skip
 * follows, and a torn last line is dropped.
 * Refusals are CUSTAPI_EUSAGE naming the file and the reason, the file left as it was; a file
 * another run holds is CUSTAPI_EBUSY (nothing wrong with the call: a later one will do).
 */
CUSTAPI_EXTERN int custapi_bulk_results_open(custapi_bulk_results **out, const char *path,
                                             const custapi_bulk_input *input, unsigned flags,
                                             custapi_error *err);
/* Writes the lines held (CUSTAPI_BULK_RESULTS_BATCH), then closes (and so unlocks) the file:
 * call custapi_bulk_results_flush first to learn whether they could be written. */
CUSTAPI_EXTERN void custapi_bulk_results_free(custapi_bulk_results *results);
/*
 * Writes the lines custapi_bulk_results_write holds (CUSTAPI_BULK_RESULTS_BATCH) with one
 * write(2); 0 when none are held. CUSTAPI_EINTERNAL, naming the file and the reason, when they
 * can't be written (they are dropped: the file has what it has).
 */
CUSTAPI_EXTERN int custapi_bulk_results_flush(custapi_bulk_results *results, custapi_error *err);
/*
 * Whether a resumed run skips the record at `line` of `id` (CUSTAPI_BULK_SKIP) or sends it
 * (0): a record is skipped when its last result is ok, it was applied after every earlier line
 * of its id that is skipped, and no earlier line of its id is sent again; so the install ends
 * as a clean run of the whole input would leave it. A record whose last result failed in as
 * many runs as the maximum (custapi_bulk_results_set_max_attempts) is given up on:
 * CUSTAPI_BULK_SKIP_ABANDONED, never sent again, and not in the way of its id's later lines,
 * which are then skipped or sent as if it were not in the input. Always 0 without
 * CUSTAPI_BULK_RESULTS_RESUME. It has the shape of custapi_bulk_skip_fn (the payload is the
 * custapi_bulk_results): ask for every record in input order, as custapi_bulk_run does.
 */
CUSTAPI_EXTERN int custapi_bulk_results_skip(long line, int32_t id, void *results);

#define CUSTAPI_BULK_MAX_ATTEMPTS_DEFAULT 3
/*
 * How many runs may take a record before a failure of it is final (default 3; at least 1):
 * each result line counts the runs that took its record ("tries", across resumes and
 * compactions), and the one that fails the last of them says "abandoned":true. Set it before
 * the run; CUSTAPI_EUSAGE below 1.
 */
CUSTAPI_EXTERN int custapi_bulk_results_set_max_attempts(custapi_bulk_results *results,
                                                         int max_attempts);
/* The records given up on so far: those a resume skipped as abandoned, and those this run
 * abandoned (custapi_bulk_results_write). A run with any did not do all its input. */
CUSTAPI_EXTERN long custapi_bulk_results_abandoned(const custapi_bulk_results *results);
/*
 * Rewrites the results file at `path` of `input` (both files) to its header and one line per
 * input line, each line's last result, in the order they were applied: what a resume reads
 * from it is unchanged. The new file is written beside it (PATH.compact), fsynced and renamed
 * over it, so a kill at any moment leaves the old file or the new one, whole. The file is
 * locked meanwhile (CUSTAPI_EBUSY when another run holds it); refusals are those of
 * custapi_bulk_results_open with CUSTAPI_BULK_RESULTS_RESUME, the file left as it was. A
 * resume compacts by itself a file holding more than twice as many results as the input has
 * lines.
 */
CUSTAPI_EXTERN int custapi_bulk_results_compact(const char *path, const custapi_bulk_input *input,
                                                custapi_error *err);
/*
 * The client whose protocol the run's updates go over, named in each line's timing members
 * ("at":"2026-12-06T03:32:00.123Z","elapsed_ms":{"rest":35}: when the update started and how
 * long it took). Without it, a line names the protocol of its result, and a failed record's
 * line carries no timing members.
 */
CUSTAPI_EXTERN void custapi_bulk_results_protocol(custapi_bulk_results *results,
                                                  const custapi_client *client);
/*
 * Appends one record's outcome as a line (custapi_bulk_outcome_to_json and a line break) with
 * one write(2), or, with CUSTAPI_BULK_RESULTS_BATCH, holds it for custapi_bulk_results_flush.
 * CUSTAPI_EINTERNAL, naming the file and the reason, when it can't be written.
 */
CUSTAPI_EXTERN int custapi_bulk_results_write(custapi_bulk_results *results,
                                              const custapi_bulk_outcome *outcome,
                                              custapi_error *err);
/*
 * An outcome as its results line's JSON, in a string released with custapi_free:
 * {"line":3,"id":42,"ok":true,"attempts":1}, or {"line":4,"id":null,"ok":false,"attempts":0,
 * "error":{...}} (custapi_error_to_json); valid UTF-8 whatever the error quotes. (A results
 * file's line adds "tries", and "abandoned":true, which only the file knows.)
 */
CUSTAPI_EXTERN int custapi_bulk_outcome_to_json(char **out, const custapi_bulk_outcome *outcome);

#ifdef __cplusplus
}
#endif

#endif /* CUSTAPI_H */
