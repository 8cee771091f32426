/*
 * The XML-RPC codec (SPEC section 4): methodCall encoding and methodResponse decoding with
 * xmlrpc-c's core library only (no xmlrpc-c client; the transport is src/common's libcurl).
 * Its operations are reached through custapi__xmlrpc_backend (backend.h).
 */
#ifndef CUSTAPI_XMLRPC_H
#define CUSTAPI_XMLRPC_H

#include <stddef.h>

/*
 * xmlrpc-c refuses to parse a response over 512 KiB by default (XMLRPC_XML_SIZE_LIMIT_ID, a
 * process-wide setting). This raises that limit, once per process, to
 * CUSTAPI_XMLRPC_PARSE_LIMIT, far above any cap the transport enforces (1 MiB by default), so
 * that the transport's cap is the only one. The decoders call it themselves; custapi_global_init
 * should call it too, before threads start, because the limit is read by every xmlrpc-c parse
 * in the process. Safe to call any number of times from any thread.
 */
void custapi__xmlrpc_global_init(void);

/* The size limit set by custapi__xmlrpc_global_init: expat takes an int length. */
#define CUSTAPI_XMLRPC_PARSE_LIMIT ((size_t)0x7fffffff)

/* The method names' default prefix. */
#define CUSTAPI_XMLRPC_DEFAULT_PREFIX "customers."

/* The longest prefix accepted. */
#define CUSTAPI_XMLRPC_PREFIX_MAX 128

#endif
