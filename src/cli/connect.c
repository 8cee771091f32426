#include "connect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_support.h"
#include "options.h"

void cli_key_free(char *key) { custapi_key_free(key); }

/* The library's reading of a key file (custapi_key_file_read), or of standard input for "-". */
static int read_key_file(char **out, const char *path, custapi_error *err) {
  if (strcmp(path, "-") == 0)
    return custapi__key_read_fd(out, STDIN_FILENO, path, err);
  return custapi_key_file_read(out, path, cli_warn, NULL, err);
}

int cli_read_api_key(char **out, const cli_args *args, custapi_error *err) {
  *out = NULL;
  if (args->api_key_file)
    return read_key_file(out, args->api_key_file, err);
  const char *env = getenv("CUSTAPI_API_KEY");
  if (!env || !*env)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "no API key: use --api-key-file FILE or set CUSTAPI_API_KEY");
  *out = custapi__strdup(env);
  return *out ? 0 : custapi__error_oom(err);
}

int cli_require_id(int32_t *out, const cli_args *args, custapi_error *err) {
  if (!args->id)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s needs --id N", args->command);
  return custapi_id_parse(out, args->id, err);
}

void cli_options_from_args(custapi_options *o, const cli_args *args) {
  o->base_url = args->url;
  o->xmlrpc_prefix = args->xmlrpc_prefix;
  o->timeout_ms = args->timeout_ms;
  o->retries = args->retries;
  o->cacert = args->cacert;
  o->insecure = args->insecure;
  o->proxy = args->proxy;
  o->allow_plain_http = args->allow_plain_http;
  o->validate_flags = args->validate_flags;
  o->warn = cli_warn;
  if (args->verbose)
    o->trace = cli_trace_stderr;
}

int cli_connect(custapi_client **out, const cli_args *args, custapi_error *err) {
  *out = NULL;
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  if (args->protocol && custapi_protocol_parse(&o.protocol, args->protocol) < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "--protocol: must be rest or xmlrpc, not %.100s", args->protocol);
  /* Each missing setting is a usage error before any request: a Basic header with an empty
   * user would reach the server and come back as "invalid credentials". */
  if (!args->url || !*args->url)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "no URL: use --url URL, set CUSTAPI_URL or put url in the profile");
  if (!args->username || !*args->username)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "no username: use --username NAME, set CUSTAPI_USERNAME or put "
                              "username in the profile");
  char *key;
  int rc = cli_read_api_key(&key, args, err);
  if (rc < 0)
    return rc;
  cli_options_from_args(&o, args);
  o.username = args->username;
  o.api_key = key;
  if (custapi_global_init() < 0) {
    cli_key_free(key);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "%s",
                              "libcurl could not be initialised");
  }
  rc = custapi_client_new(out, &o, err);
  cli_key_free(key); /* the client keeps its own copy */
  if (rc < 0)
    custapi_global_shutdown();
  return rc;
}

int cli_connect_as(custapi_client **out, const cli_args *args, const char *protocol,
                   custapi_error *err) {
  cli_args copy = *args;
  copy.protocol = protocol;
  return cli_connect(out, &copy, err);
}

void cli_disconnect(custapi_client *client) {
  if (!client)
    return;
  custapi_client_free(client);
  custapi_global_shutdown();
}

/*
 * The noise set of --ignore (each value may list several names: a,b); every record of a run
 * adds what it learns to the same set.
 */
int cli_noise_from_args(custapi_noise **out, const cli_args *args, custapi_error *err) {
  if (custapi_noise_new(out) < 0)
    return custapi__error_oom(err);
  for (size_t i = 0; i < args->ignore_count; i++) {
    const char *at = args->ignore[i];
    for (;;) {
      size_t n = strcspn(at, ",");
      char name[80];
      snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1), at);
      if (n >= sizeof name - 1)
        name[sizeof name - 2] = '?'; /* too long: refused below, not cut to a valid name */
      if (custapi_noise_ignore(*out, name, err) < 0) {
        cli_error_prefix(err, "--ignore");
        custapi_noise_free(*out);
        *out = NULL;
        return -1;
      }
      if (!at[n])
        break;
      at += n + 1;
    }
  }
  return 0;
}
