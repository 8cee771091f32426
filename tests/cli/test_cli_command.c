/*
 * The command as an operator meets it (issue 14): settings missing are usage errors that send
 * nothing, --dry-run sends nothing for every command, each command's own help, "did you mean",
 * case-blind protocol names, and shell completions that list every command and option (each
 * shell's completion is driven by tests/cli/test_completion.py).
 */
#include "itest.h"

SERVER_FIXTURE(plain, NULL)

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

/* The commands that talk to the install, as a test runs them. */
static const char *const *network_command(int i) {
  static const char *const commands[][8] = {
      {"update", "--id", "21", "sms_quota=3", NULL},
      {"get", "--id", "21", NULL},
      {"compare", "--id", "21", "--yes", "sms_quota=3", NULL},
      {"probe", NULL},
      {"bulk", "--input", "-", NULL},
      {"update", "--fill-required", "--id", "21", "sms_quota=3", NULL}, /* reads first */
  };
  return commands[i];
}
#define NETWORK_COMMANDS 6

static const char bulk_input[] = "{\"id\":21,\"sms_quota\":4}\n{\"id\":22,\"sms_quota\":5}\n";

/* custapi [settings...] COMMAND... with the server's URL unless `url` is NULL. */
static cli_result run_network(const char *url, const char *username, const char *const *env,
                              int command, const char *extra) {
  const char *args[24];
  size_t n = 0;
  if (url) {
    args[n++] = "--url";
    args[n++] = url;
  }
  if (username) {
    args[n++] = "--username";
    args[n++] = username;
  }
  if (extra)
    args[n++] = extra;
  for (const char *const *w = network_command(command); *w; w++)
    args[n++] = *w;
  args[n] = NULL;
  return itest_run_program(itest_custapi_exe(), args, env, command == 4 ? bulk_input : NULL);
}

static void assert_usage(const cli_result *r, const char *needle) {
  ck_assert_msg(r->status == 2, "exit %d, want 2: %s %s", r->status, r->out, r->err);
  ck_assert_str_eq(itest_error_category(r), "usage");
  ck_assert_msg(strstr(r->err, needle), "stderr lacks \"%s\": %s", needle, r->err);
  ck_assert_uint_eq(itest_lines(r->err), 1);
}

/* No username, no URL, no key: each exit 2, and the server saw nothing, for every command. */
START_TEST(missing_settings_are_usage_errors_before_anything_is_sent) {
  NEED_SERVER();
  for (int c = 0; c < NETWORK_COMMANDS; c++) {
    size_t before = refserver_request_count(rs);
    cli_result r = run_network(refserver_url(rs), NULL, key_env, c, NULL);
    assert_usage(&r, "no username");
    itest_cli_free(&r);
    r = run_network(refserver_url(rs), "", key_env, c, NULL);
    assert_usage(&r, "no username");
    itest_cli_free(&r);
    r = run_network(NULL, "demo", key_env, c, NULL);
    assert_usage(&r, "no URL");
    itest_cli_free(&r);
    r = run_network(refserver_url(rs), "demo", NULL, c, NULL);
    assert_usage(&r, "no API key");
    itest_cli_free(&r);
    ck_assert_msg(refserver_request_count(rs) == before, "%s sent a request",
                  network_command(c)[0]);
  }
}
END_TEST

/* --dry-run: exit 0, the exact request(s) on stdout with the key redacted, nothing sent. */
START_TEST(dry_run_sends_nothing_for_every_command) {
  NEED_SERVER();
  /* the first line of a request the command would send (compare's, inside its JSON plan) */
  static const char *const expect[NETWORK_COMMANDS][2] = {
      {"PUT ", "/api/2.0/customers/21 HTTP/1.1\n"},  {"GET ", "/api/2.0/customers/21 HTTP/1.1\n"},
      {"PUT ", "/api/2.0/customers/21 HTTP/1.1\\n"}, {"POST ", "/api/2.0/xmlrpc/ HTTP/1.1\n"},
      {"PUT ", "/api/2.0/customers/22 HTTP/1.1\n"},  {"PUT ", "/api/2.0/customers/21 HTTP/1.1\n"}};
  for (int c = 0; c < NETWORK_COMMANDS; c++) {
    size_t before = refserver_request_count(rs);
    cli_result r = run_network(refserver_url(rs), "demo", key_env, c, "--dry-run");
    ck_assert_msg(r.status == 0, "%s --dry-run: exit %d: %s %s", network_command(c)[0], r.status,
                  r.out, r.err);
    char line[160];
    snprintf(line, sizeof line, "%s%s%s", expect[c][0], refserver_url(rs), expect[c][1]);
    ck_assert_msg(strstr(r.out, line), "%s --dry-run lacks %s: %s", network_command(c)[0], line,
                  r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "Authorization: Basic [redacted]"));
    ck_assert_ptr_null(strstr(r.out, REFSERVER_TEST_KEY));
    ck_assert_ptr_null(strstr(r.err, REFSERVER_TEST_KEY));
    ck_assert_msg(refserver_request_count(rs) == before, "%s --dry-run sent a request",
                  network_command(c)[0]);
    itest_cli_free(&r);
  }
}
END_TEST

/* bulk --dry-run: a record refused before sending is told as a real run tells it (exit 10),
 * the others are still shown; no results file is created. */
START_TEST(bulk_dry_run_tells_refused_records_and_writes_no_results) {
  NEED_SERVER();
  char results[] = "/tmp/custapi-dry-results-XXXXXX";
  int fd = mkstemp(results);
  ck_assert_int_ge(fd, 0);
  close(fd);
  unlink(results);
  size_t before = refserver_request_count(rs);
  const char *args[] = {"--url", refserver_url(rs), "--username", "demo",      "--dry-run",
                        "bulk",  "--input",         "-",          "--results", results,
                        NULL};
  cli_result r = itest_run_program(itest_custapi_exe(), args, key_env,
                                   "{\"id\":21,\"sms_quota\":4}\n{\"id\":22,\"sms_quota\":-1}\n");
  ck_assert_msg(r.status == 10, "exit %d: %s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "# line 1\n"));
  ck_assert_ptr_null(strstr(r.out, "# line 2\n"));
  ck_assert_ptr_nonnull(strstr(r.err, "line 2"));
  ck_assert_ptr_nonnull(strstr(r.err, "sms_quota"));
  ck_assert_int_ne(access(results, F_OK), 0);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
}
END_TEST

/* `get --id 21` with a protocol named by --protocol (NULL: none) or by `env`; exits 0. */
static void assert_get_over_xmlrpc(const char *option, const char *env_protocol) {
  const char *env[] = {ITEST_KEY_ENV, env_protocol, NULL};
  const char *args[] = {"--url",      refserver_url(rs),
                        "--username", "demo",
                        "get",        "--id",
                        "21",         option ? "--protocol" : NULL,
                        option,       NULL};
  cli_result r = itest_run_cli(args, env);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "xmlrpc");
  itest_cli_free(&r);
}

START_TEST(protocol_names_in_any_case) {
  NEED_SERVER();
  assert_get_over_xmlrpc("XMLRPC", NULL);
  assert_get_over_xmlrpc("XmlRpc", "CUSTAPI_PROTOCOL=rest"); /* and the option wins */
  assert_get_over_xmlrpc(NULL, "CUSTAPI_PROTOCOL=XmlRpc");
  const char *bad[] = {ITEST_KEY_ENV, "CUSTAPI_PROTOCOL=soap", NULL};
  cli_result r = itest_run_cli(
      ARGS("--url", refserver_url(rs), "--username", "demo", "get", "--id", "21"), bad);
  assert_usage(&r, "CUSTAPI_PROTOCOL: must be rest or xmlrpc, not soap");
  itest_cli_free(&r);
}
END_TEST

/* ---- help ---- */

static cli_result run_plain(const char *const *args) { return itest_run_cli(args, NULL); }

START_TEST(each_command_has_its_own_help) {
  static const struct {
    const char *command, *has, *lacks;
  } cases[] = {
      {"update", "--read-back", "--resume"}, {"get", "--id N", "--json"},
      {"validate", "--strict", "--url"},     {"compare", "--yes", "--read-back"},
      {"bulk", "--resume", "--read-back"},   {"probe", "--xmlrpc-prefix", "--strict"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char usage[64];
    snprintf(usage, sizeof usage, "usage: custapi [OPTIONS] %s", cases[i].command);
    for (int form = 0; form < 3; form++) {
      const char *const *args = form == 0   ? ARGS(cases[i].command, "--help")
                                : form == 1 ? ARGS("help", cases[i].command)
                                            : ARGS("-h", cases[i].command);
      cli_result r = run_plain(args);
      ck_assert_msg(r.status == 0, "%s: exit %d", cases[i].command, r.status);
      ck_assert_msg(strncmp(r.out, usage, strlen(usage)) == 0 &&
                        strchr(" \n", r.out[strlen(usage)]),
                    "%s help: %s", cases[i].command, r.out);
      ck_assert_msg(strstr(r.out, cases[i].has), "%s help lacks %s", cases[i].command,
                    cases[i].has);
      ck_assert_msg(!strstr(r.out, cases[i].lacks), "%s help has %s", cases[i].command,
                    cases[i].lacks);
      ck_assert_str_eq(r.err, "");
      itest_cli_free(&r);
    }
  }
  cli_result r = run_plain(ARGS("help"));
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "custapi [OPTIONS] bulk"));
  ck_assert_ptr_nonnull(strstr(r.out, "custapi [OPTIONS] probe"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(did_you_mean_for_commands_and_options) {
  static const struct {
    const char *args[4];
    const char *message;
  } cases[] = {
      {{"updte", "--id", "1"}, "unknown command 'updte'; did you mean 'update'?"},
      {{"help", "bluk"}, "unknown command 'bluk'; did you mean 'bulk'?"},
      {{"get", "--idd", "1"}, "unknown option --idd; did you mean --id?"},
      {{"validate", "--dryrun"}, "unknown option --dryrun; did you mean --dry-run?"},
      {{"--protcol=rest", "get"}, "unknown option --protcol; did you mean --protocol?"},
      {{"get", "-verbose"}, "unknown option -verbose; did you mean --verbose?"},
      {{"frobnicate"}, "unknown command 'frobnicate' (custapi --help lists them)"},
      {{"get", "--dry-run=yes"}, "--dry-run takes no value"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cli_result r = run_plain(cases[i].args);
    ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
    char line[256];
    snprintf(line, sizeof line, "custapi: %s\n", cases[i].message);
    ck_assert_str_eq(r.err, line);
    itest_cli_free(&r);
  }
}
END_TEST

START_TEST(list_properties_as_json) {
  cli_result r = run_plain(ARGS("--list-properties", "--output", "json"));
  ck_assert_int_eq(r.status, 0);
  json_object *list = itest_member(r.json, "properties");
  ck_assert_uint_eq(json_object_array_length(list), custapi_schema_count() + 5);
  int industries = 0;
  for (size_t i = 0; i < json_object_array_length(list); i++) {
    json_object *p = json_object_array_get_idx(list, i);
    const char *name = json_object_get_string(itest_member(p, "name"));
    ck_assert_ptr_nonnull(itest_member(p, "rule"));
    ck_assert_ptr_null(strstr(json_object_get_string(itest_member(p, "rule")), "--list"));
    if (strcmp(name, "industry") == 0)
      industries = (int)json_object_array_length(itest_member(p, "allowed_values"));
    if (strcmp(name, "hash") == 0)
      ck_assert(json_object_get_boolean(itest_member(p, "required_in_strict")));
    if (strcmp(name, "enterprise_id") == 0)
      ck_assert(json_object_get_boolean(itest_member(p, "read_only")));
  }
  ck_assert_int_eq(industries, 19);
  itest_cli_free(&r);
  r = run_plain(ARGS("--list-properties")); /* text unless JSON is asked for */
  ck_assert_ptr_null(r.json);
  ck_assert_ptr_nonnull(strstr(r.out, "Hospitality, Travel & Tourism"));
  itest_cli_free(&r);
}
END_TEST

/* ---- completions ---- */

/* Every "--option" and every command the global help names. */
static size_t help_words(char words[][32], size_t max) {
  cli_result r = run_plain(ARGS("--help"));
  ck_assert_int_eq(r.status, 0);
  size_t n = 0;
  for (const char *p = r.out; (p = strstr(p, "--")) && n < max; p += 2) {
    size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
    if (len > 1 && len < 30 && (p == r.out || p[-1] == ' ' || p[-1] == '('))
      snprintf(words[n++], 32, "--%.*s", (int)len, p + 2);
  }
  for (const char *p = r.out; (p = strstr(p, "custapi [OPTIONS] ")) && n < max; p += 18)
    snprintf(words[n++], 32, "%.*s", (int)strcspn(p + 18, " \n"), p + 18);
  itest_cli_free(&r);
  ck_assert_uint_gt(n, 30);
  return n;
}

START_TEST(completions_list_every_command_and_option) {
  const char *files[] = {getenv("CUSTAPI_BASH_COMPLETION"), getenv("CUSTAPI_ZSH_COMPLETION")};
  char words[128][32];
  size_t n = help_words(words, 128);
  for (int f = 0; f < 2; f++) {
    ck_assert_msg(files[f] && *files[f], "meson sets the completion files' paths");
    char *text = itest_slurp(files[f]);
    for (size_t i = 0; i < n; i++) {
      char quoted[40];
      snprintf(quoted, sizeof quoted, "%s", words[i]);
      ck_assert_msg(strstr(text, quoted), "%s lacks %s", files[f], words[i]);
    }
    ck_assert_ptr_nonnull(strstr(text, "rest xmlrpc"));
    ck_assert_ptr_nonnull(strstr(text, "industry="));
    free(text);
  }
}
END_TEST

static Suite *command_suite(void) {
  Suite *s = suite_create("cli_command");
  TCase *t = itest_tcase(s, "command", up_plain, down_plain);
  tcase_add_test(t, missing_settings_are_usage_errors_before_anything_is_sent);
  tcase_add_test(t, dry_run_sends_nothing_for_every_command);
  tcase_add_test(t, bulk_dry_run_tells_refused_records_and_writes_no_results);
  tcase_add_test(t, protocol_names_in_any_case);
  tcase_add_test(t, each_command_has_its_own_help);
  tcase_add_test(t, did_you_mean_for_commands_and_options);
  tcase_add_test(t, list_properties_as_json);
  tcase_add_test(t, completions_list_every_command_and_option);
  return s;
}

int main(void) { return itest_main(command_suite); }
