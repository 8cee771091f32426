/*
 * The HTTP transport: libcurl's multi interface, non-blocking from the start (docs/internals.md).
 *
 * One transport holds one multi handle (and so one connection cache: keep-alive across calls),
 * a pool of idle easy handles, and a list of timers. Transfers are started with a completion
 * callback and driven by custapi__transport_step; a single call is a loop that steps until its
 * one transfer (and any backoff timer) is done. Many transfers may be in flight on one loop.
 *
 * Retries are not the transport's business: it reports what happened (an HTTP response, or a
 * transport failure with curl's code and text, and whether such a failure may be retried) and
 * the client decides.
 */
#ifndef CUSTAPI_TRANSPORT_H
#define CUSTAPI_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "custapi/custapi.h"
#include "http.h"

typedef struct custapi_transport custapi_transport;
typedef struct custapi_transfer custapi_transfer;

/* Everything a transport needs from the client's options. Strings are borrowed for the
 * transport's lifetime (the client owns the copies). */
typedef struct custapi_transport_config {
  const char *username;    /* "" when none */
  const char *password;    /* the API key; NULL: no credentials of its own (the gateway's
                            * requests carry their callers' Authorization header) */
  long timeout_ms;         /* per transfer, > 0 */
  long connect_timeout_ms; /* > 0 */
  const char *cacert;      /* or NULL */
  int insecure;
  const char *proxy;         /* or NULL: libcurl's environment variables */
  size_t max_response_bytes; /* > 0 */
  custapi_trace_fn trace;    /* or NULL; sees redacted text only */
  void *trace_payload;
} custapi_transport_config;

typedef void (*custapi_transfer_done_fn)(custapi_transfer *transfer, void *payload);
typedef void (*custapi_timer_fn)(void *payload);

int custapi__transport_new(custapi_transport **out, const custapi_transport_config *config,
                           custapi_error *err);
void custapi__transport_free(custapi_transport *transport);

/*
 * Starts sending `request` (borrowed: it must outlive the transfer). `done` is called from
 * custapi__transport_step once the transfer has ended, whatever the outcome; the callee then
 * reads the outcome and releases the transfer.
 */
int custapi__transport_start(custapi_transfer **out, custapi_transport *transport,
                             const custapi_http_request *request, custapi_transfer_done_fn done,
                             void *payload, custapi_error *err);

/* Calls `fn(payload)` from custapi__transport_step after `delay_ms`. */
int custapi__transport_add_timer(custapi_transport *transport, long delay_ms, custapi_timer_fn fn,
                                 void *payload, custapi_error *err);

/* Drops the timers of `fn(payload)` not yet fired (a gateway caller's deadline, once answered). */
void custapi__transport_cancel_timers(custapi_transport *transport, custapi_timer_fn fn,
                                      void *payload);

/*
 * Something else the loop serves (the gateway's libmicrohttpd; a bulk run's input pipe while it
 * has nothing to give): its descriptors are polled together with libcurl's sockets, its timeout
 * bounds each wait, and after_turn runs after every turn. With a watch the loop waits even when
 * no transfer or timer is pending (up to a second). One watch per transport.
 */
#define CUSTAPI_TRANSPORT_WATCH_MAX 3 /* the gateway's: its callers, its signals, /metrics */

typedef struct custapi_transport_watch {
  int fds[CUSTAPI_TRANSPORT_WATCH_MAX];
  unsigned fd_count;
  long (*timeout_ms)(void *payload); /* ms until it wants a turn, -1: none */
  void (*after_turn)(void *payload);
  void *payload;
} custapi_transport_watch;

/* Sets (or with NULL, removes) the transport's watch; copied. */
void custapi__transport_watch(custapi_transport *transport, const custapi_transport_watch *watch);

/* Transfers in flight plus timers pending. */
size_t custapi__transport_pending(const custapi_transport *transport);

/*
 * Waits (at most until the next timer or libcurl's own timeout) for activity, drives every
 * transfer and fires due callbacks. Returns 0, or an error when the loop itself fails.
 */
int custapi__transport_step(custapi_transport *transport, custapi_error *err);

/*
 * The outcome of an ended transfer. 0: an HTTP response arrived (any status) and `out` points
 * into the transfer's buffers. Negative: it failed (transport, or protocol for an oversized
 * response), `err` says why and *retryable says whether the failure may be retried
 * (connection refused, reset, timeout: yes; unknown host, TLS verification: no).
 */
int custapi__transfer_response(custapi_http_response *out, int *retryable,
                               const custapi_transfer *transfer, custapi_error *err);

/* 1 when the whole request of an ended transfer went out (its head and all of its body), so that
 * a server may have acted on it whatever became of the answer; 0 when it surely did not. */
int custapi__transfer_request_sent(const custapi_transfer *transfer);

/* Drops every transfer in flight and every timer, without calling their callbacks. */
void custapi__transport_abort_all(custapi_transport *transport);

/* Returns an ended transfer's easy handle to the pool (its connection stays alive). */
void custapi__transfer_release(custapi_transport *transport, custapi_transfer *transfer);

/*
 * The request exactly as it would be sent: request line with the full URL, the headers
 * (Authorization redacted), a blank line, the body. In a new string (custapi__free).
 */
int custapi__transport_format_request(char **out, const custapi_transport *transport,
                                      const custapi_http_request *request, custapi_error *err);

/* Milliseconds of a monotonic clock. */
uint64_t custapi__now_ms(void);

/* Reference-counted curl_global_init / cleanup (custapi_global_init's work). */
int custapi__transport_global_init(void);
void custapi__transport_global_cleanup(void);

#endif
