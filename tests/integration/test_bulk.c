/*
 * custapi bulk and custapi_bulk_run against the reference server: both protocols with faults
 * mid-run, the last line of an id winning, CSV edge cases, bad records, the results file's
 * shape, resume after SIGKILL, refusals, and the library's callback.
 */
#include <signal.h>

#include "alloc.h"
#include "custapi/custapi.h"
#include "itest.h"

SERVER_FIXTURE(plain, "--seed", "600", NULL)
SERVER_FIXTURE(f503, "--fault", "http503:3", NULL)
SERVER_FIXTURE(f429, "--fault", "http429:1", NULL)
/* Slow enough that a kill lands halfway through a few thousand records. */
SERVER_FIXTURE(slow, "--seed", "600", "--fault", "delay:4", NULL)
/* Each answer 150 ms late: a run of a few dozen records is still going when a test acts. */
SERVER_FIXTURE(delayed, "--seed", "600", "--fault", "delay:150", NULL)
/* The first request fails (HTTP 500; with --retries 0 the record fails). */
SERVER_FIXTURE(first_fails, "--seed", "600", "--fault", "http500:1", NULL)

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

static char dir[64];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/custapi-bulk-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  const char *names[] = {"in.jsonl", "in.csv", "other.jsonl", "results", "link",
                         "hard",     "out",    "-",           NULL};
  char path[128];
  for (size_t i = 0; names[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

static const char *in_dir(const char *name) {
  static char paths[4][128];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 128, "%s/%s", dir, name);
  return p;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* custapi --url URL --username demo [--protocol P] ARGS... */
static cli_result run(const char *protocol, const char *const *args) {
  NEED_SERVER();
  const char *full[40] = {"--url",      refserver_url(rs), "--username", REFSERVER_TEST_USER,
                          "--protocol", protocol};
  size_t n = 6;
  for (size_t i = 0; args[i]; i++)
    full[n++] = args[i];
  full[n] = NULL;
  return itest_run_cli(full, key_env);
}

#define RUN(protocol, ...) run(protocol, (const char *const[]){__VA_ARGS__, NULL})

static long member_int(json_object *o, const char *key) {
  json_object *v;
  ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s in %s", key,
                json_object_to_json_string(o));
  return (long)json_object_get_int64(v);
}

/* The results file: its lines parsed (the caller puts the array). */
static json_object *read_results(const char *path) {
  char *text = itest_slurp(path);
  json_object *lines = json_object_new_array();
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    json_object *o = json_tokener_parse(l);
    ck_assert_msg(o != NULL, "a results line is not JSON: %s", l);
    json_object_array_add(lines, o);
  }
  free(text);
  return lines;
}

/* The result line of input line `line` that is ok (or the last one when none is), or NULL. */
static json_object *result_of(json_object *lines, long line, int *ok_count) {
  json_object *found = NULL;
  *ok_count = 0;
  for (size_t i = 1; i < json_object_array_length(lines); i++) {
    json_object *o = json_object_array_get_idx(lines, i);
    if (member_int(o, "line") != line)
      continue;
    json_object *ok;
    json_object_object_get_ex(o, "ok", &ok);
    if (json_object_get_boolean(ok)) {
      (*ok_count)++;
      found = o;
    } else if (!found || !*ok_count) {
      found = o;
    }
  }
  return found;
}

static const char *error_category(json_object *result) {
  json_object *e;
  if (!json_object_object_get_ex(result, "error", &e))
    return NULL;
  return itest_str(e, "category");
}

/* ---- the library, for reading customers back ---- */

/* A property of customer `id` as the server has it now. */
static const custapi_field *field_now(custapi_client *c, custapi_result **r, int32_t id,
                                      const char *name) {
  ck_assert_msg(custapi_get(r, c, id) == 0, "get %d: %s", (int)id,
                custapi_client_last_error(c)->message);
  return custapi_customer_get(custapi_result_customer(*r), name);
}

static long int_now(custapi_client *c, int32_t id, const char *name) {
  custapi_result *r;
  const custapi_field *f = field_now(c, &r, id, name);
  ck_assert_ptr_nonnull(f);
  long v = (long)f->integer;
  custapi_result_free(r);
  return v;
}

static char *string_now(custapi_client *c, int32_t id, const char *name) {
  custapi_result *r;
  const custapi_field *f = field_now(c, &r, id, name);
  ck_assert_ptr_nonnull(f);
  char *s = strdup(f->string);
  custapi_result_free(r);
  return s;
}

/* ---- both protocols, with faults mid-run ---- */

/* 20 good records (the first three get 503s and succeed on retry), an unknown id (not_found)
 * and a wrong hash (rejected). */
static void faults_mid_run(const char *protocol) {
  make_dir();
  char text[4096] = "";
  for (int i = 1; i <= 20; i++) {
    char line[64];
    snprintf(line, sizeof line, "{\"id\":%d,\"sms_quota\":%d}\n", i, 1000 + i);
    strcat(text, line);
  }
  strcat(text, "{\"id\":99999,\"sms_quota\":1}\n");       /* line 21 */
  strcat(text, "{\"id\":5,\"hash\":\"WrongHash123\"}\n"); /* line 22 */
  write_file(in_dir("in.jsonl"), text);
  cli_result r = RUN(protocol, "bulk", "--input", in_dir("in.jsonl"), "--results",
                     in_dir("results"), "--concurrency", "4");
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_ptr_nonnull(r.json);
  ck_assert_int_eq(member_int(r.json, "records"), 22);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 20);
  ck_assert_int_eq(member_int(r.json, "failed"), 2);
  ck_assert_int_eq(member_int(r.json, "skipped"), 0);
  ck_assert_str_eq(itest_str(r.json, "protocol"), protocol);
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: line 21: id 99999: "));
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: bulk: 22 records: 20 succeeded, 2 failed"));
  ck_assert_ptr_null(strstr(r.err, "\033[")); /* no progress line in a pipe */
  ck_assert_ptr_null(strstr(r.out, REFSERVER_TEST_KEY));
  itest_cli_free(&r);

  json_object *lines = read_results(in_dir("results"));
  ck_assert_uint_eq(json_object_array_length(lines), 23);
  int ok, retried = 0;
  for (long line = 1; line <= 20; line++) {
    json_object *o = result_of(lines, line, &ok);
    ck_assert_msg(ok == 1, "line %ld: %d ok lines", line, ok);
    ck_assert_int_eq(member_int(o, "id"), line);
    retried += member_int(o, "attempts") > 1;
  }
  ck_assert_int_eq(retried, 3); /* the three 503s, each retried once */
  ck_assert_str_eq(error_category(result_of(lines, 21, &ok)), "not_found");
  ck_assert_str_eq(error_category(result_of(lines, 22, &ok)), "rejected");
  json_object_put(lines);

  custapi_client *c = itest_library_client(strcmp(protocol, "rest") == 0 ? CUSTAPI_PROTOCOL_REST
                                                                         : CUSTAPI_PROTOCOL_XMLRPC);
  for (int i = 1; i <= 20; i++)
    ck_assert_int_eq(int_now(c, i, "sms_quota"), 1000 + i);
  custapi_client_free(c);
  remove_dir();
}

START_TEST(rest_with_faults) { faults_mid_run("rest"); }
END_TEST

START_TEST(xmlrpc_with_faults) { faults_mid_run("xmlrpc"); }
END_TEST

/* ---- the results file ---- */

START_TEST(results_file_shape) {
  make_dir();
  const char *text = "{\"id\":1,\"sms_quota\":7}\n{\"id\":2,\"status\":\"maybe\"}\n";
  write_file(in_dir("in.jsonl"), text);
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  /* The stdout summary's keys, in order. */
  ck_assert_msg(strncmp(r.out,
                        "{\"ok\":false,\"records\":2,\"succeeded\":1,\"failed\":1,\"skipped\":0,"
                        "\"elapsed_ms\":",
                        60) == 0,
                "%s", r.out);
  ck_assert_ptr_nonnull(strstr(r.out, "\"rate_per_s\":"));
  itest_cli_free(&r);
  char *results = itest_slurp(in_dir("results"));
  /* FNV-1a-64 of the input, computed here independently. */
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char *p = text; *p; p++)
    h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
  char header[512];
  snprintf(header, sizeof header,
           "{\"custapi_bulk_results\":1,\"input_bytes\":%zu,\"input_hash\":\"fnv1a64:%016llx\"}\n",
           strlen(text), (unsigned long long)h);
  ck_assert_msg(strncmp(results, header, strlen(header)) == 0, "%s", results);
  /* Then one line per record, in completion order: the refused one is known first. */
  /* Each with when its update started and how long it took, over the run's protocol. */
  ck_assert_ptr_nonnull(
      strstr(results, "\n{\"line\":1,\"id\":1,\"ok\":true,\"attempts\":1,\"at\":\"20"));
  ck_assert_ptr_nonnull(strstr(results, "Z\",\"elapsed_ms\":{\"rest\":"));
  snprintf(header, sizeof header, "%s",
           "\n{\"line\":2,\"id\":2,\"ok\":false,\"attempts\":0,\"error\":{\"category\":\"invalid\","
           "\"message\":\"line 2: status:");
  ck_assert_msg(strstr(results, header) != NULL, "%s", results);
  ck_assert_ptr_nonnull(strstr(results, "\"property\":\"status\"},\"at\":\""));
  free(results);
  /* Without --resume an existing results file is never overwritten. */
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "already holds results"));
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* ---- one id many times: the last line wins ---- */

START_TEST(last_line_of_an_id_wins) {
  make_dir();
  size_t cap = 64 * 1024;
  char *text = calloc(1, cap);
  size_t len = 0;
  for (int line = 1; line <= 400; line++) /* ids 1..5, each 80 times, interleaved */
    len += (size_t)snprintf(text + len, cap - len, "{\"id\":%d,\"email_quota\":%d}\n",
                            (line % 5) + 1, line);
  write_file(in_dir("in.jsonl"), text);
  free(text);
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--concurrency", "16");
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 400);
  itest_cli_free(&r);
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  int last[6] = {0};
  for (int line = 1; line <= 400; line++)
    last[(line % 5) + 1] = line;
  for (int id = 1; id <= 5; id++)
    ck_assert_int_eq(int_now(c, id, "email_quota"), last[id]);
  /* `get` through the command says the same. */
  r = RUN("rest", "get", "--id", "3");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "\"email_quota\":397"));
  itest_cli_free(&r);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

/* ---- CSV through the command ---- */

START_TEST(csv_edge_cases) {
  make_dir();
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  char *tel_before = string_now(c, 11, "telephone");
  write_file(in_dir("in.csv"), "\xEF\xBB\xBF"
                               "id,address,telephone,sms_quota\r\n"
                               "10,\"1 Main St, \"\"Flat\"\" 2\",,3\r\n"
                               "11,\"line one\nline two\",,\r\n"
                               "\r\n"
                               "12,,+27 21 555 0000,\r\n");
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.csv"), "--results", in_dir("results"));
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "records"), 3);
  itest_cli_free(&r);
  char *address = string_now(c, 10, "address");
  ck_assert_str_eq(address, "1 Main St, \"Flat\" 2");
  free(address);
  ck_assert_int_eq(int_now(c, 10, "sms_quota"), 3);
  address = string_now(c, 11, "address");
  ck_assert_str_eq(address, "line one\nline two");
  free(address);
  char *tel = string_now(c, 11, "telephone"); /* an empty cell is not sent */
  ck_assert_str_eq(tel, tel_before);
  free(tel);
  free(tel_before);
  tel = string_now(c, 12, "telephone");
  ck_assert_str_eq(tel, "+27 21 555 0000");
  free(tel);
  /* Results carry the line each record starts on (the header is line 1; the blank line counts). */
  json_object *lines = read_results(in_dir("results"));
  int ok;
  ck_assert_int_eq(member_int(result_of(lines, 2, &ok), "id"), 10);
  ck_assert_int_eq(member_int(result_of(lines, 3, &ok), "id"), 11);
  ck_assert_int_eq(member_int(result_of(lines, 6, &ok), "id"), 12);
  json_object_put(lines);
  /* --format csv for a name without .csv; a bad header: exit 3 before anything is sent. */
  write_file(in_dir("in.jsonl"), "id,emial\n1,a@b.example\n");
  size_t before = refserver_request_count(rs);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--format", "csv");
  ck_assert_int_eq(r.status, 3);
  ck_assert_ptr_nonnull(strstr(r.err, "emial"));
  ck_assert_ptr_nonnull(strstr(r.err, "email"));
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

/* ---- bad records: reported with their line, skipped, the rest carried on ---- */

START_TEST(bad_records_skipped) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":20,\"sms_quota\":1}\n"
                                 "{\"id\":21,\"sms_quota\":\n"
                                 "{\"id\":22,\"email\":\"a@\"}\n"
                                 "{\"id\":0,\"sms_quota\":1}\n"
                                 "{\"id\":23}\n"
                                 "{\"id\":24,\"sms_quota\":2}\n");
  cli_result r = RUN("xmlrpc", "bulk", "--input", in_dir("in.jsonl"), "--results",
                     in_dir("results"), "--strict");
  /* --strict: the good records lack name, email and hash too. */
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "failed"), 6);
  itest_cli_free(&r);
  unlink(in_dir("results"));
  r = RUN("xmlrpc", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 2);
  ck_assert_int_eq(member_int(r.json, "failed"), 4);
  for (int line = 2; line <= 5; line++) {
    char want[32];
    snprintf(want, sizeof want, "custapi: line %d: ", line);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s not in %s", want, r.err);
  }
  ck_assert_ptr_nonnull(strstr(r.err, "email"));
  itest_cli_free(&r);
  json_object *lines = read_results(in_dir("results"));
  int ok;
  for (int line = 2; line <= 5; line++) {
    json_object *o = result_of(lines, line, &ok);
    ck_assert_int_eq(ok, 0);
    ck_assert_str_eq(error_category(o), "invalid");
    ck_assert_int_eq(member_int(o, "attempts"), 0);
  }
  result_of(lines, 6, &ok);
  ck_assert_int_eq(ok, 1);
  json_object_put(lines);
  remove_dir();
}
END_TEST

/* ---- refusals ---- */

START_TEST(usage_refusals) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":1}\n");
  write_file(in_dir("other.jsonl"), "{\"id\":1,\"sms_quota\":2}\n");
  cli_result r = RUN("rest", "bulk", "--input", "-", "--results", in_dir("results"), "--resume");
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "standard input"));
  itest_cli_free(&r);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--fill-required");
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "does not support fill-required"));
  itest_cli_free(&r);
  r = RUN("rest", "bulk", "--input", in_dir("nope.jsonl"));
  ck_assert_int_eq(r.status, 3);
  ck_assert_str_eq(itest_error_category(&r), "invalid");
  itest_cli_free(&r);
  /* --resume against a results file made from other input. */
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
  size_t before = refserver_request_count(rs);
  r = RUN("rest", "bulk", "--input", in_dir("other.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "made from other input"));
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
  /* The same input resumes: nothing left to send. */
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_int_eq(r.status, 0);
  ck_assert_int_eq(member_int(r.json, "skipped"), 1);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
  /* Standard input works without --resume. */
  r = itest_run_cli_input((const char *const[]){"--url", refserver_url(rs), "--username",
                                                REFSERVER_TEST_USER, "bulk", "--input", "-", NULL},
                          key_env, "{\"id\":2,\"sms_quota\":9}\n");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 1);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* ---- resume after SIGKILL ---- */

#define KILL_RECORDS 3000
#define KILL_IDS 500

/* Runs the command in the background with stdout to `out_path` (NULL: /dev/null). */
static pid_t spawn_cli_to(const char *const *args, const char *out_path) {
  const char *exe = itest_custapi_exe();
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    int out = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : null;
    dup2(null, 0);
    dup2(out, 1);
    dup2(null, 2);
    setenv("CUSTAPI_API_KEY", REFSERVER_TEST_KEY, 1);
    const char *argv[40] = {exe};
    size_t n = 0;
    while (args[n] && n < 38) {
      argv[n + 1] = args[n];
      n++;
    }
    argv[n + 1] = NULL;
    execv(exe, (char *const *)argv);
    _exit(127);
  }
  return pid;
}

static pid_t spawn_cli(const char *const *args) { return spawn_cli_to(args, NULL); }

START_TEST(resume_after_kill) {
  NEED_SERVER();
  make_dir();
  char input[128], results[128];
  snprintf(input, sizeof input, "%s", in_dir("in.jsonl"));
  snprintf(results, sizeof results, "%s", in_dir("results"));
  FILE *f = fopen(input, "wb");
  for (int line = 1; line <= KILL_RECORDS; line++)
    fprintf(f, "{\"id\":%d,\"sms_quota\":%d}\n", (line % KILL_IDS) + 1, line);
  fclose(f);
  const char *args[] = {"--url", refserver_url(rs), "--username", REFSERVER_TEST_USER,
                        "bulk",  "--input",         input,        "--results",
                        results, "--concurrency",   "4",          NULL,
                        NULL};
  pid_t pid = spawn_cli(args);
  /* Wait until about half the records are recorded (bounded generously), then kill -9. */
  long waited = 0;
  for (;;) {
    struct stat st;
    if (stat(results, &st) == 0 && st.st_size > 40L * KILL_RECORDS / 2)
      break;
    ck_assert_msg(waited < 120000, "the run did not get halfway in two minutes");
    usleep(2000);
    waited += 2;
  }
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFSIGNALED(status), "the run ended before the kill: make it slower");
  json_object *lines = read_results(results);
  size_t before = json_object_array_length(lines);
  json_object_put(lines);
  ck_assert_uint_lt(before, KILL_RECORDS + 1);

  args[11] = "--resume";
  cli_result r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_ge(member_int(r.json, "skipped"), 1);
  ck_assert_int_eq(member_int(r.json, "skipped") + member_int(r.json, "succeeded"), KILL_RECORDS);
  itest_cli_free(&r);

  /* Every record has exactly one ok line; nothing else but the header. */
  lines = read_results(results);
  ck_assert_uint_eq(json_object_array_length(lines), KILL_RECORDS + 1);
  char *seen = calloc(KILL_RECORDS + 1, 1);
  for (size_t i = 1; i < json_object_array_length(lines); i++) {
    json_object *o = json_object_array_get_idx(lines, i);
    json_object *ok;
    json_object_object_get_ex(o, "ok", &ok);
    ck_assert(json_object_get_boolean(ok));
    long line = member_int(o, "line");
    ck_assert(line >= 1 && line <= KILL_RECORDS);
    ck_assert_msg(!seen[line], "line %ld recorded ok twice", line);
    seen[line] = 1;
  }
  free(seen);
  json_object_put(lines);
  /* Every customer has its last line's value. */
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  static int last[KILL_IDS + 1];
  for (int line = 1; line <= KILL_RECORDS; line++)
    last[(line % KILL_IDS) + 1] = line;
  for (int id = 1; id <= KILL_IDS; id++)
    ck_assert_int_eq(int_now(c, id, "sms_quota"), last[id]);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

/* ---- exact resume, safe in cron (issues 12 and 14) ---- */

static int is_rest(const char *protocol) { return strcmp(protocol, "rest") == 0; }

/* Waits (bounded) until `path` holds at least `lines` lines. */
static void wait_for_lines(const char *path, size_t lines) {
  for (long waited = 0;; waited += 5) {
    ck_assert_msg(waited < 60000, "%s did not reach %zu lines in a minute", path, lines);
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    int c;
    while (f && (c = getc(f)) != EOF)
      n += c == '\n';
    if (f)
      fclose(f);
    if (n >= lines)
      return;
    usleep(5000);
  }
}

static int wait_exit(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* How many requests the server received whose body holds `value` as a whole number. */
static int requests_with_value(long value) {
  char *text = itest_slurp(refserver_capture_path(rs));
  char want[32];
  int n = snprintf(want, sizeof want, "%ld", value);
  int count = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    for (char *p = strstr(line, want); p; p = strstr(p + 1, want))
      if (!(p > line && p[-1] >= '0' && p[-1] <= '9') && !(p[n] >= '0' && p[n] <= '9')) {
        count++;
        break;
      }
  }
  free(text);
  return count;
}

/* The reproduced bug: line 1 failed, line 2 of the same id succeeded, and --resume skipped
 * line 1 for good. A clean run leaves telephone from line 1 and sms_quota from line 2. */
static void failed_then_later_ok(const char *protocol, int32_t id) {
  make_dir();
  char text[256];
  snprintf(text, sizeof text,
           "{\"id\":%d,\"sms_quota\":7,\"telephone\":\"+27 21 555 7777\"}\n"
           "{\"id\":%d,\"sms_quota\":8}\n",
           (int)id, (int)id);
  write_file(in_dir("in.jsonl"), text);
  cli_result r = RUN(protocol, "bulk", "--input", in_dir("in.jsonl"), "--results",
                     in_dir("results"), "--concurrency", "1", "--retries", "0");
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  itest_cli_free(&r);
  json_object *lines = read_results(in_dir("results"));
  int ok;
  ck_assert_str_eq(error_category(result_of(lines, 1, &ok)), "server");
  result_of(lines, 2, &ok);
  ck_assert_int_eq(ok, 1);
  json_object_put(lines);
  r = RUN(protocol, "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume", "--concurrency", "4");
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 2); /* line 1, then line 2 again */
  ck_assert_int_eq(member_int(r.json, "skipped"), 0);
  itest_cli_free(&r);
  custapi_client *c =
      itest_library_client(is_rest(protocol) ? CUSTAPI_PROTOCOL_REST : CUSTAPI_PROTOCOL_XMLRPC);
  char *tel = string_now(c, id, "telephone");
  ck_assert_str_eq(tel, "+27 21 555 7777");
  free(tel);
  ck_assert_int_eq(int_now(c, id, "sms_quota"), 8);
  custapi_client_free(c);
  /* A third run has nothing left to do. */
  size_t before = refserver_request_count(rs);
  r = RUN(protocol, "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_int_eq(r.status, 0);
  ck_assert_int_eq(member_int(r.json, "skipped"), 2);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
  remove_dir();
}

START_TEST(rest_resume_resends_a_failed_line_and_its_later_lines) {
  failed_then_later_ok("rest", 71);
}
END_TEST

START_TEST(xmlrpc_resume_resends_a_failed_line_and_its_later_lines) {
  failed_then_later_ok("xmlrpc", 72);
}
END_TEST

#define TERM_RECORDS 60
#define TERM_IDS 15

/* SIGTERM mid-run: those in flight finish and are recorded, the summary says "interrupted",
 * exit 143; --resume then sends the rest. Every record reaches the server exactly once (each
 * carries a value of its own, counted in the server's capture) and every customer ends with
 * its last line's value. */
static void sigterm_then_resume(const char *protocol, long base) {
  NEED_SERVER();
  make_dir();
  char input[128], results[128], out[128];
  snprintf(input, sizeof input, "%s", in_dir("in.jsonl"));
  snprintf(results, sizeof results, "%s", in_dir("results"));
  snprintf(out, sizeof out, "%s", in_dir("out"));
  FILE *f = fopen(input, "wb");
  for (int line = 1; line <= TERM_RECORDS; line++)
    fprintf(f, "{\"id\":%d,\"email_quota\":%ld}\n", 100 + line % TERM_IDS, base + line);
  fclose(f);
  const char *args[] = {"--url",      refserver_url(rs),
                        "--username", REFSERVER_TEST_USER,
                        "--protocol", protocol,
                        "bulk",       "--input",
                        input,        "--results",
                        results,      "--concurrency",
                        "4",          NULL,
                        NULL};
  pid_t pid = spawn_cli_to(args, out);
  wait_for_lines(results, 9); /* the header and 8 results */
  kill(pid, SIGTERM);
  ck_assert_int_eq(wait_exit(pid), 128 + SIGTERM);
  char *summary = itest_slurp(out);
  json_object *o = json_tokener_parse(summary);
  ck_assert_msg(o != NULL, "no JSON summary on stdout: %s", summary);
  json_object *v = itest_member(o, "interrupted");
  ck_assert(json_object_get_boolean(v));
  ck_assert(!json_object_get_boolean(itest_member(o, "ok")));
  long done = member_int(o, "succeeded");
  ck_assert_int_eq(member_int(o, "failed"), 0);
  ck_assert_int_eq(member_int(o, "records"), done); /* read ahead but not started: uncounted */
  ck_assert_int_lt(done, TERM_RECORDS);
  json_object_put(o);
  free(summary);
  json_object *lines = read_results(results);
  ck_assert_int_eq((long)json_object_array_length(lines), done + 1); /* each one recorded */
  json_object_put(lines);

  args[13] = "--resume";
  cli_result r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "skipped"), done);
  ck_assert_int_eq(member_int(r.json, "succeeded"), TERM_RECORDS - done);
  ck_assert(!json_object_get_boolean(itest_member(r.json, "interrupted")));
  itest_cli_free(&r);
  for (int line = 1; line <= TERM_RECORDS; line++)
    ck_assert_msg(requests_with_value(base + line) == 1, "line %d reached the server %d times",
                  line, requests_with_value(base + line));
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  for (int line = TERM_RECORDS - TERM_IDS + 1; line <= TERM_RECORDS; line++)
    ck_assert_int_eq(int_now(c, 100 + line % TERM_IDS, "email_quota"), base + line);
  custapi_client_free(c);
  remove_dir();
}

START_TEST(rest_sigterm_then_resume) { sigterm_then_resume("rest", 200000); }
END_TEST

START_TEST(xmlrpc_sigterm_then_resume) { sigterm_then_resume("xmlrpc", 300000); }
END_TEST

/* Waits (bounded) until `sig`, sent to process `pid`, is no longer pending there (taken). */
static void wait_signal_taken(pid_t pid, int sig) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  for (long waited = 0;; waited += 1) {
    ck_assert_msg(waited < 10000, "signal %d still pending after 10 s", sig);
    FILE *f = fopen(path, "r");
    if (!f)
      return; /* gone already */
    char line[256];
    unsigned long long pending = 0;
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "ShdPnd:", 7) == 0)
        pending = strtoull(line + 7, NULL, 16);
    fclose(f);
    if (!(pending & (1ull << (sig - 1))))
      return;
    usleep(1000);
  }
}

/* A second signal does not wait for those in flight: each is recorded as failed
 * ("interrupted", it may have been applied), and --resume sends them again. */
START_TEST(second_signal_ends_what_is_in_flight) {
  NEED_SERVER();
  make_dir();
  char input[128], results[128], out[128];
  snprintf(input, sizeof input, "%s", in_dir("in.jsonl"));
  snprintf(results, sizeof results, "%s", in_dir("results"));
  snprintf(out, sizeof out, "%s", in_dir("out"));
  FILE *f = fopen(input, "wb");
  for (int line = 1; line <= 40; line++)
    fprintf(f, "{\"id\":%d,\"email_quota\":%d}\n", 300 + line % 10, 400000 + line);
  fclose(f);
  const char *args[] = {"--url", refserver_url(rs), "--username", REFSERVER_TEST_USER,
                        "bulk",  "--input",         input,        "--results",
                        results, "--concurrency",   "4",          NULL,
                        NULL};
  pid_t pid = spawn_cli_to(args, out);
  wait_for_lines(results, 5);
  kill(pid, SIGTERM);
  /* Two signals pending at once are taken lowest number first (SIGINT before SIGTERM): the
   * second goes only once the first has been taken, so that it is the first's. */
  wait_signal_taken(pid, SIGTERM);
  kill(pid, SIGINT);
  ck_assert_int_eq(wait_exit(pid), 128 + SIGTERM); /* the first signal's */
  char *summary = itest_slurp(out);
  json_object *o = json_tokener_parse(summary);
  ck_assert_msg(o != NULL, "no JSON summary on stdout: %s", summary);
  ck_assert(json_object_get_boolean(itest_member(o, "interrupted")));
  ck_assert_int_ge(member_int(o, "failed"), 1);
  json_object_put(o);
  free(summary);
  char *text = itest_slurp(results);
  ck_assert_ptr_nonnull(strstr(text, "\"category\":\"transport\",\"message\":\"interrupted"));
  free(text);
  args[11] = "--resume";
  cli_result r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  itest_cli_free(&r);
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  for (int line = 31; line <= 40; line++)
    ck_assert_int_eq(int_now(c, 300 + line % 10, "email_quota"), 400000 + line);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

/* Two runs on one results file (an overlapping cron job): the second is refused at once,
 * with or without --resume, and the first finishes with each record recorded once. */
START_TEST(second_run_on_a_results_file_is_refused) {
  NEED_SERVER();
  make_dir();
  char input[128], results[128];
  snprintf(input, sizeof input, "%s", in_dir("in.jsonl"));
  snprintf(results, sizeof results, "%s", in_dir("results"));
  FILE *f = fopen(input, "wb");
  for (int line = 1; line <= 80; line++) /* 150 ms each, one at a time: 12 s */
    fprintf(f, "{\"id\":%d,\"sms_quota\":%d}\n", 200 + line, line);
  fclose(f);
  const char *args[] = {"--url", refserver_url(rs), "--username", REFSERVER_TEST_USER,
                        "bulk",  "--input",         input,        "--results",
                        results, "--concurrency",   "1",          NULL,
                        NULL};
  size_t start = refserver_request_count(rs);
  pid_t pid = spawn_cli_to(args, NULL);
  wait_for_lines(results, 2);
  for (int resume = 0; resume <= 1; resume++) {
    args[11] = resume ? "--resume" : NULL;
    cli_result r = itest_run_cli(args, key_env);
    ck_assert_msg(r.status == 2, "exit %d: %s %s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "another custapi bulk run holds the results file"));
    /* at once: no waiting for the lock */
    ck_assert_int_lt(r.elapsed_ms, getenv("CUSTAPI_UNDER_VALGRIND") ? 6000 : 3000);
    itest_cli_free(&r);
  }
  ck_assert_int_eq(wait_exit(pid), 0);
  ck_assert_uint_eq(refserver_request_count(rs), start + 80); /* the refused runs sent nothing */
  json_object *lines = read_results(results);
  ck_assert_uint_eq(json_object_array_length(lines), 81);
  json_object_put(lines);
  remove_dir();
}
END_TEST

/* Results files hold customer data: created 0600 whatever the umask; an existing file keeps
 * the mode its owner gave it. */
START_TEST(results_file_mode) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":4}\n{\"id\":2,\"sms_quota\":4}\n");
  umask(0);
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  itest_cli_free(&r);
  struct stat st;
  ck_assert_int_eq(stat(in_dir("results"), &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0600);
  ck_assert_int_eq(chmod(in_dir("results"), 0640), 0);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
  ck_assert_int_eq(stat(in_dir("results"), &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0640);
  umask(022);
  remove_dir();
}
END_TEST

/* A file that is not custapi's results is refused with --resume and left byte for byte. */
START_TEST(foreign_results_file_is_untouched) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":4}\n");
  static const char *const foreign[] = {
      "my precious notes",                   /* no line break at all: was overwritten */
      "my precious notes\nline two\n",       /* no header */
      "{\"line\":1,\"id\":1,\"ok\":true}\n", /* results lines, no header */
      "{\"custapi_bulk_results\":1,\"input_bytes\":24,\"input_hash\":\"fnv1a64:0000000000000001\"}"
      "\n"
      "{\"line\":1,\"id\":1,\"ok\":true,\"attempts\":1}\n", /* another input's */
  };
  size_t before = refserver_request_count(rs);
  for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
    write_file(in_dir("results"), foreign[i]);
    cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results",
                       in_dir("results"), "--resume");
    ck_assert_msg(r.status == 2, "case %zu: exit %d: %s %s", i, r.status, r.out, r.err);
    ck_assert_int_eq(itest_lines(r.err), 1);
    itest_cli_free(&r);
    char *now = itest_slurp(in_dir("results"));
    ck_assert_str_eq(now, foreign[i]);
    free(now);
  }
  /* A device that never ends is no results file to read back. */
  cli_result r =
      RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", "/dev/zero", "--resume");
  ck_assert_msg(r.status == 2, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "not one"));
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  remove_dir();
}
END_TEST

/* The input as its own results file: by name, through a symbolic or a hard link, and both on
 * the standard streams. Refused before anything is read, sent or written. */
START_TEST(input_as_results_is_refused) {
  make_dir();
  const char *text = "{\"id\":1,\"sms_quota\":4}\n";
  write_file(in_dir("in.jsonl"), text);
  ck_assert_int_eq(symlink(in_dir("in.jsonl"), in_dir("link")), 0);
  ck_assert_int_eq(link(in_dir("in.jsonl"), in_dir("hard")), 0);
  size_t before = refserver_request_count(rs);
  const char *names[] = {in_dir("in.jsonl"), in_dir("link"), in_dir("hard")};
  for (size_t i = 0; i < 3; i++) {
    for (int resume = 0; resume <= 1; resume++) {
      cli_result r =
          resume ? RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", names[i],
                       "--resume")
                 : RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", names[i]);
      ck_assert_msg(r.status == 2, "%s: exit %d: %s %s", names[i], r.status, r.out, r.err);
      ck_assert_ptr_nonnull(strstr(r.err, "is the input itself"));
      itest_cli_free(&r);
      char *now = itest_slurp(in_dir("in.jsonl"));
      ck_assert_str_eq(now, text);
      free(now);
    }
  }
  cli_result r = itest_run_cli_input((const char *const[]){"--url", refserver_url(rs), "--username",
                                                           REFSERVER_TEST_USER, "bulk", "--input",
                                                           "-", "--results", "-", NULL},
                                     key_env, text);
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "standard input and output"));
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  remove_dir();
}
END_TEST

/* A hand-edited results line naming line 2^34 made resume allocate 4 GB. */
START_TEST(result_line_beyond_the_input_is_refused) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":4}\n{\"id\":2,\"sms_quota\":4}\n");
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
  FILE *f = fopen(in_dir("results"), "ab");
  fputs("{\"line\":17179869184,\"id\":1,\"ok\":true,\"attempts\":1}\n", f);
  fclose(f);
  char *was = itest_slurp(in_dir("results"));
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_msg(r.status == 2, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "input line 17179869184 is beyond the input's 2 lines"));
  itest_cli_free(&r);
  char *now = itest_slurp(in_dir("results"));
  ck_assert_str_eq(now, was);
  free(now);
  free(was);
  remove_dir();
}
END_TEST

/* {"id":1,"id":2} updated customer 2: now that line fails as invalid, and the rest carry on. */
START_TEST(repeated_key_is_a_bad_record) {
  make_dir();
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  long two_before = int_now(c, 52, "sms_quota");
  write_file(in_dir("in.jsonl"), "{\"id\":51,\"id\":52,\"sms_quota\":44}\n"
                                 "{\"id\":53,\"sms_quota\":45}\n");
  cli_result r =
      RUN("xmlrpc", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "line 1: the key \"id\" appears more than once"));
  itest_cli_free(&r);
  json_object *lines = read_results(in_dir("results"));
  int ok;
  json_object *o = result_of(lines, 1, &ok);
  ck_assert_str_eq(error_category(o), "invalid");
  ck_assert_int_eq(member_int(o, "attempts"), 0);
  result_of(lines, 2, &ok);
  ck_assert_int_eq(ok, 1);
  json_object_put(lines);
  ck_assert_int_eq(int_now(c, 52, "sms_quota"), two_before);
  ck_assert_int_eq(int_now(c, 53, "sms_quota"), 45);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

/* --results -: the results lines on stdout (the header first), the summary on stderr only. */
START_TEST(results_to_standard_output) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":61,\"sms_quota\":4}\n{\"id\":62,\"status\":\"maybe\"}\n");
  char cwd[4096];
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
  ck_assert_int_eq(chdir(dir), 0); /* where a file named "-" would appear */
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", "-");
  ck_assert_int_eq(chdir(cwd), 0);
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  const char *header = "{\"custapi_bulk_results\":1,\"input_bytes\":51,";
  ck_assert_msg(strncmp(r.out, header, strlen(header)) == 0, "%s", r.out);
  ck_assert_uint_eq(itest_lines(r.out), 3);
  ck_assert_ptr_nonnull(
      strstr(r.out, "\n{\"line\":1,\"id\":61,\"ok\":true,\"attempts\":1,\"at\":\""));
  ck_assert_ptr_nonnull(strstr(r.out, "{\"line\":2,\"id\":62,\"ok\":false,"));
  ck_assert_ptr_null(strstr(r.out, "\"succeeded\""));
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: bulk: 2 records: 1 succeeded, 1 failed"));
  itest_cli_free(&r);
  struct stat st;
  ck_assert_int_ne(stat(in_dir("-"), &st), 0); /* no file named "-" */
  /* Saved, it is a results file like any other: --resume takes it. */
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", "-");
  write_file(in_dir("results"), r.out);
  itest_cli_free(&r);
  size_t before = refserver_request_count(rs);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--resume");
  ck_assert_int_eq(r.status, 10);
  ck_assert_int_eq(member_int(r.json, "skipped"), 1);
  ck_assert_uint_eq(refserver_request_count(rs), before); /* the bad record is refused again */
  itest_cli_free(&r);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", "-", "--resume");
  ck_assert_int_eq(r.status, 2);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* Without --results, failures past the 20th are counted, and the message says how to keep
 * every one: never that they are in a file. */
START_TEST(many_failures_without_results) {
  make_dir();
  char text[4096] = "";
  for (int i = 1; i <= 25; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "{\"id\":%d,\"status\":\"maybe\"}\n",
             i);
  write_file(in_dir("in.jsonl"), text);
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"));
  ck_assert_int_eq(r.status, 10);
  ck_assert_uint_eq(itest_lines(r.err), 21); /* 20 failures and the summary line */
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: line 20: "));
  ck_assert_ptr_null(strstr(r.err, "custapi: line 21: "));
  ck_assert_ptr_nonnull(strstr(r.err, "5 more failures not shown: --results FILE keeps every one"));
  ck_assert_ptr_null(strstr(r.err, "results file"));
  itest_cli_free(&r);
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"));
  ck_assert_ptr_nonnull(strstr(r.err, "every failure is in the results file"));
  itest_cli_free(&r);
  /* -q: nothing on stderr at all, for failures of records; the error that ends a command is
   * still said. */
  r = RUN("rest", "-q", "bulk", "--input", in_dir("in.jsonl"));
  ck_assert_int_eq(r.status, 10);
  ck_assert_str_eq(r.err, "");
  ck_assert_int_eq(member_int(r.json, "failed"), 25);
  itest_cli_free(&r);
  r = RUN("rest", "--quiet", "bulk", "--input", in_dir("nope.jsonl"));
  ck_assert_int_eq(r.status, 3);
  ck_assert_uint_eq(itest_lines(r.err), 1);
  itest_cli_free(&r);
  r = RUN("rest", "-q", "-v", "bulk", "--input", in_dir("in.jsonl"));
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "contradict"));
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* CSV on standard input: recognised from its header without --format; refused (exit 3, nothing
 * sent) with the hint when its first line is neither a JSON object nor a CSV header with id. */
START_TEST(csv_on_standard_input) {
  const char *const args[] = {"--url", refserver_url(rs), "--username", REFSERVER_TEST_USER,
                              "bulk",  "--input",         "-",          NULL};
  cli_result r =
      itest_run_cli_input(args, key_env, "\xEF\xBB\xBFid,sms_quota\r\n63,41\r\n64,42\r\n");
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(member_int(r.json, "succeeded"), 2);
  itest_cli_free(&r);
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  ck_assert_int_eq(int_now(c, 64, "sms_quota"), 42);
  custapi_client_free(c);
  /* JSON Lines still reads as before, blank lines first included. */
  r = itest_run_cli_input(args, key_env, "\n{\"id\":65,\"sms_quota\":43}\n");
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  itest_cli_free(&r);
  size_t before = refserver_request_count(rs);
  r = itest_run_cli_input(args, key_env, "ID;sms_quota\n63;1\n");
  ck_assert_int_eq(r.status, 3);
  ck_assert_str_eq(itest_error_category(&r), "invalid");
  ck_assert_ptr_nonnull(strstr(r.err, "--format csv"));
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
}
END_TEST

/* ---- the library: custapi_bulk_run with its callback ---- */

typedef struct seen_outcomes {
  int count, ok, failed, max_line;
  int not_found_line;
  long late; /* completions at least 900 ms after the start */
  uint64_t start;
  int ticks;
} seen_outcomes;

static int on_done(const custapi_bulk_outcome *o, void *payload) {
  seen_outcomes *s = payload;
  s->count++;
  if (o->status == 0) {
    s->ok++;
    ck_assert_ptr_nonnull(o->result);
    ck_assert_ptr_null(o->error);
  } else {
    s->failed++;
    ck_assert_ptr_nonnull(o->error);
    if (o->status == CUSTAPI_ENOTFOUND)
      s->not_found_line = (int)o->line;
  }
  if (itest_now_ms() - (long)s->start >= 900)
    s->late++;
  return 0;
}

static void on_tick(const custapi_bulk_summary *so_far, void *payload) {
  seen_outcomes *s = payload;
  ck_assert_int_le(so_far->in_flight, 3);
  s->ticks++;
}

static int skip_line_two(long line, int32_t id, void *payload) {
  (void)id;
  (void)payload;
  return line == 2;
}

START_TEST(library_callback) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  const char *text = "{\"id\":30,\"sms_quota\":1}\n{\"id\":31,\"sms_quota\":1}\n"
                     "{\"id\":30,\"sms_quota\":2}\n{\"id\":98765,\"sms_quota\":1}\n"
                     "{\"id\":32,\"status\":\"gone\"}\n";
  FILE *in = fmemopen((void *)text, strlen(text), "r");
  seen_outcomes s = {0};
  s.start = (uint64_t)itest_now_ms();
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.concurrency = 3;
  o.done = on_done;
  o.done_payload = &s;
  o.tick = on_tick;
  o.tick_payload = &s;
  o.skip = skip_line_two;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), CUSTAPI_EPARTIAL);
  fclose(in);
  ck_assert_int_eq(sum.records, 5);
  ck_assert_int_eq(sum.succeeded, 2);
  ck_assert_int_eq(sum.failed, 2);
  ck_assert_int_eq(sum.skipped, 1);
  ck_assert_int_eq(sum.in_flight, 0);
  ck_assert_int_eq(s.count, 4);
  ck_assert_int_eq(s.not_found_line, 4);
  ck_assert_int_gt(s.ticks, 0);
  ck_assert_int_eq(custapi_client_last_error(c)->category, CUSTAPI_CATEGORY_PARTIAL);
  ck_assert_int_eq(int_now(c, 30, "sms_quota"), 2);
  /* fill-required is refused before anything is read. */
  o.mode = CUSTAPI_VALIDATE_FILL_REQUIRED;
  in = fmemopen((void *)text, strlen(text), "r");
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), CUSTAPI_EUSAGE);
  fclose(in);
  ck_assert_int_eq(custapi_bulk_format_for("x.CSV"), CUSTAPI_BULK_CSV);
  ck_assert_int_eq(custapi_bulk_format_for("x.jsonl"), CUSTAPI_BULK_JSONL);
  custapi_client_free(c);
}
END_TEST

/* Counts outcomes that carry the returned customer. */
static int count_customers(const custapi_bulk_outcome *o, void *payload) {
  if (o->result && custapi_result_customer(o->result))
    (*(int *)payload)++;
  return 0;
}

START_TEST(no_customers_flag_drops_the_returned_customer) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  const char *text = "{\"id\":33,\"sms_quota\":1}\n{\"id\":34,\"sms_quota\":2}\n";
  int with = 0, without = 0;
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.done = count_customers;
  o.done_payload = &with;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  FILE *in = fmemopen((void *)text, strlen(text), "r");
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
  fclose(in);
  ck_assert_int_eq(with, 2);
  o.flags = CUSTAPI_BULK_NO_CUSTOMERS;
  o.done_payload = &without;
  in = fmemopen((void *)text, strlen(text), "r");
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
  fclose(in);
  ck_assert_int_eq(sum.succeeded, 2);
  ck_assert_int_eq(without, 0);
  ck_assert_int_eq(int_now(c, 34, "sms_quota"), 2);
  custapi_client_free(c);
}
END_TEST

static int stop_at_once(const custapi_bulk_outcome *o, void *payload) {
  (void)o;
  (*(int *)payload)++;
  return CUSTAPI_ETRANSPORT;
}

/* A done callback that returns a status stops the run: nothing more starts, what is in flight
 * finishes and is reported, and the run returns that status. */
START_TEST(callback_stops_the_run) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  char text[4096] = "";
  for (int i = 1; i <= 100; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "{\"id\":%d,\"sms_quota\":3}\n", i);
  FILE *in = fmemopen(text, strlen(text), "r");
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.concurrency = 4;
  int reported = 0;
  o.done = stop_at_once;
  o.done_payload = &reported;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), CUSTAPI_ETRANSPORT);
  fclose(in);
  ck_assert_int_eq(sum.in_flight, 0);
  ck_assert_int_ge(reported, 1);
  ck_assert_int_le(reported, 4); /* those in flight when it stopped */
  ck_assert_int_eq(reported, sum.succeeded + sum.failed);
  ck_assert_int_lt(sum.records, 100);
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "stopped by the caller"));
  custapi_client_free(c);
  /* The command stops the same way when the results file can't be written. */
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":1}\n");
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", "/dev/full");
  ck_assert_int_eq(r.status, 11);
  ck_assert_ptr_nonnull(strstr(r.err, "can't write the results file"));
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* The results file fills up in the middle of a run (a file size limit lets its header and a
 * few dozen lines in): the lines held for a turn can't be written, the command says so naming
 * the file, starts nothing more and ends with exit 11, and a resume finishes the run. */
START_TEST(results_that_stop_fitting_mid_run_end_the_run) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  make_dir();
  char text[100 * 40] = "";
  for (int i = 1; i <= 100; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "{\"id\":%d,\"sms_quota\":%d}\n",
             i, 7000 + i);
  write_file(in_dir("in.jsonl"), text);
  itest_fsize_limit = 2048; /* the stderr file too: its few lines fit */
  cli_result r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results",
                     in_dir("results.jsonl"), "--concurrency", "4");
  itest_fsize_limit = 0;
  ck_assert_msg(r.status == 11, "exit %d: %s", r.status, r.err);
  ck_assert_msg(strstr(r.err, "can't write the results file") && strstr(r.err, "results.jsonl") &&
                    strstr(r.err, "File too large"),
                "%s", r.err);
  itest_cli_free(&r);
  /* Nothing more was started once it failed: far from all 100 updates went out. */
  int applied = 0;
  for (int i = 1; i <= 100; i++)
    applied += int_now(c, i, "sms_quota") == 7000 + i;
  ck_assert_msg(applied > 0 && applied < 80, "%d of 100 applied", applied);
  /* The resume sends the rest: every record ends applied. */
  r = RUN("rest", "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results.jsonl"),
          "--resume");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  itest_cli_free(&r);
  for (int i = 1; i <= 100; i++)
    ck_assert_int_eq(int_now(c, i, "sms_quota"), 7000 + i);
  custapi_client_free(c);
  remove_dir();
}
END_TEST

static int count_ok(const custapi_bulk_outcome *o, void *payload) {
  ck_assert_int_eq(o->status, 0);
  (*(int *)payload)++;
  return 0;
}

static int stop_after_one(void *payload) {
  return *(int *)payload >= 1 ? CUSTAPI_BULK_STOP : CUSTAPI_BULK_GO_ON;
}

/* The stop callback: nothing more is read or started, what is in flight finishes and is
 * reported, and the counts leave out what was read ahead but never started. Options of version
 * 2 have no stop field: it is not read. */
START_TEST(stop_callback_stops_taking_records) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  char text[4096] = "";
  for (int i = 1; i <= 100; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "{\"id\":%d,\"sms_quota\":5}\n", i);
  for (unsigned version = 2; version <= 3; version++) {
    FILE *in = fmemopen(text, strlen(text), "r");
    custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
    o.version = version;
    o.concurrency = 4;
    int reported = 0;
    o.done = count_ok;
    o.done_payload = &reported;
    o.stop = stop_after_one;
    o.stop_payload = &reported;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
    fclose(in);
    ck_assert_int_eq(sum.in_flight, 0);
    ck_assert_int_eq(reported, sum.succeeded);
    ck_assert_int_eq(sum.records, sum.succeeded);
    if (version == 2) {
      ck_assert_int_eq(sum.records, 100);
    } else {
      ck_assert_int_ge(sum.records, 1);
      ck_assert_int_le(sum.records, 8); /* the first turns' worth, not the input */
    }
  }
  custapi_client_free(c);
}
END_TEST

static int count_done(const custapi_bulk_outcome *o, void *payload) {
  int *n = payload;
  ck_assert(o->status == 0 || o->status == CUSTAPI_EINTERNAL || o->status == CUSTAPI_ENOTFOUND);
  (*n)++;
  return 0;
}

/* Each allocation of a run fails in turn: every failure is reported as internal (for the run or
 * for a record), nothing crashes, and (under valgrind or ASan) nothing leaks. */
START_TEST(allocation_failures) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  const char *text = "{\"id\":40,\"sms_quota\":1}\n{\"id\":41,\"sms_quota\":1}\n"
                     "{\"id\":40,\"sms_quota\":2}\n{\"id\":77777,\"sms_quota\":1}\n";
  for (long n = 0;; n++) {
    ck_assert_msg(n < 2000, "still failing after 2000 allocations");
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
    o.concurrency = 2;
    int reported = 0;
    o.done = count_done;
    o.done_payload = &reported;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    custapi__alloc_fail_after(n);
    int rc = custapi_bulk_run(&sum, c, in, &o);
    long made = custapi__alloc_fail_after(-1);
    fclose(in);
    ck_assert_int_eq(sum.in_flight, 0);
    ck_assert_int_eq(reported, sum.succeeded + sum.failed);
    if (made <= n) { /* nothing failed: the whole run went through */
      ck_assert_int_eq(rc, CUSTAPI_EPARTIAL);
      ck_assert_int_eq(sum.succeeded, 3);
      ck_assert_int_gt(n, 20); /* the sweep did go through the run's allocations */
      break;
    }
    ck_assert_msg(rc == CUSTAPI_EINTERNAL || rc == CUSTAPI_EPARTIAL, "allocation %ld: %d", n + 1,
                  rc);
  }
  custapi_client_free(c);
}
END_TEST

/* A 429 (Retry-After: 1) to the first request holds every slot, not just its own. */
START_TEST(rate_limit_holds_every_slot) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  const char *text = "{\"id\":1,\"sms_quota\":1}\n{\"id\":2,\"sms_quota\":1}\n"
                     "{\"id\":3,\"sms_quota\":1}\n{\"id\":4,\"sms_quota\":1}\n"
                     "{\"id\":5,\"sms_quota\":1}\n{\"id\":6,\"sms_quota\":1}\n"
                     "{\"id\":7,\"sms_quota\":1}\n{\"id\":8,\"sms_quota\":1}\n";
  FILE *in = fmemopen((void *)text, strlen(text), "r");
  seen_outcomes s = {0};
  s.start = (uint64_t)itest_now_ms();
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.concurrency = 2;
  o.done = on_done;
  o.done_payload = &s;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
  fclose(in);
  ck_assert_int_eq(s.ok, 8);
  /* Without the hold, only the one that got the 429 would wait its second; with it, only the
   * record in flight beside it (and, on a slow machine, one or two that overtook the 429's
   * answer) finish early. */
  ck_assert_int_ge(s.late, 5);
  custapi_client_free(c);
}
END_TEST

static Suite *bulk_suite(void) {
  Suite *s = suite_create("bulk");
  TCase *t = itest_tcase(s, "plain", up_plain, down_plain);
  tcase_add_test(t, results_file_shape);
  tcase_add_test(t, last_line_of_an_id_wins);
  tcase_add_test(t, csv_edge_cases);
  tcase_add_test(t, bad_records_skipped);
  tcase_add_test(t, usage_refusals);
  tcase_add_test(t, library_callback);
  tcase_add_test(t, no_customers_flag_drops_the_returned_customer);
  tcase_add_test(t, allocation_failures);
  tcase_add_test(t, callback_stops_the_run);
  tcase_add_test(t, results_that_stop_fitting_mid_run_end_the_run);
  tcase_add_test(t, stop_callback_stops_taking_records);
  tcase_add_test(t, results_file_mode);
  tcase_add_test(t, foreign_results_file_is_untouched);
  tcase_add_test(t, input_as_results_is_refused);
  tcase_add_test(t, result_line_beyond_the_input_is_refused);
  tcase_add_test(t, repeated_key_is_a_bad_record);
  tcase_add_test(t, results_to_standard_output);
  tcase_add_test(t, many_failures_without_results);
  tcase_add_test(t, csv_on_standard_input);
  t = itest_tcase(s, "rest_first_fails", up_first_fails, down_first_fails);
  tcase_add_test(t, rest_resume_resends_a_failed_line_and_its_later_lines);
  t = itest_tcase(s, "xmlrpc_first_fails", up_first_fails, down_first_fails);
  tcase_add_test(t, xmlrpc_resume_resends_a_failed_line_and_its_later_lines);
  t = itest_tcase(s, "stop", up_delayed, down_delayed);
  tcase_add_test(t, rest_sigterm_then_resume);
  tcase_add_test(t, xmlrpc_sigterm_then_resume);
  tcase_add_test(t, second_run_on_a_results_file_is_refused);
  tcase_add_test(t, second_signal_ends_what_is_in_flight);
  t = itest_tcase(s, "rest_faults", up_f503, down_f503);
  tcase_add_test(t, rest_with_faults);
  t = itest_tcase(s, "xmlrpc_faults", up_f503, down_f503);
  tcase_add_test(t, xmlrpc_with_faults);
  t = itest_tcase(s, "rate_limit", up_f429, down_f429);
  tcase_add_test(t, rate_limit_holds_every_slot);
  t = itest_tcase(s, "kill", up_slow, down_slow);
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 900 : 240);
  tcase_add_test(t, resume_after_kill);
  return s;
}

int main(void) { return itest_main(bulk_suite); }
