/*
 * Profiles (issue 14): the config file's sections, their precedence under the environment and
 * the command line, and every way the file can be wrong. Each test runs the command with a
 * temporary HOME and XDG_CONFIG_HOME unset, against a reference server whose capture file
 * shows what was sent.
 */
#include <sys/stat.h>

#include "itest.h"

SERVER_FIXTURE(plain, NULL)

/* A temporary HOME with a key file of the test key (0600). */
typedef struct home {
  char dir[64];
  char config[256]; /* $HOME/.config/custapi/config */
  char key[128];
  char env_home[96];
} home;

static void home_make(home *h) {
  snprintf(h->dir, sizeof h->dir, "/tmp/custapi-home-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(h->dir));
  char path[128];
  snprintf(path, sizeof path, "%s/.config", h->dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  snprintf(path, sizeof path, "%s/.config/custapi", h->dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  snprintf(h->config, sizeof h->config, "%s/config", path);
  snprintf(h->key, sizeof h->key, "%s/key", h->dir);
  FILE *f = fopen(h->key, "w");
  ck_assert_ptr_nonnull(f);
  fputs(REFSERVER_TEST_KEY "\n", f);
  fclose(f);
  chmod(h->key, 0600);
  snprintf(h->env_home, sizeof h->env_home, "HOME=%s", h->dir);
}

static void home_write(const home *h, const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(text, 1, len, f), len);
  fclose(f);
  chmod(path, 0600); /* whatever the umask: a file others may write is refused */
}

/* Writes the config file from a template where @URL@ is the server's URL and @KEY@ the key
 * file. */
static void home_config(const home *h, const char *template) {
  char text[4096];
  size_t n = 0;
  for (const char *p = template; *p;) {
    const char *with = strncmp(p, "@URL@", 5) == 0   ? refserver_url(rs)
                       : strncmp(p, "@KEY@", 5) == 0 ? h->key
                                                     : NULL;
    size_t len = with ? strlen(with) : 1;
    ck_assert_uint_lt(n + len, sizeof text);
    memcpy(text + n, with ? with : p, len);
    n += len;
    p += with ? 5 : 1;
  }
  home_write(h, h->config, text, n);
}

static void home_remove(const home *h) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* custapi ARGS with HOME=h, XDG_CONFIG_HOME unset, plus `extra` environment entries. */
static cli_result run_in(const home *h, const char *const *args, const char *const *extra) {
  const char *env[16] = {h->env_home, "XDG_CONFIG_HOME"};
  size_t n = 2;
  for (size_t i = 0; extra && extra[i] && n < 15; i++)
    env[n++] = extra[i];
  env[n] = NULL;
  return itest_run_cli(args, env);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A usage error (exit 2, category usage) that sent nothing, whose stderr holds `needle`. */
static void assert_usage_sent_nothing(cli_result *r, size_t before, const char *needle) {
  ck_assert_msg(r->status == 2, "exit %d, want 2; out %s err %s", r->status, r->out, r->err);
  ck_assert_str_eq(itest_error_category(r), "usage");
  ck_assert_uint_eq(itest_lines(r->err), 1);
  ck_assert_msg(strstr(r->err, needle), "stderr lacks \"%s\": %s", needle, r->err);
  ck_assert_uint_eq(refserver_request_count(rs), before);
}

static const char profiles[] = "; custapi profiles\n"
                               "[default]\n"
                               "url = @URL@\n"
                               "username = demo\n"
                               "api-key-file = @KEY@\n"
                               "\n"
                               "[prod]\n"
                               "url = @URL@\n"
                               "protocol = XMLRPC\n"
                               "username = demo\n"
                               "api-key-file = @KEY@\n"
                               "timeout = 2.5\n"
                               "retries = 0\n"
                               "\n"
                               "[broken]\n"
                               "url = http://127.0.0.1:1\n"
                               "username = nobody\n"
                               "api-key-file = @KEY@\n";

START_TEST(default_profile_supplies_the_connection) {
  NEED_SERVER();
  home h;
  home_make(&h);
  home_config(&h, profiles);
  size_t before = refserver_request_count(rs);
  cli_result r = run_in(&h, ARGS("get", "--id", "21"), NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "rest");
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  itest_cli_free(&r);
  /* a key file's "~/" is HOME */
  home_config(&h, "[default]\nurl = @URL@\nusername = demo\napi-key-file = ~/key\n");
  r = run_in(&h, ARGS("get", "--id", "21"), NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  /* quoted values lose their quotes; '' is empty, as on the command line */
  home_config(&h, "[default]\nurl = \"@URL@\"\nusername = 'demo'\napi-key-file = '~/key'\n"
                  "xmlrpc-prefix = ''\nprotocol = xmlrpc\n");
  r = run_in(&h, ARGS("--dry-run", "update", "--id", "21", "name=A"), NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "<methodName>UpdateCustomer</methodName>"));
  itest_cli_free(&r);
  home_remove(&h);
}
END_TEST

START_TEST(named_profile_by_option_or_environment) {
  NEED_SERVER();
  home h;
  home_make(&h);
  home_config(&h, profiles);
  cli_result r = run_in(&h, ARGS("--profile", "prod", "get", "--id", "21"), NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  /* protocol = XMLRPC: a profile's values go through the option's own (case-blind) check */
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "xmlrpc");
  itest_cli_free(&r);
  r = run_in(&h, ARGS("get", "--id", "21"), ENV("CUSTAPI_PROFILE=prod"));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "xmlrpc");
  itest_cli_free(&r);
  /* the option outranks the environment's profile */
  r = run_in(&h, ARGS("get", "--id", "21", "--profile", "default"), ENV("CUSTAPI_PROFILE=prod"));
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "rest");
  itest_cli_free(&r);
  home_remove(&h);
}
END_TEST

/* Command line > environment > profile > defaults, setting by setting. */
START_TEST(precedence_command_line_environment_profile) {
  NEED_SERVER();
  home h;
  home_make(&h);
  home_config(&h, profiles);
  char good_url[96];
  snprintf(good_url, sizeof good_url, "CUSTAPI_URL=%s", refserver_url(rs));
  /* [broken] points at a closed port with a wrong user: the environment repairs both */
  cli_result r = run_in(&h, ARGS("--profile", "broken", "get", "--id", "21"),
                        ENV(good_url, "CUSTAPI_USERNAME=demo"));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  /* and the command line outranks the environment */
  r = run_in(&h,
             ARGS("--profile", "broken", "--url", refserver_url(rs), "--username", "demo", "get",
                  "--id", "21"),
             ENV("CUSTAPI_URL=http://127.0.0.1:1", "CUSTAPI_USERNAME=nobody"));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  /* without the repairs, [broken] is what runs: its wrong user is refused by the server */
  r = run_in(&h, ARGS("--profile", "broken", "--url", refserver_url(rs), "get", "--id", "21"),
             NULL);
  ck_assert_int_eq(r.status, 4);
  itest_cli_free(&r);
  /* the key itself in the environment outranks the profile's key file */
  char bad_key[160];
  snprintf(bad_key, sizeof bad_key, "%s/wrong-key", h.dir);
  home_write(&h, bad_key, "wrong\n", 6);
  chmod(bad_key, 0600);
  char cfg[512];
  snprintf(cfg, sizeof cfg, "[default]\nurl = %s\nusername = demo\napi-key-file = %s\n",
           refserver_url(rs), bad_key);
  home_write(&h, h.config, cfg, strlen(cfg));
  r = run_in(&h, ARGS("get", "--id", "21"), ENV(ITEST_KEY_ENV));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  r = run_in(&h, ARGS("get", "--id", "21"), NULL);
  ck_assert_int_eq(r.status, 4); /* the profile's (wrong) key file when nothing outranks it */
  itest_cli_free(&r);
  /* CUSTAPI_API_KEY_FILE is the environment's --api-key-file, above the profile's */
  char key_file_env[192];
  snprintf(key_file_env, sizeof key_file_env, "CUSTAPI_API_KEY_FILE=%s", h.key);
  r = run_in(&h, ARGS("get", "--id", "21"), ENV(key_file_env));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  home_remove(&h);
}
END_TEST

START_TEST(config_file_locations) {
  NEED_SERVER();
  home h;
  home_make(&h);
  /* no file at the default place: no profile, and no error */
  cli_result r = run_in(&h, ARGS("validate", "name=Ann"), NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  /* XDG_CONFIG_HOME is honoured */
  char xdg[128], dir[160], env_xdg[160];
  snprintf(xdg, sizeof xdg, "%s/xdg", h.dir);
  snprintf(dir, sizeof dir, "%s/custapi", xdg);
  ck_assert_int_eq(mkdir(xdg, 0700), 0);
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  snprintf(dir, sizeof dir, "%s/custapi/config", xdg);
  char cfg[512];
  snprintf(cfg, sizeof cfg, "[default]\nurl = %s\nusername = demo\napi-key-file = %s\n",
           refserver_url(rs), h.key);
  home_write(&h, dir, cfg, strlen(cfg));
  snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", xdg);
  const char *env[] = {h.env_home, env_xdg, NULL};
  r = itest_run_cli(ARGS("get", "--id", "21"), env);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  /* CUSTAPI_CONFIG names the file; a named file that is missing is an error */
  char named[200];
  snprintf(named, sizeof named, "CUSTAPI_CONFIG=%s", dir);
  r = run_in(&h, ARGS("get", "--id", "21"), ENV(named));
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  size_t before = refserver_request_count(rs);
  snprintf(named, sizeof named, "CUSTAPI_CONFIG=%s/missing", h.dir);
  r = run_in(&h, ARGS("validate", "name=Ann"), ENV(named));
  assert_usage_sent_nothing(&r, before, "missing");
  ck_assert_ptr_nonnull(strstr(r.err, "CUSTAPI_CONFIG"));
  itest_cli_free(&r);
  /* a named profile needs a file that has it */
  r = run_in(&h, ARGS("--profile", "prod", "validate", "name=Ann"), NULL);
  assert_usage_sent_nothing(&r, before, "unknown profile 'prod'");
  itest_cli_free(&r);
  home_remove(&h);
}
END_TEST

/* Every way the file can be wrong: one line naming what, exit 2, nothing sent. */
START_TEST(bad_files_are_usage_errors_that_send_nothing) {
  NEED_SERVER();
  static const char *const prdo[] = {"--profile", "prdo", "get", "--id", "1", NULL};
  static const struct {
    const char *config; /* @URL@ the URL, @KEY@ the key file */
    const char *const *args;
    const char *needle;
  } cases[] = {
      {"[default]\nurl = @URL@\nusername = demo\napi-key = s3cret-in-file\n", NULL,
       "never read from the config file"},
      {"[default]\nurl = @URL@\nusername = demo\n[other]\npassword = s3cret-in-file\n", NULL,
       "never read from the config file"},
      {"[default]\nurl = @URL@\nAPI_TOKEN = s3cret-in-file\n", NULL, "never read from the config"},
      {"[default]\nurl = @URL@\nprivate-key = s3cret-in-file\n", NULL, "never read from the"},
      {"[default]\nurl = @URL@\nkey = s3cret-in-file\n", NULL, "never read from the config file"},
      {"[default]\nurl = @URL@\nusrname = demo\napi-key-file = @KEY@\n", NULL,
       "did you mean 'username'?"},
      {"[default]\nurl = @URL@\ncolour = blue\n", NULL, "colour: unknown key"},
      {"[default]\nurl = @URL@\ninsecure = 1\n", NULL, "insecure: unknown key"},
      {"[default]\nurl = @URL@\ntimeout = soon\n", NULL, ":3: [default] timeout: not a number"},
      {"[default]\nurl = @URL@\nretries = 101\n", NULL,
       "retries: not a whole number from 0 to 100"},
      {"[default]\nurl = @URL@\nprotocol = soap\n", NULL, "protocol: must be rest or xmlrpc"},
      {"[default]\nurl = @URL@\nconcurrency = 0\n", NULL, "concurrency: not a whole number"},
      {"[default]\nurl = @URL@\nurl = @URL@\n", NULL, "given twice"},
      {"[default]\nurl = @URL@\n  username = demo\n", NULL, "given twice"},
      {"[default]\nthis is not ini\n", NULL, ":2: not a [section]"},
      {"[prod]\nurl = @URL@\n", prdo, "did you mean 'prod'?"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    home h;
    home_make(&h);
    home_config(&h, cases[i].config);
    size_t before = refserver_request_count(rs);
    cli_result r = run_in(&h, cases[i].args ? cases[i].args : ARGS("get", "--id", "21"),
                          ENV(ITEST_KEY_ENV, "CUSTAPI_USERNAME=demo"));
    assert_usage_sent_nothing(&r, before, cases[i].needle);
    ck_assert_msg(!strstr(r.out, "s3cret-in-file") && !strstr(r.err, "s3cret-in-file"),
                  "a secret of the file is echoed: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, h.config)); /* the message names the file */
    itest_cli_free(&r);
    home_remove(&h);
  }
}
END_TEST

/* Encodings: a UTF-8 BOM is fine; UTF-16 is refused, not read as garbage; a line one past
 * what inih reads whole is refused, never cut silently. */
START_TEST(encodings_and_long_lines) {
  NEED_SERVER();
  home h;
  home_make(&h);
  char cfg[1024];
  int n = snprintf(cfg, sizeof cfg,
                   "\xef\xbb\xbf[default]\nurl = %s\nusername = demo\n"
                   "api-key-file = %s\n",
                   refserver_url(rs), h.key);
  home_write(&h, h.config, cfg, (size_t)n);
  cli_result r = run_in(&h, ARGS("get", "--id", "21"), NULL);
  ck_assert_msg(r.status == 0, "BOM: %s %s", r.out, r.err);
  itest_cli_free(&r);

  static const char utf16[] = "\xff\xfe[\0d\0e\0f\0a\0u\0l\0t\0]\0\n\0";
  home_write(&h, h.config, utf16, sizeof utf16 - 1);
  size_t before = refserver_request_count(rs);
  r = run_in(&h, ARGS("get", "--id", "21"), ENV(ITEST_KEY_ENV, "CUSTAPI_USERNAME=demo"));
  assert_usage_sent_nothing(&r, before, "not UTF-16");
  itest_cli_free(&r);

  /* a proxy value that makes the line 199 bytes, one past what inih reads in one piece; the
   * rest of the line a comment, which inih would have dropped without a word */
  char line[256];
  memset(line, 'a', sizeof line);
  n = snprintf(cfg, sizeof cfg, "[default]\nproxy = http://%.*s#;x\n", 199 - 18, line);
  home_write(&h, h.config, cfg, (size_t)n);
  r = run_in(&h, ARGS("get", "--id", "21"), ENV(ITEST_KEY_ENV, "CUSTAPI_USERNAME=demo"));
  assert_usage_sent_nothing(&r, before, ":2: longer than 198 bytes");
  itest_cli_free(&r);
  /* 198 bytes is read whole: a URL with a long path, seen whole in the request line */
  int pad = 198 - (int)strlen("url = ") - (int)strlen(refserver_url(rs)) - 1;
  n = snprintf(cfg, sizeof cfg, "[default]\nurl = %s/%.*s\nusername = demo\napi-key-file = %s\n",
               refserver_url(rs), pad, line, h.key);
  home_write(&h, h.config, cfg, (size_t)n);
  r = run_in(&h, ARGS("--dry-run", "update", "--id", "21", "name=A"), NULL);
  ck_assert_msg(r.status == 0, "a 198-byte line: %s %s", r.out, r.err);
  char request[320];
  snprintf(request, sizeof request, "PUT %s/%.*s/api/2.0/customers/21 HTTP/1.1\n",
           refserver_url(rs), pad, line);
  ck_assert_msg(strncmp(r.out, request, strlen(request)) == 0, "%s", r.out);
  itest_cli_free(&r);
  home_remove(&h);
}
END_TEST

static Suite *profiles_suite(void) {
  Suite *s = suite_create("cli_profiles");
  TCase *t = itest_tcase(s, "profiles", up_plain, down_plain);
  tcase_add_test(t, default_profile_supplies_the_connection);
  tcase_add_test(t, named_profile_by_option_or_environment);
  tcase_add_test(t, precedence_command_line_environment_profile);
  tcase_add_test(t, config_file_locations);
  tcase_add_test(t, bad_files_are_usage_errors_that_send_nothing);
  tcase_add_test(t, encodings_and_long_lines);
  return s;
}

int main(void) { return itest_main(profiles_suite); }
