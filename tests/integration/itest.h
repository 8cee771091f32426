/*
 * Helpers shared by the integration suites: one reference server per test case (started in
 * Check's unchecked fixture, in the parent, so that it is stopped even when a test fails),
 * running the custapi command and capturing what it did, and reading captured requests.
 */
#ifndef CUSTAPI_ITEST_H
#define CUSTAPI_ITEST_H

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "custapi/custapi.h"
#include "harness.h"

extern char **environ;

/* The server of the running test case (set by its fixture). */
static refserver *rs;

#define SERVER_FIXTURE(name, ...)                                                                  \
  static void up_##name(void) {                                                                    \
    static const char *const args[] = {__VA_ARGS__};                                               \
    rs = refserver_start(args);                                                                    \
  }                                                                                                \
  static void down_##name(void) {                                                                  \
    refserver_stop(rs);                                                                            \
    rs = NULL;                                                                                     \
  }

/* Adds a test case whose tests run against a server started with the fixture's arguments. */
static inline TCase *itest_tcase(Suite *s, const char *name, void (*up)(void), void (*down)(void)) {
  TCase *t = tcase_create(name);
  tcase_add_unchecked_fixture(t, up, down);
  /* Retries wait out Retry-After (1 s each); under valgrind everything is slower. */
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  suite_add_tcase(s, t);
  return t;
}

#define NEED_SERVER() ck_assert_msg(rs != NULL, "the reference server did not start")

static inline long itest_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * "http://127.0.0.1:PORT" of a port nobody listens on: bound, then closed again. (Not
 * refserver_restart: in a forked Check test the parent would lose track of the new server.)
 */
static inline void itest_closed_port_url(char *url, size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  snprintf(url, size, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
}

/* ---- captured requests ---- */

/* The last request the server saw, parsed; the caller puts it. */
static inline json_object *itest_last_request(void) {
  char *line = refserver_last_request(rs);
  ck_assert_ptr_nonnull(line);
  json_object *o = json_tokener_parse(line);
  free(line);
  ck_assert_ptr_nonnull(o);
  return o;
}

static inline const char *itest_str(json_object *o, const char *key) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

static inline const char *itest_header(json_object *req, const char *name) {
  json_object *h;
  if (!json_object_object_get_ex(req, "headers", &h))
    return NULL;
  return itest_str(h, name);
}

/* ---- running the command ---- */

typedef struct cli_result {
  int status; /* exit code, or 128 + signal */
  char *out, *err;
  long elapsed_ms;
  json_object *json; /* stdout parsed, when it is one JSON object */
} cli_result;

static inline char *itest_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (len + 1 >= cap)
      buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  fclose(f);
  return buf;
}

/* 1 if `entry` ("NAME=VALUE") sets one of custapi's variables. */
static inline int itest_is_custapi_env(const char *entry) {
  return strncmp(entry, "CUSTAPI_", 8) == 0 && strncmp(entry, "CUSTAPI_CLI_WRAPPER=", 20) != 0 &&
         strncmp(entry, "CUSTAPI_REFSERVER", 17) != 0 && strncmp(entry, "CUSTAPI_EXE=", 12) != 0 &&
         strncmp(entry, "CUSTAPI_UNDER_VALGRIND=", 23) != 0;
}

/* 1 if `env` (NULL-terminated, may be NULL) sets or unsets ("NAME" alone) the variable of
 * `entry`. */
static inline int itest_env_names(const char *const *env, const char *entry) {
  size_t n = strcspn(entry, "=");
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], entry, n) == 0 && (env[i][n] == '=' || env[i][n] == '\0'))
      return 1;
  return 0;
}

/*
 * Runs `exe` with `args` (NULL-terminated, argv[0] not included) and an environment of ours
 * plus `env` (NULL-terminated "NAME=VALUE" entries, or "NAME" to unset it; the caller's own
 * custapi settings are dropped, and unless `env` names HOME or XDG_CONFIG_HOME, no config file
 * of the person running the tests is read), `input` on stdin (NULL: empty), capturing stdout,
 * stderr and the exit code.
 */
/* When > 0, the program run by itest_run_program may write files of at most this many bytes
 * (RLIMIT_FSIZE; SIGXFSZ ignored, so a write past it fails with EFBIG): a disk that fills. */
static long itest_fsize_limit;

static inline cli_result itest_run_program(const char *exe, const char *const *args,
                                           const char *const *env, const char *input) {
  char dir[] = "/tmp/custapi-cli-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char out_path[64], err_path[64], in_path[64];
  snprintf(out_path, sizeof out_path, "%s/out", dir);
  snprintf(err_path, sizeof err_path, "%s/err", dir);
  snprintf(in_path, sizeof in_path, "%s/in", dir);
  FILE *in = fopen(in_path, "wb");
  ck_assert_ptr_nonnull(in);
  if (input)
    fputs(input, in);
  fclose(in);
  size_t nargs = 0, nenv = 0, nown = 0;
  while (args[nargs])
    nargs++;
  while (env && env[nenv])
    nenv++;
  while (environ[nown])
    nown++;
  /* CUSTAPI_CLI_WRAPPER, e.g. "valgrind --leak-check=full --error-exitcode=99", runs the
   * program under it (words split on spaces). */
  const char *wrapper = getenv("CUSTAPI_CLI_WRAPPER");
  char *words = strdup(wrapper ? wrapper : "");
  char **argv = calloc(nargs + 2 + strlen(words) / 2 + 1, sizeof *argv);
  char **envp = calloc(nown + nenv + 2, sizeof *envp);
  size_t a = 0;
  for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
    argv[a++] = w;
  argv[a++] = (char *)exe;
  for (size_t i = 0; i < nargs; i++)
    argv[a++] = (char *)args[i];
  size_t k = 0;
  for (size_t i = 0; i < nown; i++)
    if (!itest_is_custapi_env(environ[i]) && !itest_env_names(env, environ[i]) &&
        strncmp(environ[i], "XDG_CONFIG_HOME=", 16) != 0)
      envp[k++] = environ[i];
  for (size_t i = 0; i < nenv; i++)
    if (strchr(env[i], '='))
      envp[k++] = (char *)env[i];
  if (!itest_env_names(env, "HOME=") && !itest_env_names(env, "XDG_CONFIG_HOME="))
    envp[k++] = "XDG_CONFIG_HOME=/nonexistent/custapi-tests";
  long start = itest_now_ms();
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int i = open(in_path, O_RDONLY);
    if (o < 0 || e < 0 || i < 0)
      _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    dup2(i, 0);
    if (itest_fsize_limit > 0) {
      struct rlimit fsize = {(rlim_t)itest_fsize_limit, (rlim_t)itest_fsize_limit};
      signal(SIGXFSZ, SIG_IGN); /* kept across execve */
      if (setrlimit(RLIMIT_FSIZE, &fsize) < 0)
        _exit(125);
    }
    execve(argv[0], argv, envp);
    _exit(127);
  }
  int wstatus;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  cli_result r = {0};
  r.elapsed_ms = itest_now_ms() - start;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = itest_slurp(out_path);
  r.err = itest_slurp(err_path);
  unlink(out_path);
  unlink(err_path);
  unlink(in_path);
  rmdir(dir);
  free(argv);
  free(envp);
  free(words);
  r.json = json_tokener_parse(r.out);
  return r;
}

/* The custapi command (path in $CUSTAPI_EXE, which meson sets). */
static inline const char *itest_custapi_exe(void) {
  const char *exe = getenv("CUSTAPI_EXE");
  ck_assert_msg(exe && *exe, "CUSTAPI_EXE is not set (meson sets it)");
  return exe;
}

static inline cli_result itest_run_cli(const char *const *args, const char *const *env) {
  return itest_run_program(itest_custapi_exe(), args, env, NULL);
}

/* The same with `input` on standard input. */
static inline cli_result itest_run_cli_input(const char *const *args, const char *const *env,
                                             const char *input) {
  return itest_run_program(itest_custapi_exe(), args, env, input);
}

static inline void itest_cli_free(cli_result *r) {
  free(r->out);
  free(r->err);
  json_object_put(r->json);
  memset(r, 0, sizeof *r);
}

/* The environment that reaches the reference server: the key in CUSTAPI_API_KEY. */
#define ITEST_KEY_ENV "CUSTAPI_API_KEY=" REFSERVER_TEST_KEY

/*
 * custapi --url URL --username demo ARGS... against the running test case's server, with
 * `key_env` ("CUSTAPI_API_KEY=...") in the environment.
 */
static inline cli_result itest_run_on_server(const char *key_env, const char *const *args) {
  ck_assert_msg(rs != NULL, "the reference server did not start");
  const char *full[64] = {"--url", refserver_url(rs), "--username", REFSERVER_TEST_USER};
  size_t n = 4;
  for (size_t i = 0; args[i] && n < 63; i++)
    full[n++] = args[i];
  full[n] = NULL;
  const char *env[] = {key_env, NULL};
  return itest_run_cli(full, env);
}

/* ITEST_RUN("update", "--id", "3", ...) with the test key. */
#define ITEST_RUN(...) itest_run_on_server(ITEST_KEY_ENV, (const char *const[]){__VA_ARGS__, NULL})

/* The member `key` of a JSON object; the test fails if it is absent. */
static inline json_object *itest_member(json_object *o, const char *key) {
  json_object *v = NULL;
  ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
                o ? json_object_to_json_string(o) : "(no JSON)");
  return v;
}

/* The failure object's category ("auth", ...) of a command's stdout, or NULL. */
static inline const char *itest_error_category(const cli_result *r) {
  json_object *e;
  if (!r->json || !json_object_object_get_ex(r->json, "error", &e))
    return NULL;
  return itest_str(e, "category");
}

/* How many lines a text has (the stderr line of a failure must be one). */
static inline size_t itest_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* A library client of `protocol` for the running test case's server, with the test key. */
static inline custapi_client *itest_library_client(custapi_protocol protocol) {
  ck_assert_msg(rs != NULL, "the reference server did not start");
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = refserver_url(rs);
  o.protocol = protocol;
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  custapi_client *c;
  custapi_error err;
  ck_assert_msg(custapi_client_new(&c, &o, &err) == 0, "%s", err.message);
  return c;
}

/*
 * The main of an integration suite: skips (77) with the reason where the reference server can't
 * start at all, else runs the suite with the library initialised, and exits with its verdict.
 */
static inline int itest_main(Suite *(*make_suite)(void)) {
  refserver *probe = refserver_start(NULL);
  if (!probe) {
    fprintf(stderr, "skipping: the reference server could not start (see above)\n");
    return 77;
  }
  refserver_stop(probe);
  custapi_global_init();
  SRunner *r = srunner_create(make_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  custapi_global_shutdown();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
