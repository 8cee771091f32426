/*
 * Out of memory, against the reference server: every allocation of the project's own code
 * fails in turn (custapi__alloc_fail_after) on each public path of the library (a client, an
 * update in both modes, a read, a dry run, a probe, a comparison, a bulk run, a resumable bulk
 * run with its results file, records and the JSON of results, outcomes and errors) and of the
 * command (update, get, compare, probe, bulk), over both protocols. Each failure must end as
 * `internal` with the message "out of memory" (exit 11 for the command), and everything must be
 * freed: valgrind and ASan run this suite too. libcurl, json-c and xmlrpc-c allocate outside the
 * hook; only our allocations fail.
 *
 * A call that succeeds although one of its allocations failed is a bug too (a failure swallowed
 * somewhere), so success is accepted only once the countdown outlasts the whole call.
 */
#include <stdint.h>

#include "itest.h"

#include "alloc.h"
#include "cli.h"
#include "commands.h"
#include "custapi/custapi.h"
#include "error.h"
#include "jsonc_fail.h"
#include "output.h"

SERVER_FIXTURE(plain, NULL)

/* More than any path here allocates; a sweep that reaches it has not found its end. */
#define SWEEP_MAX 2000

/* One path under test: does everything from scratch, frees everything, and on failure leaves
 * the error in *err. `n` varies the data so that each iteration really writes. */
typedef int (*oom_path)(custapi_protocol protocol, long n, custapi_error *err);

static const char *protocol_word(custapi_protocol p) { return custapi_protocol_name(p); }

/*
 * Runs `path` with allocation 0, 1, 2, ... failing until it succeeds with no allocation failed.
 * Returns how many allocations the successful run made.
 */
static long sweep(const char *what, oom_path path, custapi_protocol protocol) {
  NEED_SERVER();
  for (long n = 0; n < SWEEP_MAX; n++) {
    custapi_error err = {0};
    custapi__alloc_fail_after(n);
    int rc = path(protocol, n, &err);
    long made = custapi__alloc_fail_after(-1);
    if (rc == 0) {
      ck_assert_msg(made <= n,
                    "%s over %s: succeeded although allocation %ld of its %ld failed", what,
                    protocol_word(protocol), n + 1, made);
      ck_assert_msg(n > 0, "%s over %s: made no allocation at all", what, protocol_word(protocol));
      return made;
    }
    ck_assert_msg(rc == CUSTAPI_EINTERNAL && err.category == CUSTAPI_CATEGORY_INTERNAL &&
                      strcmp(err.message, "out of memory") == 0,
                  "%s over %s, allocation %ld failing: status %d, %s: %s", what,
                  protocol_word(protocol), n + 1, rc, custapi_category_name(err.category),
                  err.message);
  }
  ck_abort_msg("%s over %s: still failing after %d allocations", what, protocol_word(protocol),
               SWEEP_MAX);
  return -1;
}

/* ---- building blocks: each returns a status and fills *err ---- */

static int new_client(custapi_client **out, custapi_protocol protocol, custapi_error *err) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = refserver_url(rs);
  o.protocol = protocol;
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  return custapi_client_new(out, &o, err);
}

/* {"sms_quota": n % 50} */
static int quota_properties(custapi_customer **out, long n, custapi_error *err) {
  int rc = custapi_customer_new(out, 0);
  if (rc < 0)
    return custapi__error_copy(err, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL,
                                                     .message = "out of memory"});
  return custapi_customer_set_int(*out, "sms_quota", n % 50, err);
}

/* The client's error into *err; returns rc. */
static int client_failed(custapi_client *c, int rc, custapi_error *err) {
  *err = *custapi_client_last_error(c);
  ck_assert_int_eq(rc, custapi__status_of(err->category));
  return rc;
}

/* ---- the library's paths ---- */

static int client_only(custapi_protocol protocol, long n, custapi_error *err) {
  (void)n;
  custapi_client *c;
  int rc = new_client(&c, protocol, err);
  if (rc == 0) {
    ck_assert_ptr_nonnull(c);
    custapi_client_free(c);
  } else {
    ck_assert_ptr_null(c);
  }
  return rc;
}

static int update_with(custapi_protocol protocol, long n, custapi_validate_mode mode,
                       custapi_error *err) {
  custapi_client *c = NULL;
  custapi_customer *p = NULL;
  custapi_result *r = NULL;
  int rc = new_client(&c, protocol, err);
  if (rc == 0)
    rc = quota_properties(&p, n, err);
  if (rc == 0 && (rc = custapi_update(&r, c, 11, p, mode)) < 0) {
    ck_assert_ptr_null(r);
    client_failed(c, rc, err);
  }
  if (rc == 0) {
    ck_assert_str_eq(custapi_result_protocol(r), protocol_word(protocol));
    int64_t value;
    if (protocol == CUSTAPI_PROTOCOL_REST) {
      const custapi_field *f = custapi_customer_get(custapi_result_customer(r), "sms_quota");
      ck_assert_ptr_nonnull(f);
      ck_assert_int_eq(f->integer, n % 50);
    } else {
      ck_assert(custapi_result_value(&value, r));
      ck_assert_int_eq(value, 11);
    }
  }
  custapi_result_free(r);
  custapi_customer_free(p);
  custapi_client_free(c);
  return rc;
}

static int update_partial(custapi_protocol protocol, long n, custapi_error *err) {
  return update_with(protocol, n, CUSTAPI_VALIDATE_PARTIAL, err);
}

static int update_fill_required(custapi_protocol protocol, long n, custapi_error *err) {
  return update_with(protocol, n, CUSTAPI_VALIDATE_FILL_REQUIRED, err);
}

static int get(custapi_protocol protocol, long n, custapi_error *err) {
  (void)n;
  custapi_client *c = NULL;
  custapi_result *r = NULL;
  int rc = new_client(&c, protocol, err);
  if (rc == 0 && (rc = custapi_get(&r, c, 12)) < 0) {
    ck_assert_ptr_null(r);
    client_failed(c, rc, err);
  }
  if (rc == 0) {
    const custapi_field *f = custapi_customer_get(custapi_result_customer(r), "email");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->string, "customer12@example.com");
  }
  custapi_result_free(r);
  custapi_client_free(c);
  return rc;
}

static int dry_run_with(custapi_protocol protocol, long n, custapi_validate_mode mode,
                        custapi_error *err) {
  custapi_client *c = NULL;
  custapi_customer *p = NULL;
  char *text = NULL;
  int rc = new_client(&c, protocol, err);
  if (rc == 0)
    rc = quota_properties(&p, n, err);
  if (rc == 0 && (rc = custapi_update_dry_run(&text, c, 13, p, mode)) < 0) {
    ck_assert_ptr_null(text);
    client_failed(c, rc, err);
  }
  if (rc == 0)
    ck_assert_ptr_nonnull(strstr(text, "Authorization: Basic [redacted]"));
  custapi_free(text);
  custapi_customer_free(p);
  custapi_client_free(c);
  return rc;
}

static int dry_run_partial(custapi_protocol protocol, long n, custapi_error *err) {
  return dry_run_with(protocol, n, CUSTAPI_VALIDATE_PARTIAL, err);
}

static int dry_run_fill_required(custapi_protocol protocol, long n, custapi_error *err) {
  return dry_run_with(protocol, n, CUSTAPI_VALIDATE_FILL_REQUIRED, err);
}

static int probe(custapi_protocol protocol, long n, custapi_error *err) {
  (void)n;
  custapi_client *c = NULL;
  custapi_probe *p = NULL;
  int rc = new_client(&c, protocol, err);
  if (rc == 0 && (rc = custapi_probe_run(&p, c)) < 0) {
    client_failed(c, rc, err);
    /* the report, when there is one, says the same */
    if (p) {
      ck_assert(!custapi_probe_usable(p));
      ck_assert_ptr_nonnull(custapi_probe_error(p));
      ck_assert_int_eq(custapi_probe_error(p)->category, CUSTAPI_CATEGORY_INTERNAL);
    }
  }
  if (rc == 0) {
    ck_assert(custapi_probe_usable(p));
    if (protocol == CUSTAPI_PROTOCOL_XMLRPC)
      ck_assert_int_eq(custapi_probe_prefix_matches(p), 1);
  }
  custapi_probe_free(p);
  custapi_client_free(c);
  return rc;
}

static int compare(custapi_protocol protocol, long n, custapi_error *err) {
  (void)protocol;
  custapi_client *rest = NULL, *xmlrpc = NULL;
  custapi_customer *p = NULL;
  custapi_compare *cmp = NULL;
  int rc = new_client(&rest, CUSTAPI_PROTOCOL_REST, err);
  if (rc == 0)
    rc = new_client(&xmlrpc, CUSTAPI_PROTOCOL_XMLRPC, err);
  if (rc == 0)
    rc = quota_properties(&p, n, err);
  if (rc == 0 && (rc = custapi_compare_run(&cmp, rest, xmlrpc, 14, p, CUSTAPI_VALIDATE_PARTIAL,
                                           err)) < 0)
    ck_assert_ptr_null(cmp);
  char *json = NULL;
  if (rc == 0 && custapi_compare_to_json(&json, cmp) < 0)
    rc = custapi__error_copy(err, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL,
                                                   .message = "out of memory"});
  if (rc == 0) {
    /* a verdict stands on every call having run: no read-back may be missing */
    ck_assert_msg(custapi_compare_agree(cmp), "%s", json);
    ck_assert_uint_eq(custapi_compare_difference_count(cmp), 0);
    for (int p2 = 0; p2 < 2; p2++) {
      ck_assert_ptr_nonnull(custapi_compare_update_result(cmp, (custapi_protocol)p2));
      for (int stage = 0; stage < 2; stage++)
        ck_assert_ptr_nonnull(
            custapi_compare_read_back(cmp, (custapi_compare_stage)stage, (custapi_protocol)p2));
    }
  }
  custapi_free(json);
  custapi_compare_free(cmp);
  custapi_customer_free(p);
  custapi_client_free(xmlrpc);
  custapi_client_free(rest);
  return rc;
}

/* Counts what the bulk run reported, so that a success is a success of every record. */
static int count_ok(const custapi_bulk_outcome *o, void *payload) {
  if (o->status == 0)
    ++*(int *)payload;
  return 0;
}

static int bulk(custapi_protocol protocol, long n, custapi_error *err) {
  char jsonl[256];
  snprintf(jsonl, sizeof jsonl,
           "{\"id\":15,\"sms_quota\":%ld}\n{\"id\":16,\"email_quota\":%ld}\n"
           "{\"id\":15,\"sms_quota\":%ld}\n",
           n % 50, n, (n + 1) % 50);
  FILE *input = fmemopen(jsonl, strlen(jsonl), "r");
  ck_assert_ptr_nonnull(input);
  custapi_client *c = NULL;
  int ok = 0;
  int rc = new_client(&c, protocol, err);
  if (rc == 0) {
    custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
    o.concurrency = 2;
    o.done = count_ok;
    o.done_payload = &ok;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    if ((rc = custapi_bulk_run(&sum, c, input, &o)) < 0)
      client_failed(c, rc, err);
    else
      ck_assert_int_eq(sum.succeeded, 3);
  }
  if (rc == 0)
    ck_assert_int_eq(ok, 3);
  fclose(input);
  custapi_client_free(c);
  return rc;
}

/* ---- a resumable bulk run through the public API (custapi_bulk_input/results_*) ---- */

static char bulk_input[64] = "/tmp/custapi-oom-bulk-XXXXXX.jsonl";
static char api_results[64] = "/tmp/custapi-oom-api-results-XXXXXX";

typedef struct resumable_run {
  custapi_bulk_results *results;
  custapi_error write_err;
  int ok;
} resumable_run;

static int write_outcome(const custapi_bulk_outcome *o, void *payload) {
  resumable_run *r = payload;
  r->ok += o->status == 0;
  char *text = NULL;
  if (o->result && custapi_result_to_json(&text, o->result) < 0)
    return custapi__error_oom(&r->write_err);
  custapi_free(text);
  return custapi_bulk_results_write(r->results, o, &r->write_err);
}

/* One run of the command's bulk input with api_results; *skipped gets what it skipped. */
static int resumable_once(custapi_client *c, unsigned flags, long *skipped, custapi_error *err) {
  custapi_bulk_input *in = NULL;
  resumable_run r = {NULL, {0}, 0};
  int rc = custapi_bulk_input_open(&in, bulk_input, NULL, err);
  if (rc == 0)
    rc = custapi_bulk_results_open(&r.results, api_results, in, flags, err);
  if (rc == 0) {
    custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
    o.done = write_outcome;
    o.done_payload = &r;
    o.skip = custapi_bulk_results_skip;
    o.skip_payload = r.results;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    rc = custapi_bulk_run(&sum, c, custapi_bulk_input_stream(in), &o);
    if (rc < 0 && r.write_err.category)
      *err = r.write_err;
    else if (rc < 0)
      client_failed(c, rc, err);
    else
      ck_assert_int_eq(r.ok + sum.skipped, 3);
    *skipped = sum.skipped;
  }
  custapi_bulk_results_free(r.results);
  custapi_bulk_input_free(in);
  return rc;
}

/* A fresh run, then a resume that finds every record done; and the records and JSON calls. */
static int bulk_resumable(custapi_protocol protocol, long n, custapi_error *err) {
  (void)n;
  unlink(api_results);
  custapi_client *c = NULL;
  long skipped = -1;
  int rc = new_client(&c, protocol, err);
  if (rc == 0)
    rc = resumable_once(c, 0, &skipped, err);
  if (rc == 0 && (rc = resumable_once(c, CUSTAPI_BULK_RESULTS_RESUME, &skipped, err)) == 0)
    ck_assert_int_eq(skipped, 3);
  custapi_client_free(c);
  FILE *f = rc == 0 ? fopen(bulk_input, "rb") : NULL;
  custapi_records *records = NULL;
  if (f && (rc = custapi_records_open(&records, f, CUSTAPI_BULK_JSONL, 0, err)) == 0) {
    custapi_customer *props;
    int got;
    while ((got = custapi_records_next(&props, records, err)) > 0)
      custapi_customer_free(props);
    if (got < 0) { /* a record of this input can only fail for want of memory */
      ck_assert(custapi_records_failed(records));
      rc = got;
    }
  }
  custapi_records_free(records);
  if (f)
    fclose(f);
  char *text = NULL;
  custapi_bulk_outcome o = {1, 31, 0, 1, 200, 1, NULL, NULL, 0};
  if (rc == 0 && (rc = custapi_bulk_outcome_to_json(&text, &o)) < 0)
    custapi__error_oom(err);
  custapi_free(text);
  text = NULL;
  if (rc == 0 && (rc = custapi_error_to_json(&text, err)) < 0)
    custapi__error_oom(err);
  custapi_free(text);
  return rc;
}

#define SWEEP_TEST(name, path)                                                                   \
  START_TEST(name##_rest) { sweep(#name, path, CUSTAPI_PROTOCOL_REST); }                         \
  END_TEST                                                                                       \
  START_TEST(name##_xmlrpc) { sweep(#name, path, CUSTAPI_PROTOCOL_XMLRPC); }                     \
  END_TEST

SWEEP_TEST(client_new, client_only)
SWEEP_TEST(update, update_partial)
SWEEP_TEST(update_fill_required, update_fill_required)
SWEEP_TEST(get, get)
SWEEP_TEST(dry_run, dry_run_partial)
SWEEP_TEST(dry_run_fill_required, dry_run_fill_required)
SWEEP_TEST(probe, probe)
SWEEP_TEST(bulk_resumable, bulk_resumable)
SWEEP_TEST(bulk, bulk)

START_TEST(compare_both) { sweep("compare", compare, CUSTAPI_PROTOCOL_REST); }
END_TEST

/* ---- the command, in this process (the hook is a global of this process) ---- */

/* Runs `custapi ARGS` the way main() does: parse, then the command; returns the exit code and
 * what went to stdout and stderr (malloc'ed). */
static int run_command(cli_command_fn command, const char *const *words, char **out,
                       char **errtext) {
  char *argv[32];
  int argc = 0;
  for (; words[argc]; argc++)
    argv[argc] = (char *)words[argc];
  argv[argc] = NULL;
  char out_path[] = "/tmp/custapi-oom-out-XXXXXX", err_path[] = "/tmp/custapi-oom-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  ck_assert_int_ge(out_fd, 0);
  ck_assert_int_ge(err_fd, 0);
  fflush(stdout);
  fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  dup2(out_fd, 1);
  dup2(err_fd, 2);

  cli_args args;
  custapi_error err = {0};
  int code;
  int rc = cli_args_parse(&args, argc, argv, &err);
  if (rc < 0)
    code = cli_fail(NULL, &err);
  else
    code = command(&args);
  cli_args_release(&args);
  if (cli_output_failed()) /* as main() does */
    code = CUSTAPI_CATEGORY_INTERNAL;

  fflush(stdout);
  fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  close(out_fd);
  close(err_fd);
  *out = itest_slurp(out_path);
  *errtext = itest_slurp(err_path);
  unlink(out_path);
  unlink(err_path);
  return code;
}

typedef struct command_case {
  const char *name;
  cli_command_fn command;
  const char *words[16]; /* after "custapi --url URL --username demo" */
} command_case;

static const command_case command_cases[] = {
    {"update", cli_cmd_update, {"update", "--id", "21", "sms_quota=3"}},
    {"update --fill-required", cli_cmd_update, {"update", "--fill-required", "--id", "22",
                                               "sms_quota=4"}},
    {"update --read-back", cli_cmd_update, {"update", "--read-back", "--id", "23", "sms_quota=5"}},
    {"update --dry-run", cli_cmd_update, {"update", "--dry-run", "--id", "24", "sms_quota=6"}},
    {"get", cli_cmd_get, {"get", "--id", "25"}},
    {"get --output text", cli_cmd_get, {"get", "--output", "text", "--id", "25"}},
    {"compare", cli_cmd_compare, {"compare", "--yes", "--id", "26", "sms_quota=7"}},
    {"probe", cli_cmd_probe, {"probe"}},
    {"bulk", cli_cmd_bulk, {"bulk", "--input", "@INPUT@", "--results", "@RESULTS@"}},
    /* issue 14: a profile read from the config file, and the dry runs of every command */
    {"get --profile", cli_cmd_get, {"--profile", "oom", "get", "--id", "25"}},
    {"get --dry-run", cli_cmd_get, {"get", "--dry-run", "--id", "25"}},
    {"probe --dry-run", cli_cmd_probe, {"probe", "--dry-run"}},
    {"compare --dry-run", cli_cmd_compare, {"compare", "--dry-run", "--id", "26", "sms_quota=7"}},
    {"bulk --dry-run", cli_cmd_bulk, {"bulk", "--dry-run", "--input", "@INPUT@"}},
};

/* The bulk command's files (made by main; bulk_input above). */
static char bulk_results[64] = "/tmp/custapi-oom-results-XXXXXX";

static const char *placeholder(const char *word) {
  if (strcmp(word, "@INPUT@") == 0)
    return bulk_input;
  if (strcmp(word, "@RESULTS@") == 0)
    return bulk_results;
  return word;
}

/*
 * "out of memory", or, after an update that was applied, a message that says so first and
 * ends with it (--read-back: the user must learn that the write happened).
 */
static void assert_out_of_memory_message(const char *what, const char *message) {
  if (strcmp(message, "out of memory") == 0)
    return;
  ck_assert_msg(strcmp(message, "the update was applied, but reading it back failed: out of "
                                "memory") == 0 && strstr(what, "--read-back"),
                "%s: %s", what, message);
}

/* The command's stdout on failure: one JSON object with the internal error. */
static void assert_internal_output(const char *what, long n, const char *out, const char *err) {
  /* bulk --dry-run streams each record's request: a failure is then its last line */
  if (strstr(what, "bulk --dry-run")) {
    size_t len = strlen(out);
    while (len > 1 && out[len - 2] != '\n')
      len--;
    out += len > 1 ? len - 1 : 0;
  }
  json_object *o = json_tokener_parse(out);
  ck_assert_msg(o != NULL, "%s, allocation %ld failing: stdout is not JSON: %s", what, n + 1, out);
  json_object *e = NULL;
  ck_assert_msg(json_object_object_get_ex(o, "error", &e), "%s: no error in %s", what, out);
  ck_assert_str_eq(itest_str(e, "category"), "internal");
  assert_out_of_memory_message(what, itest_str(e, "message"));
  json_object_put(o);
  /* One line on stderr, ending the same way. Bulk, once it has read records, first tells each
   * record that failed (at most the 3 of the input) and its summary line. */
  size_t len = strlen(err), tail = strlen("out of memory\n"), lines = itest_lines(err);
  ck_assert_msg(len >= tail && strcmp(err + len - tail, "out of memory\n") == 0, "%s: %s", what,
                err);
  ck_assert_msg(lines == 1 || (lines <= 5 && strncmp(what, "custapi bulk", 12) == 0),
                "%s: %zu lines: %s", what, lines, err);
  for (const char *line = err; *line; line = strchr(line, '\n') + 1)
    ck_assert_msg(strncmp(line, "custapi: ", 9) == 0, "%s: %s", what, err);
}

/* A way to make the n-th allocation fail: ours (custapi__alloc_fail_after) or json-c's. */
typedef long (*fail_after_fn)(long n);

static void sweep_command_with(const command_case *k, const char *protocol,
                               fail_after_fn fail_after, const char *whose) {
  NEED_SERVER();
  if (fail_after == jsonc_fail_after && !jsonc_fail_works()) {
    fprintf(stderr,
            "note: custapi %s: json-c's allocations cannot be failed in this build (a "
            "sanitizer or valgrind owns malloc): not run\n",
            k->name);
    return;
  }
  /* json-c 0.16 leaks on its own failure paths (a value whose insert failed): valgrind would
   * report json-c's leaks, not ours. The sweep runs in the plain build. */
  if (fail_after == jsonc_fail_after && getenv("CUSTAPI_UNDER_VALGRIND")) {
    fprintf(stderr, "note: custapi %s: json-c failure sweep not run under valgrind\n", k->name);
    return;
  }
  const char *words[32] = {"custapi", "--url", refserver_url(rs), "--username",
                           REFSERVER_TEST_USER, "--protocol", protocol};
  size_t w = 7;
  for (size_t i = 0; k->words[i]; i++)
    words[w++] = placeholder(k->words[i]);
  words[w] = NULL;
  char what[96];
  snprintf(what, sizeof what, "custapi %s over %s (%s allocations)", k->name, protocol, whose);
  for (long n = 0; n < SWEEP_MAX; n++) {
    char *out, *err;
    unlink(bulk_results); /* a fresh run each time: bulk refuses to overwrite results */
    fail_after(n);
    int code = run_command(k->command, words, &out, &err);
    long made = fail_after(-1);
    if (code == 0 && n == 0 && made == 0 && fail_after == jsonc_fail_after) {
      free(out); /* this path makes no allocation of json-c's: nothing to fail */
      free(err);
      return;
    }
    if (code == 0) {
      ck_assert_msg(made <= n, "%s: exit 0 although allocation %ld of %ld failed: %s", what,
                    n + 1, made, out);
      ck_assert_msg(n > 0, "%s: made no allocation at all", what);
      ck_assert_msg(strstr(out, "out of memory") == NULL, "%s: %s", what, out);
      free(out);
      free(err);
      return;
    }
    ck_assert_msg(code == CUSTAPI_CATEGORY_INTERNAL, "%s, allocation %ld failing: exit %d: %s%s",
                  what, n + 1, code, out, err);
    /* text output prints nothing on stdout for a failure; but a failure while the command
     * line is parsed is reported before --output is known, in JSON */
    if (strstr(k->name, "text") && !*out)
      ck_assert_str_eq(err, "custapi: out of memory\n");
    else
      assert_internal_output(what, n, out, err);
    free(out);
    free(err);
  }
  ck_abort_msg("%s: still failing after %d allocations", what, SWEEP_MAX);
}

static void sweep_command(const command_case *k, const char *protocol) {
  sweep_command_with(k, protocol, custapi__alloc_fail_after, "our");
}

START_TEST(command_rest) { sweep_command(&command_cases[_i], "rest"); }
END_TEST

START_TEST(command_xmlrpc) { sweep_command(&command_cases[_i], "xmlrpc"); }
END_TEST

/* json-c's own allocations failing in turn (jsonc_fail.h): the same verdict, internal. */
START_TEST(command_jsonc_rest) {
  sweep_command_with(&command_cases[_i], "rest", jsonc_fail_after, "json-c's");
}
END_TEST

START_TEST(command_jsonc_xmlrpc) {
  sweep_command_with(&command_cases[_i], "xmlrpc", jsonc_fail_after, "json-c's");
}
END_TEST

static Suite *oom_suite(void) {
  Suite *s = suite_create("oom");
  TCase *t = itest_tcase(s, "library", up_plain, down_plain);
  tcase_add_test(t, client_new_rest);
  tcase_add_test(t, client_new_xmlrpc);
  tcase_add_test(t, update_rest);
  tcase_add_test(t, update_xmlrpc);
  tcase_add_test(t, update_fill_required_rest);
  tcase_add_test(t, update_fill_required_xmlrpc);
  tcase_add_test(t, get_rest);
  tcase_add_test(t, get_xmlrpc);
  tcase_add_test(t, dry_run_rest);
  tcase_add_test(t, dry_run_xmlrpc);
  tcase_add_test(t, dry_run_fill_required_rest);
  tcase_add_test(t, dry_run_fill_required_xmlrpc);
  tcase_add_test(t, probe_rest);
  tcase_add_test(t, probe_xmlrpc);
  tcase_add_test(t, compare_both);
  tcase_add_test(t, bulk_rest);
  tcase_add_test(t, bulk_xmlrpc);
  tcase_add_test(t, bulk_resumable_rest);
  tcase_add_test(t, bulk_resumable_xmlrpc);
  t = itest_tcase(s, "command", up_plain, down_plain);
  int cases = (int)(sizeof command_cases / sizeof command_cases[0]);
  tcase_add_loop_test(t, command_rest, 0, cases);
  tcase_add_loop_test(t, command_xmlrpc, 0, cases);
  tcase_add_loop_test(t, command_jsonc_rest, 0, cases);
  tcase_add_loop_test(t, command_jsonc_xmlrpc, 0, cases);
  return s;
}

int main(void) {
  refserver *trial = refserver_start(NULL);
  if (!trial) {
    fprintf(stderr, "skipping: the reference server could not start (see above)\n");
    return 77;
  }
  refserver_stop(trial);
  /* The command reads its key from the environment, as a user's shell would give it. */
  setenv("CUSTAPI_API_KEY", REFSERVER_TEST_KEY, 1);
  int fd = mkstemps(bulk_input, 6), rfd = mkstemp(bulk_results), afd = mkstemp(api_results);
  if (afd >= 0)
    close(afd);
  static const char records[] = "{\"id\":31,\"sms_quota\":1}\n{\"id\":32,\"sms_quota\":2}\n"
                                "{\"id\":31,\"sms_quota\":3}\n";
  if (fd < 0 || rfd < 0 || write(fd, records, sizeof records - 1) != (ssize_t)(sizeof records - 1)) {
    fprintf(stderr, "can't write %s\n", bulk_input);
    return EXIT_FAILURE;
  }
  close(fd);
  close(rfd);
  unsetenv("CUSTAPI_URL");
  unsetenv("CUSTAPI_PROTOCOL");
  unsetenv("CUSTAPI_USERNAME");
  unsetenv("CUSTAPI_API_KEY_FILE");
  unsetenv("CUSTAPI_PROFILE");
  unsetenv("CUSTAPI_CONFIG");
  setenv("XDG_CONFIG_HOME", "/nonexistent/custapi-tests", 1); /* no one's real profile */
  /* the profile of "get --profile": every value copied out of the file on the way */
  char config[] = "/tmp/custapi-oom-config-XXXXXX";
  int cfd = mkstemp(config);
  static const char profile[] = "[oom]\ntimeout = 20\nretries = 2\nxmlrpc-prefix = customers.\n"
                                "[other]\nproxy = http://127.0.0.1:1\n";
  if (cfd < 0 || write(cfd, profile, sizeof profile - 1) != (ssize_t)(sizeof profile - 1)) {
    fprintf(stderr, "can't write %s\n", config);
    return EXIT_FAILURE;
  }
  close(cfd);
  setenv("CUSTAPI_CONFIG", config, 1);
  custapi_global_init();
  SRunner *r = srunner_create(oom_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  custapi_global_shutdown();
  unlink(bulk_input);
  unlink(config);
  unlink(bulk_results);
  unlink(api_results);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
