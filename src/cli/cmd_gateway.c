/* custapi gateway --listen HOST:PORT ...: the options into a gw_config, then serve. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "gateway.h"

static int parse_unsigned(unsigned long *out, const char *name, const char *text, unsigned long min,
                          unsigned long max, custapi_error *err) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v < min || v > max)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "%s: not a whole number from %lu to %lu: %s", name, min, max, text);
  *out = v;
  return 0;
}

static int build_config(gw_config *cfg, const cli_args *args, custapi_error *err) {
  const struct cli_gateway_args *g = &args->gateway;
  memset(cfg, 0, sizeof *cfg);
  cfg->client = (custapi_options)CUSTAPI_OPTIONS_INIT;
  cli_options_from_args(&cfg->client, args); /* the client's options, and their checks */
  /* -v is one line per call (gw_server.c), not libcurl's trace: that would show the callers'
   * requests and answers, whose credentials the transport does not know to redact. */
  cfg->client.trace = NULL;
  cfg->mode = args->mode;
  cfg->customer_flags = args->customer_flags;
  cfg->listen = g->listen;
  cfg->port_file = g->port_file;
  cfg->allow_remote = g->allow_remote;
  cfg->tls_cert = g->tls_cert;
  cfg->tls_key = g->tls_key;
  cfg->record = g->record;
  cfg->shadow = g->shadow;
  cfg->report = g->report;
  cfg->verbose = args->verbose;
  cfg->quiet = args->quiet;
  cfg->metrics = g->metrics;
  cfg->max_connections = GW_DEFAULT_MAX_CONNECTIONS;
  cfg->caller_timeout_s = GW_DEFAULT_CALLER_TIMEOUT_S;
  cfg->max_body = gw_default_max_body();
  cfg->shadow_queue = GW_DEFAULT_SHADOW_QUEUE;
  cfg->stop_grace_s = GW_DEFAULT_STOP_GRACE_S;
  if (!g->listen)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "gateway needs --listen HOST:PORT (port 0 picks a free one)");
  if (args->id || args->prop_count || args->json_path || args->input || args->dry_run)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "gateway takes no --id, PROP=VALUE, --json, --input or --dry-run");
  custapi_protocol upstream;
  if (!g->upstream || strcmp(g->upstream, "same") == 0)
    cfg->upstream = GW_UPSTREAM_SAME;
  else if (custapi_protocol_parse(&upstream, g->upstream) == 0)
    cfg->upstream = upstream == CUSTAPI_PROTOCOL_REST ? GW_UPSTREAM_REST : GW_UPSTREAM_XMLRPC;
  else
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "--upstream: must be same, rest or xmlrpc, not %s", g->upstream);
  unsigned long v;
  if (g->max_connections) {
    if (parse_unsigned(&v, "--max-connections", g->max_connections, 1, 4096, err) < 0)
      return CUSTAPI_EUSAGE;
    cfg->max_connections = (unsigned)v;
  }
  if (g->caller_timeout) {
    if (parse_unsigned(&v, "--caller-timeout", g->caller_timeout, 1, 3600, err) < 0)
      return CUSTAPI_EUSAGE;
    cfg->caller_timeout_s = (unsigned)v;
  }
  if (g->max_body) {
    if (parse_unsigned(&v, "--max-body", g->max_body, 1, 64ul * 1024 * 1024, err) < 0)
      return CUSTAPI_EUSAGE;
    cfg->max_body = v;
  }
  if (g->shadow_queue) {
    if (parse_unsigned(&v, "--shadow-queue", g->shadow_queue, 1, 1000000, err) < 0)
      return CUSTAPI_EUSAGE;
    cfg->shadow_queue = (unsigned)v;
  }
  if (g->stop_grace) {
    if (parse_unsigned(&v, "--stop-grace", g->stop_grace, 0, 3600, err) < 0)
      return CUSTAPI_EUSAGE;
    cfg->stop_grace_s = (unsigned)v;
  }
  return gw_config_check(cfg, err);
}

int cli_cmd_gateway(const cli_args *args) {
  custapi_error err = {0};
  gw_config cfg;
  if (build_config(&cfg, args, &err) < 0)
    return cli_fail(args, &err);
  if (custapi_global_init() < 0) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_INTERNAL, NULL, "%s", "libcurl failed to start");
    return cli_fail(args, &err);
  }
  int rc = cli_noise_from_args(&cfg.noise, args, &err);
  if (rc == 0)
    rc = gw_run(&cfg, &err);
  custapi_noise_free(cfg.noise);
  custapi_global_shutdown();
  return rc < 0 ? cli_fail(args, &err) : 0;
}
