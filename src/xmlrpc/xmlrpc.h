/*
 * The XML-RPC codec (SPEC section 4): methodCall encoding and methodResponse decoding with
 * xmlrpc-c's core library only (no xmlrpc-c client; the client layer's libcurl transport sends).
 * Its operations are reached through custapi__xmlrpc_backend (the ops table of backend.h).
 */
#ifndef CUSTAPI_XMLRPC_H
#define CUSTAPI_XMLRPC_H

#include <stddef.h>

#include "backend.h"

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

#endif
