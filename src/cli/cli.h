/* The custapi command: what every subcommand shares. */
#ifndef CUSTAPI_CLI_H
#define CUSTAPI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "custapi/custapi.h"

typedef enum cli_output { CLI_OUTPUT_JSON, CLI_OUTPUT_TEXT } cli_output;

/* More than the option table holds (options.c checks it). */
#define CLI_OPTIONS_MAX 64

/* --ignore given at most this many times (each may name several properties: a,b). */
#define CLI_IGNORE_MAX 32

/* Everything the command line and the environment said, before any of it is acted upon. */
typedef struct cli_args {
  const char *command;

  /* Connection: the command line, then the environment, then the profile (config.c). */
  const char *url;
  const char *protocol;
  const char *username;
  const char *api_key_file;
  const char *xmlrpc_prefix; /* NULL: the library's default */
  long timeout_ms;           /* 0: default */
  int retries;               /* -1: default */
  const char *cacert;
  int insecure;
  const char *proxy;
  int allow_plain_http;
  const char *profile; /* --profile or CUSTAPI_PROFILE; NULL: [default] */

  /* Validation. */
  custapi_validate_mode mode;
  unsigned validate_flags;
  unsigned customer_flags;

  /* Behaviour. */
  int read_back, dry_run, verbose, yes, quiet;
  cli_output output;

  /* Acted upon by the parser once every option is read. */
  int help, help_word, version, list_properties;
  const char *completion; /* hidden --completion bash|zsh|fish */

  /* Operands. */
  const char *id;
  const char *json_path; /* --json FILE or - */
  const char *input, *results, *format;
  int concurrency;
  int resume;
  int max_attempts; /* 0: the library's default */
  int compact;
  char **props; /* PROP=VALUE, in order (report: the input files) */
  size_t prop_count;

  /* --ignore, as given (each may list several names: a,b) */
  const char *ignore[CLI_IGNORE_MAX];
  size_t ignore_count;

  /* report */
  const char *html;
  double max_difference_rate;

  /* gateway (cmd_gateway.c checks the numbers) */
  struct cli_gateway_args {
    const char *listen, *port_file, *upstream, *record, *report, *tls_cert, *tls_key;
    const char *max_connections, *caller_timeout, *max_body, *metrics, *shadow_queue, *stop_grace;
    int shadow, allow_remote;
  } gateway;

  /* Where each option's value came from (CLI_FROM_*, by position in the option table): a
   * later source (environment, then profile) fills only the others. */
  unsigned char given[CLI_OPTIONS_MAX];
  const char *raw[CLI_OPTIONS_MAX]; /* each value as given, for config list */
  char *config_file;                /* the config file read, if any (config list) */
  const char *profile_read;         /* the profile of it whose values were taken */
  /* Values copied out of the profile file, released with the arguments. */
  char *owned[CLI_OPTIONS_MAX];
  size_t owned_count;
} cli_args;

/* A subcommand: returns the process exit code; has printed its own output. */
typedef int (*cli_command_fn)(const cli_args *args);

/*
 * Parses argv (options may stand before or after the command name), the environment and the
 * profile, in that order of precedence. Returns 0, 1 when --help, --version,
 * --list-properties or --completion was handled (exit 0), or -1 with a usage error in `err`.
 * `args->props` is allocated; release with cli_args_release.
 */
int cli_args_parse(cli_args *args, int argc, char **argv, custapi_error *err);
void cli_args_release(cli_args *args);

/*
 * Builds the customer that the operands describe: --json first, then each PROP=VALUE (a later
 * one replaces an earlier). On failure `err` says why (invalid, or usage for an unreadable file).
 */
int cli_customer_from_args(custapi_customer **out, const cli_args *args, custapi_error *err);

/* Reads a whole file ("-" for standard input) of at most `max` bytes. */
int cli_read_file(char **out, size_t *len, const char *path, size_t max, custapi_error *err);

/* ---- output: one JSON object on stdout per command, and on failure one line on stderr ---- */

/* Prints the failure object and the stderr line; returns the exit code of its category. */
int cli_fail(const cli_args *args, const custapi_error *err);
/* The same for a failed update: its error object says "maybe_applied":true when it may have
 * been applied (custapi_client_maybe_applied). */
int cli_fail_update(const cli_args *args, const custapi_error *err, int maybe_applied);

/* Prints a warning line on stderr: "custapi: warning: MESSAGE". */
void cli_warn(const char *property, const char *message, void *payload);

#endif
