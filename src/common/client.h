/* What other parts of the library (probe, bulk) reach inside a client. */
#ifndef CUSTAPI_CLIENT_INTERNAL_H
#define CUSTAPI_CLIENT_INTERNAL_H

#include "backend.h"

/* Runs the backend's probe request (with the client's retry policy); the error on the client. */
int custapi__client_probe(custapi_probe_info *out, int *http_status, int *attempts,
                          custapi_client *client);

/* Leaves `err` on the client as its last error; returns its status. */
int custapi__client_fail(custapi_client *client, const custapi_error *err);

/* Borrowed facts about a client's configuration. */
void custapi__client_facts(const custapi_client *client, const char **base_url,
                           const char **xmlrpc_prefix, int *insecure, const char **protocol);

#endif
