/*
 * custapi probe: both protocols of the install checked (reachable, TLS, credentials, the
 * XML-RPC methods and prefix), one JSON report, exit 0 only when both are usable.
 */
#include <stdio.h>
#include <string.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "dry_run.h"
#include "output.h"

static json_object *report_json(const custapi_probe *p) {
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "usable", json_object_new_boolean(custapi_probe_usable(p)));
  failed |= custapi__json_add(o, "tls", json_object_new_string(custapi_probe_tls(p)));
  int status = custapi_probe_http_status(p);
  failed |= custapi__json_add_if(o, "http_status", status != 0,
                                 status ? json_object_new_int(status) : NULL);
  const custapi_error *e = custapi_probe_error(p);
  int is_auth = e && e->category == CUSTAPI_CATEGORY_AUTH;
  int known = (status && !is_auth) || is_auth; /* accepted, or refused; else unknown (null) */
  failed |= custapi__json_add_if(o, "credentials_accepted", known,
                                 known ? json_object_new_boolean(!is_auth) : NULL);
  int matches = custapi_probe_prefix_matches(p);
  if (matches >= 0) {
    json_object *methods = json_object_new_array();
    for (size_t i = 0; i < custapi_probe_method_count(p); i++) {
      const char *m = custapi_probe_method_at(p, i);
      if (strstr(m, "Customer")) /* the customer methods; the full list can be long */
        failed |= custapi__json_append(methods, json_object_new_string(m));
    }
    failed |= custapi__json_add(o, "customer_methods", methods);
    failed |= custapi__json_add(o, "prefix_matches", json_object_new_boolean(matches));
    const char *suggested = custapi_probe_suggested_prefix(p);
    failed |= custapi__json_add_if(o, "suggested_prefix", suggested != NULL,
                                   suggested ? json_object_new_string(suggested) : NULL);
  }
  if (e)
    failed |= custapi__json_add(o, "error", cli_error_object(e));
  return custapi__json_built(o, failed);
}

static void print_text(const char *name, const custapi_probe *p) {
  const custapi_error *e = custapi_probe_error(p);
  printf("%-8s %-8s tls=%s http=%d", name, custapi_probe_usable(p) ? "usable" : "UNUSABLE",
         custapi_probe_tls(p), custapi_probe_http_status(p));
  if (custapi_probe_prefix_matches(p) >= 0)
    printf(" prefix=%s", custapi_probe_prefix_matches(p) ? "matches" : "does-not-match");
  printf("%s%s\n", e ? "  " : "", e ? e->message : "");
}

/* Probes one protocol with the shared options; *out is NULL when no client could be made. */
static int probe_one(custapi_probe **out, const cli_args *args, const char *protocol,
                     custapi_error *err) {
  custapi_client *client = NULL;
  *out = NULL;
  if (cli_connect_as(&client, args, protocol, err) < 0)
    return -1;
  int rc = custapi_probe_run(out, client);
  if (!*out)
    custapi__error_oom(err);
  else if (rc < 0)
    custapi_error_copy(err, custapi_probe_error(*out));
  cli_disconnect(client);
  return *out ? 0 : -1;
}

int cli_cmd_probe(const cli_args *args) {
  if (args->dry_run)
    return cli_dry_run_probe(args);
  static const char *const names[] = {"rest", "xmlrpc"};
  custapi_probe *probes[2] = {NULL, NULL};
  custapi_error err = {0}, first = {0};
  for (int i = 0; i < 2; i++) {
    if (probe_one(&probes[i], args, names[i], &err) < 0) {
      custapi_probe_free(probes[0]);
      return cli_fail(args, &err); /* options that no client accepts: usage */
    }
    if (!custapi_probe_usable(probes[i]) && !first.category)
      custapi_error_copy(&first, custapi_probe_error(probes[i]));
  }
  int printed = 0;
  if (args->output == CLI_OUTPUT_TEXT) {
    for (int i = 0; i < 2; i++)
      print_text(names[i], probes[i]);
  } else {
    json_object *o = json_object_new_object();
    int failed = custapi__json_add(o, "ok", json_object_new_boolean(!first.category));
    for (int i = 0; i < 2; i++)
      failed |= custapi__json_add(o, names[i], report_json(probes[i]));
    if (first.category)
      failed |= custapi__json_add(o, "error", cli_error_object(&first));
    printed = cli_print_json(custapi__json_built(o, failed));
  }
  custapi_probe_free(probes[0]);
  custapi_probe_free(probes[1]);
  if (printed < 0)
    return CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  if (!first.category)
    return 0;
  cli_say("%s", first.message);
  return (int)first.category;
}
