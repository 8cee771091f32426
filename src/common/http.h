/*
 * The HTTP request a codec builds and the response it decodes: plain buffers, so that codecs
 * are pure functions that tests and fuzzers reach with no network (hiredis' reader).
 */
#ifndef CUSTAPI_HTTP_TYPES_H
#define CUSTAPI_HTTP_TYPES_H

#include <stddef.h>

typedef struct custapi_http_request {
  const char *method;       /* "GET", "PUT" or "POST" (static) */
  char *url;                /* the full URL (owned) */
  const char *content_type; /* static, or NULL when there is no body */
  char *body;               /* owned, or NULL */
  size_t body_len;
  const char *accept;       /* static Accept value, or NULL: the same as content_type */
  /* An Authorization header value sent as it is (borrowed), instead of the transport's own
   * credentials: the gateway passes its callers' headers through. NULL for the usual case. */
  const char *authorization;
} custapi_http_request;

/* Frees what the request owns and zeroes it; accepts a zeroed request. */
void custapi__http_request_clear(custapi_http_request *request);

/* A response as received: every pointer is borrowed from whoever received it. */
typedef struct custapi_http_response {
  int status;               /* the HTTP status, e.g. 200 */
  const char *body;         /* NUL-terminated (the NUL is not counted); "" when empty */
  size_t body_len;
  const char *content_type; /* or NULL */
  const char *location;     /* the Location header, or NULL */
  const char *retry_after;  /* the Retry-After header, or NULL */
} custapi_http_response;

/* The category of an HTTP status that is not a success (docs/errors.md); OK for 2xx. */
#include "custapi/custapi.h"
custapi_category custapi__http_status_category(int status);

/* The reason phrase of a status ("Not Found"), or NULL for one without a known phrase. */
const char *custapi__http_reason_phrase(int status);

/* A 3xx as both codecs report it: protocol, naming the Location, http_status kept. */
int custapi__redirect_error(custapi_error *err, const custapi_http_response *response);

/* 1 for a 2xx status: the only answers a codec decodes. */
int custapi__http_is_success(int status);

/*
 * The error for an answer that is not a 2xx, the same whichever protocol asked: the status's
 * category and http_status; a message of the status line and, when the body says something
 * (plain text, or the message of a JSON error body in any common shape; never an HTML or XML
 * page, binary data or JSON without a message), a one-line excerpt of it. The body must be
 * redacted already (call.c does so before anything is taken from it).
 */
int custapi__http_failure(custapi_error *err, const custapi_http_response *response);

/*
 * What a server said (an error body's text, an XML-RPC fault string) as the excerpt every
 * message shows: one line, runs of white space and control characters one space, bytes that
 * are not UTF-8 '?', cut at 200 bytes (never inside a character) with "...". Returns buf.
 */
char *custapi__server_excerpt(char *buf, size_t size, const char *text, size_t len);

/* "HTTP 404 Not Found", or "HTTP 599" when the phrase is unknown, into buf. Returns buf. */
char *custapi__http_status_line(char *buf, size_t size, int status);

#endif
