/* What other parts of the library (probe, bulk) reach inside a client. */
#ifndef CUSTAPI_CLIENT_INTERNAL_H
#define CUSTAPI_CLIENT_INTERNAL_H

#include "codec.h"
#include "transport.h" /* custapi_transport_watch */

/* Runs the backend's probe request (with the client's retry policy); the error on the client. */
int custapi__client_probe(custapi_probe_info *out, int *http_status, int *attempts,
                          custapi_client *client);

/* The checks every base URL passes (http:// or https://, a host, no credentials or query,
 * plain http:// only to loopback unless allowed): for the gateway, which has no client. */
int custapi__client_check_url(const char *url, int allow_plain_http, custapi_error *err);

/* Leaves `err` on the client as its last error; returns its status. */
int custapi__client_fail(custapi_client *client, const custapi_error *err);

/* Borrowed facts about a client's configuration. */
/* The exact request custapi__client_probe would send, nothing sent (for --dry-run). */
int custapi__client_probe_dry_run(char **out, custapi_client *client);

void custapi__client_facts(const custapi_client *client, const char **base_url, int *insecure,
                           const char **protocol);

/* The client's protocol, and its validate_flags (CUSTAPI_VALIDATE_LENIENT). */
custapi_protocol custapi__client_protocol(const custapi_client *client);
unsigned custapi__client_validate_flags(const custapi_client *client);

/*
 * A client runs one call at a time, and a bulk run is one call: its callbacks (done, skip,
 * tick) must not start another call on the same client, since stepping the client's loop
 * there would deliver the bulk's own completions inside that call. custapi_bulk_run marks
 * the client busy for its duration; a call on a busy client is refused (usage, and the error
 * left on the client) by custapi__client_refuse_if_busy, which returns 0 when it is free.
 */
void custapi__client_set_busy(custapi_client *client, int busy);
int custapi__client_refuse_if_busy(custapi_client *client);

/* ---- asynchronous updates: many in flight on the client's loop (bulk) ---- */

/* How an asynchronous update ended; every pointer is borrowed for the callback's duration. */
typedef struct custapi__update_outcome {
  int status; /* 0, or a negative custapi_status */
  int attempts;
  int http_status;
  long elapsed_ms;
  const custapi_result *result; /* on success */
  const custapi_error *error;   /* on failure */
  int maybe_applied;            /* on failure: its request went out, its answer did not come */
} custapi__update_outcome;

typedef void (*custapi__update_done_fn)(const custapi__update_outcome *outcome, void *payload);

/* The checks custapi_update makes before sending (id, validation with the client's flags);
 * fill-required is refused (usage): it would need a read first. Nothing is sent. */
int custapi__client_check_update(custapi_client *client, int32_t id,
                                 const custapi_customer *properties, custapi_validate_mode mode,
                                 custapi_error *err);

/*
 * Starts an update of already checked properties (encoded now: the caller may free them on
 * return). `done` is called exactly once, from custapi__client_step (never before this
 * returns), after the retries of a single update. A negative return: nothing started.
 */
int custapi__update_start(custapi_client *client, int32_t id, const custapi_customer *properties,
                          unsigned flags, custapi__update_done_fn done, void *payload,
                          custapi_error *err);

/* custapi__update_start flag: the outcome's result carries no customer (decode_update_brief). */
#define CUSTAPI__UPDATE_BRIEF (1u << 0)

/* Drives the loop once (custapi__transport_step): completions are delivered from here. */
int custapi__client_step(custapi_client *client, custapi_error *err);
/* Sets (or with NULL, removes) the watch of the client's loop (custapi__transport_watch). */
void custapi__client_watch(custapi_client *client, const custapi_transport_watch *watch);

/* Ends every asynchronous update at once, each `done` called with `why`; `maybe_applied`: each
 * is reported as one that may have been applied (its request may have gone out). */
void custapi__client_abort_async(custapi_client *client, const custapi_error *why,
                                 int maybe_applied);

#endif
