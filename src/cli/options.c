/* The table of commands and options, and each option's one check of its value. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_support.h"
#include "commands.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static const cli_command_info commands[] = {
    {"update", CMD_UPDATE, "--id N [PROP=VALUE ...] [--json FILE|-]",
     "Validates the properties and updates one customer with them.", cli_cmd_update},
    {"get", CMD_GET, "--id N", "Reads one customer and prints it.", cli_cmd_get},
    {"validate", CMD_VALIDATE, "[PROP=VALUE ...] [--json FILE|-]",
     "Checks properties as an update would, sends nothing, and prints them normalised.",
     cli_cmd_validate},
    {"compare", CMD_COMPARE,
     "--id N --yes [PROP=VALUE ...] [--json FILE|-]\n"
     "  custapi [OPTIONS] compare  --input FILE --yes",
     "Applies the same update over REST and over XML-RPC, reads it back over both, and names "
     "every difference (it writes: --yes).",
     cli_cmd_compare},
    {"bulk", CMD_BULK,
     "--input FILE|- [--format jsonl|csv] [--concurrency N]\n"
     "                             [--results FILE|- [--resume] [--max-attempts N]] [--compact]",
     "Sends one update per record of a JSON Lines or CSV file, several at once.", cli_cmd_bulk},
    {"probe", CMD_PROBE, "",
     "Checks both protocols of the install: reachable, TLS, credentials, the XML-RPC methods.",
     cli_cmd_probe},
    {"gateway", CMD_GATEWAY,
     "--listen HOST:PORT [--port-file FILE] [--upstream same|rest|xmlrpc]\n"
     "                             [--record FILE] [--shadow --report FILE] [--metrics HOST:PORT]",
     "Serves the install's endpoints to callers: every update validated at the door, forwarded "
     "with the caller's credentials, or translated to the other protocol (docs/gateway.md).",
     cli_cmd_gateway},
    {"config", CMD_CONFIG, "list|path",
     "Shows the settings in force and where each comes from (list; any option may be added, to "
     "see what it sets), or the config file's path (path).",
     cli_cmd_config},
    {"report", CMD_REPORT, "[--html FILE] [--json FILE] [--max-difference-rate R] INPUT...",
     "Reads compare --results, gateway --report and bulk --results files and writes what they "
     "show as one HTML page and a JSON summary (docs/report.md).",
     cli_cmd_report},
};

size_t cli_command_count(void) { return sizeof commands / sizeof commands[0]; }

const cli_command_info *cli_command_at(size_t index) {
  return index < cli_command_count() ? &commands[index] : NULL;
}

const cli_command_info *cli_command_find(const char *name) {
  for (size_t i = 0; i < cli_command_count(); i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* ---- the checks of values ---- */

static int parse_long(const char *text, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

static int set_protocol(cli_args *a, const char *v, custapi_error *err) {
  /* Case does not matter to a person (XMLRPC, Rest); the library's canonical name is kept. */
  custapi_protocol protocol;
  if (custapi_protocol_parse(&protocol, v) < 0)
    return usage(err, "must be rest or xmlrpc, not %.100s", v);
  a->protocol = custapi_protocol_name(protocol);
  return 0;
}

/* Seconds, possibly fractional ("2.5"), into milliseconds. */
static int set_timeout(cli_args *a, const char *v, custapi_error *err) {
  char *end;
  errno = 0;
  double s = strtod(v, &end);
  if (errno || end == v || *end != '\0' || !(s > 0) || s > 86400)
    return usage(err, "not a number of seconds > 0 (at most 86400): %.100s", v);
  a->timeout_ms = (long)(s * 1000 + 0.5);
  if (a->timeout_ms < 1)
    a->timeout_ms = 1;
  return 0;
}

static int set_retries(cli_args *a, const char *v, custapi_error *err) {
  long n;
  if (parse_long(v, 0, 100, &n) < 0)
    return usage(err, "not a whole number from 0 to 100: %.100s", v);
  a->retries = (int)n;
  return 0;
}

static int set_concurrency(cli_args *a, const char *v, custapi_error *err) {
  long n;
  if (parse_long(v, 1, 256, &n) < 0)
    return usage(err, "not a whole number from 1 to 256: %.100s", v);
  a->concurrency = (int)n;
  return 0;
}

static int set_max_attempts(cli_args *a, const char *v, custapi_error *err) {
  long n;
  if (parse_long(v, 1, 1000, &n) < 0)
    return usage(err, "not a whole number from 1 to 1000: %.100s", v);
  a->max_attempts = (int)n;
  return 0;
}

static int set_output(cli_args *a, const char *v, custapi_error *err) {
  if (strcmp(v, "json") == 0)
    a->output = CLI_OUTPUT_JSON;
  else if (strcmp(v, "text") == 0)
    a->output = CLI_OUTPUT_TEXT;
  else
    return usage(err, "must be json or text, not %.100s", v);
  return 0;
}

static int set_partial(cli_args *a, const char *v, custapi_error *err) {
  a->mode = CUSTAPI_VALIDATE_PARTIAL;
  return 0;
}

static int set_strict(cli_args *a, const char *v, custapi_error *err) {
  a->mode = CUSTAPI_VALIDATE_STRICT;
  return 0;
}

/* Checked once, when given; kept as its name, which the commands parse again. */
static int set_format(cli_args *a, const char *v, custapi_error *err) {
  custapi_bulk_format format;
  if (custapi_bulk_format_parse(&format, v, err) < 0)
    return CUSTAPI_EUSAGE;
  a->format = v;
  return 0;
}

static int set_fill_required(cli_args *a, const char *v, custapi_error *err) {
  a->mode = CUSTAPI_VALIDATE_FILL_REQUIRED;
  return 0;
}

static int set_lenient(cli_args *a, const char *v, custapi_error *err) {
  a->validate_flags |= CUSTAPI_VALIDATE_LENIENT;
  return 0;
}

static int set_allow_unknown(cli_args *a, const char *v, custapi_error *err) {
  a->customer_flags |= CUSTAPI_CUSTOMER_ALLOW_UNKNOWN;
  return 0;
}

static int set_ignore_read_only(cli_args *a, const char *v, custapi_error *err) {
  a->customer_flags |= CUSTAPI_CUSTOMER_IGNORE_READ_ONLY;
  return 0;
}

/* --ignore PROP[,PROP...]: kept as given; the command checks each name (custapi_noise_ignore). */
static int set_ignore(cli_args *a, const char *v, custapi_error *err) {
  if (a->ignore_count == CLI_IGNORE_MAX)
    return usage(err, "given more than %d times", CLI_IGNORE_MAX);
  a->ignore[a->ignore_count++] = v;
  return 0;
}

/* A rate from 0 to 1 ("0", "0.05", "1"). */
static int set_max_difference_rate(cli_args *a, const char *v, custapi_error *err) {
  char *end;
  errno = 0;
  double r = strtod(v, &end);
  if (errno || end == v || *end != '\0' || !(r >= 0 && r <= 1))
    return usage(err, "not a rate from 0 to 1 (0.05 is 5%%): %.100s", v);
  a->max_difference_rate = r;
  return 0;
}

static int set_completion(cli_args *a, const char *v, custapi_error *err) {
  if (strcmp(v, "bash") != 0 && strcmp(v, "zsh") != 0 && strcmp(v, "fish") != 0)
    return usage(err, "must be bash, zsh or fish, not %.100s", v);
  a->completion = v;
  return 0;
}

/* ---- the table ---- */

#define F(member) NULL, offsetof(cli_args, member), NULL
#define S(fn) fn, 0, NULL
#define FD(member, fallback) NULL, offsetof(cli_args, member), fallback
#define SD(fn, fallback) fn, 0, fallback

/* clang-format off */
static const cli_option options[] = {
    /* operands */
    {"id", 0, "N", NULL, CMD_UPDATE | CMD_GET | CMD_COMPARE, GROUP_OPERANDS, 0,
     NULL, "the customer's id, a positive 32-bit integer", F(id)},
    {"json", 0, "FILE|-", NULL, CMD_UPDATE | CMD_VALIDATE | CMD_COMPARE | CMD_REPORT,
     GROUP_OPERANDS, 0, NULL,
     "the properties as one JSON object (- for standard input); report: where to write the "
     "JSON summary", F(json_path)},
    {"yes", 0, NULL, NULL, CMD_COMPARE, GROUP_OPERANDS, 0, NULL,
     "confirm that compare may write to the customer(s)", F(yes)},
    /* connection */
    {"url", 0, "URL", "CUSTAPI_URL", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION, OPT_PROFILE, NULL,
     "the install's base address", F(url)},
    {"protocol", 0, "rest|xmlrpc", "CUSTAPI_PROTOCOL", CMD_NETWORK, GROUP_CONNECTION,
     OPT_PROFILE, "rest xmlrpc", "the protocol (any case)", SD(set_protocol, "rest")},
    {"username", 0, "NAME", "CUSTAPI_USERNAME", CMD_NETWORK, GROUP_CONNECTION, OPT_PROFILE, NULL,
     "the API user (no ':')", F(username)},
    {"api-key-file", 0, "FILE", "CUSTAPI_API_KEY_FILE", CMD_NETWORK, GROUP_CONNECTION, OPT_PROFILE,
     NULL, "the file holding the API key (else CUSTAPI_API_KEY)", F(api_key_file)},
    {"profile", 0, "NAME", "CUSTAPI_PROFILE", CMD_ALL, GROUP_CONNECTION, 0, NULL,
     "a section of the config file (default: [default])", F(profile)},
    {"xmlrpc-prefix", 0, "P", "CUSTAPI_XMLRPC_PREFIX", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION,
     OPT_PROFILE, NULL, "method prefix; '' for bare names", FD(xmlrpc_prefix, "customers.")},
    {"timeout", 0, "SECONDS", "CUSTAPI_TIMEOUT", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION,
     OPT_PROFILE, NULL, "per attempt", SD(set_timeout, "30")},
    {"retries", 0, "N", "CUSTAPI_RETRIES", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION,
     OPT_PROFILE, NULL, "retries of a failed attempt, 0 to 100", SD(set_retries, "3")},
    {"cacert", 0, "FILE", "CUSTAPI_CACERT", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION, OPT_PROFILE, NULL,
     "trust these certificates", F(cacert)},
    {"insecure", 0, NULL, NULL, CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION, 0, NULL,
     "do not verify TLS certificates", F(insecure)},
    {"proxy", 0, "URL", "CUSTAPI_PROXY", CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION, OPT_PROFILE, NULL,
     "proxy (else libcurl's *_proxy variables); loopback never proxied", F(proxy)},
    {"allow-plain-http", 0, NULL, NULL, CMD_NETWORK | CMD_GATEWAY, GROUP_CONNECTION, 0, NULL,
     "permit credentials over http:// to a host that is not loopback", F(allow_plain_http)},
    /* validation */
    {"partial", 0, NULL, NULL, CMD_VALIDATING | CMD_GATEWAY, GROUP_VALIDATION, 0, NULL,
     "check and send only the given properties (default)", S(set_partial)},
    {"strict", 0, NULL, NULL, CMD_VALIDATING | CMD_GATEWAY, GROUP_VALIDATION, 0, NULL,
     "name, email and hash must be present", S(set_strict)},
    {"fill-required", 0, NULL, NULL, CMD_UPDATE | CMD_VALIDATE, GROUP_VALIDATION, 0,
     NULL, "read the customer first and fill missing required properties", S(set_fill_required)},
    {"lenient", 0, NULL, NULL, CMD_VALIDATING | CMD_GATEWAY, GROUP_VALIDATION, 0, NULL,
     "format rules (email, telephone, URL, country) only warn", S(set_lenient)},
    {"allow-unknown", 0, NULL, NULL, CMD_VALIDATING | CMD_GATEWAY, GROUP_VALIDATION, 0, NULL,
     "send unknown properties as strings", S(set_allow_unknown)},
    {"ignore-read-only", 0, NULL, NULL, CMD_VALIDATING | CMD_GATEWAY, GROUP_VALIDATION, 0, NULL,
     "drop read-only fields (id, enterprise_id, ...) from the input", S(set_ignore_read_only)},
    /* bulk */
    {"input", 0, "FILE|-", NULL, CMD_BULK | CMD_COMPARE, GROUP_BULK, 0, NULL,
     "JSON Lines, or CSV for a .csv name; - for standard input", F(input)},
    {"format", 0, "jsonl|csv", NULL, CMD_BULK | CMD_COMPARE, GROUP_BULK, 0, "jsonl csv",
     "the input's format, whatever its name", S(set_format)},
    {"concurrency", 0, "N", "CUSTAPI_CONCURRENCY", CMD_BULK, GROUP_BULK, OPT_PROFILE, NULL,
     "updates in flight at once, 1 to 256", SD(set_concurrency, "8")},
    {"results", 0, "FILE|-", NULL, CMD_BULK | CMD_COMPARE, GROUP_BULK, 0, NULL,
     "one JSON line per record after a header line (a file: 0600, one run at a time; bulk: -: "
     "stdout)", F(results)},
    {"ignore", 0, "PROP", "CUSTAPI_IGNORE", CMD_COMPARE | CMD_GATEWAY, GROUP_VALIDATION,
     OPT_PROFILE, NULL,
     "a property that changes by itself: noise, never a difference (repeatable; PROP,PROP)",
     S(set_ignore)},
    {"resume", 0, NULL, NULL, CMD_BULK, GROUP_BULK, 0, NULL,
     "finish the run recorded in --results: skip what succeeded", F(resume)},
    {"max-attempts", 0, "N", "CUSTAPI_MAX_ATTEMPTS", CMD_BULK, GROUP_BULK, OPT_PROFILE, NULL,
     "runs that may take a record before its failure is final (abandoned)",
     SD(set_max_attempts, "3")},
    {"compact", 0, NULL, NULL, CMD_BULK, GROUP_BULK, 0, NULL,
     "rewrite --results to one line per input line; send nothing", F(compact)},
    /* gateway */
    {"listen", 0, "HOST:PORT", "CUSTAPI_LISTEN", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "where callers connect; port 0 picks a free one", F(gateway.listen)},
    {"port-file", 0, "FILE", NULL, CMD_GATEWAY, GROUP_GATEWAY, 0, NULL,
     "the port, written once listening", F(gateway.port_file)},
    {"upstream", 0, "same|rest|xmlrpc", "CUSTAPI_UPSTREAM", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE,
     "same rest xmlrpc", "same: each call over its own protocol; rest or xmlrpc: over that one",
     FD(gateway.upstream, "same")},
    {"record", 0, "FILE", NULL, CMD_GATEWAY, GROUP_GATEWAY, 0, NULL,
     "each update the install accepted, as a bulk line (file 0600)", F(gateway.record)},
    {"shadow", 0, NULL, NULL, CMD_GATEWAY, GROUP_GATEWAY, 0, NULL,
     "read each update back over both protocols (with --report)", F(gateway.shadow)},
    {"report", 0, "FILE", NULL, CMD_GATEWAY, GROUP_GATEWAY, 0, NULL,
     "--shadow's differences, one JSON line each (file 0600)", F(gateway.report)},
    {"allow-remote", 0, NULL, NULL, CMD_GATEWAY, GROUP_GATEWAY, 0, NULL,
     "listen on an address that is not loopback", F(gateway.allow_remote)},
    {"tls-cert", 0, "FILE", "CUSTAPI_TLS_CERT", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "serve HTTPS with this certificate (PEM; with --tls-key)", F(gateway.tls_cert)},
    {"tls-key", 0, "FILE", "CUSTAPI_TLS_KEY", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "the certificate's key (PEM)", F(gateway.tls_key)},
    {"max-connections", 0, "N", "CUSTAPI_MAX_CONNECTIONS", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE,
     NULL, "connections served at once", FD(gateway.max_connections, "256")},
    {"caller-timeout", 0, "SECONDS", "CUSTAPI_CALLER_TIMEOUT", CMD_GATEWAY, GROUP_GATEWAY,
     OPT_PROFILE, NULL, "a caller whose request is not all in after this is disconnected",
     FD(gateway.caller_timeout, "30")},
    {"max-body", 0, "BYTES", "CUSTAPI_MAX_BODY", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "larger request bodies are refused", FD(gateway.max_body, "1048576")},
    {"shadow-queue", 0, "N", "CUSTAPI_SHADOW_QUEUE", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "--shadow reads waiting at most (more are dropped, counted)",
     FD(gateway.shadow_queue, "1000")},
    {"stop-grace", 0, "SECONDS", "CUSTAPI_STOP_GRACE", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE,
     NULL, "after SIGTERM, time left to shadow reads once callers are answered",
     FD(gateway.stop_grace, "10")},
    {"metrics", 0, "HOST:PORT", "CUSTAPI_METRICS", CMD_GATEWAY, GROUP_GATEWAY, OPT_PROFILE, NULL,
     "serve /metrics (Prometheus) and /healthz on a port of their own", F(gateway.metrics)},
    /* report */
    {"html", 0, "FILE", NULL, CMD_REPORT, GROUP_REPORT, 0, NULL,
     "write the report as one self-contained HTML page", F(html)},
    {"max-difference-rate", 0, "R", "CUSTAPI_MAX_DIFFERENCE_RATE", CMD_REPORT, GROUP_REPORT,
     OPT_PROFILE, NULL,
     "exit 1 when a property differs in more than this share of its checks (0 to 1)",
     SD(set_max_difference_rate, "0")},
    /* output */
    {"output", 0, "json|text", "CUSTAPI_OUTPUT", CMD_ALL, GROUP_OUTPUT, OPT_PROFILE, "json text",
     "stdout format", SD(set_output, "json")},
    {"dry-run", 0, NULL, NULL, CMD_NETWORK, GROUP_OUTPUT, 0, NULL,
     "print the exact request(s) (credentials redacted), send nothing", F(dry_run)},
    {"verbose", 'v', NULL, "CUSTAPI_VERBOSE", CMD_NETWORK | CMD_GATEWAY, GROUP_OUTPUT, OPT_PROFILE, NULL,
     "each request and response on stderr (credentials redacted)", F(verbose)},
    {"quiet", 'q', NULL, "CUSTAPI_QUIET", CMD_ALL, GROUP_OUTPUT, OPT_PROFILE, NULL,
     "nothing on stderr but the error that ends the command", F(quiet)},
    {"read-back", 0, NULL, "CUSTAPI_READ_BACK", CMD_UPDATE, GROUP_OUTPUT, OPT_PROFILE, NULL,
     "after an XML-RPC update, read the customer back", F(read_back)},
    /* general */
    {"help", 'h', NULL, NULL, CMD_ALL, GROUP_GENERAL, OPT_EARLY, NULL,
     "this text (custapi COMMAND --help: that command's)", F(help)},
    {"version", 0, NULL, NULL, CMD_ALL, GROUP_GENERAL, OPT_EARLY, NULL, "the version",
     F(version)},
    {"list-properties", 0, NULL, NULL, CMD_ALL, GROUP_GENERAL, OPT_EARLY, NULL,
     "the properties, their rules and allowed values (--output json for a program)",
     F(list_properties)},
    {"completion", 0, "bash|zsh|fish", NULL, CMD_ALL, GROUP_GENERAL, OPT_EARLY | OPT_HIDDEN,
     "bash zsh fish", "print the shell completion script", S(set_completion)},
};
/* clang-format on */

#undef F
#undef S
#undef FD
#undef SD

_Static_assert(sizeof options / sizeof options[0] <= CLI_OPTIONS_MAX,
               "cli_args.given has a place per option");

size_t cli_option_count(void) { return sizeof options / sizeof options[0]; }

const cli_option *cli_option_at(size_t index) {
  return index < cli_option_count() ? &options[index] : NULL;
}

const cli_option *cli_option_find(const char *name, size_t *index) {
  for (size_t i = 0; i < cli_option_count(); i++) {
    if (strcmp(options[i].name, name) == 0) {
      if (index)
        *index = i;
      return &options[i];
    }
  }
  return NULL;
}

const cli_option *cli_option_find_short(char letter, size_t *index) {
  for (size_t i = 0; i < cli_option_count(); i++) {
    if (options[i].short_name && options[i].short_name == letter) {
      if (index)
        *index = i;
      return &options[i];
    }
  }
  return NULL;
}

/* A flag's value from the environment or a profile: 1 on, 0 off, -1 neither. */
static int flag_word(const char *v) {
  static const char *const on[] = {"1", "true", "yes", "on"};
  static const char *const off[] = {"0", "false", "no", "off"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(v, on[i]) == 0)
      return 1;
    if (strcasecmp(v, off[i]) == 0)
      return 0;
  }
  return -1;
}

int cli_option_apply(cli_args *a, size_t index, const char *value, int origin, custapi_error *err) {
  const cli_option *o = &options[index];
  if (!o->metavar && value) {
    int on = flag_word(value);
    if (on < 0)
      return usage(err, "a yes/no setting: 1, true, yes, on or 0, false, no, off, not %.100s",
                   value);
    if (!on) {
      a->given[index] = (unsigned char)origin;
      a->raw[index] = value;
      return 0;
    }
    value = NULL;
  }
  if (o->set) {
    if (o->set(a, value, err) < 0)
      return -1;
  } else if (o->metavar) {
    *(const char **)(void *)((char *)a + o->field) = value;
  } else {
    *(int *)(void *)((char *)a + o->field) = 1;
  }
  a->given[index] = (unsigned char)origin;
  a->raw[index] = o->metavar ? value : "yes";
  return 0;
}

int cli_option_applies(const cli_option *option, unsigned command) {
  return command == CMD_CONFIG || (option->commands & command) != 0;
}

const char *cli_group_title(cli_option_group group) {
  static const char *const titles[GROUP_COUNT] = {
      "operands", "connection", "validation", "bulk", "gateway", "report", "output", "general"};
  return group < GROUP_COUNT ? titles[group] : "";
}

static const char *visible_option_at(size_t index, const void *context) {
  (void)context;
  return options[index].flags & OPT_HIDDEN ? NULL : options[index].name;
}

const char *cli_option_suggest(const char *word) {
  return custapi__suggest(word, visible_option_at, cli_option_count(), NULL);
}

static const char *command_name_at(size_t index, const void *context) {
  (void)context;
  return index < cli_command_count() ? commands[index].name : "help";
}

const char *cli_command_suggest(const char *word) {
  return custapi__suggest(word, command_name_at, cli_command_count() + 1, NULL);
}

/* Puts "SOURCE: " in front of an option check's message, which does not know its source: here,
 * beside the checks, for the command line (args.c) and the profile (config.c) alike, so that
 * neither reaches into the other. */
void cli_error_prefix(custapi_error *err, const char *source) {
  char message[CUSTAPI_ERROR_MESSAGE_MAX];
  size_t n = (size_t)snprintf(message, sizeof message, "%.100s: ", source);
  snprintf(message + n, sizeof message - n, "%.*s", (int)(sizeof message - n - 1), err->message);
  memcpy(err->message, message, sizeof message);
}
