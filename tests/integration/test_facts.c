/*
 * Facts written once (issue 13, item 5): each is decided and worded in one function, and every
 * command and both protocols go through it. Each test asks the same question of every place
 * that could hold a second copy, so that one coming back fails here: "nothing to update", the
 * fill-required refusal, the id rule, the trimmed base URL, the input-format names.
 */
#include "itest.h"

SERVER_FIXTURE(plain, NULL)

#define NOTHING "nothing to update: no properties given"

static const custapi_protocol protocols[] = {CUSTAPI_PROTOCOL_REST, CUSTAPI_PROTOCOL_XMLRPC};
static const char *const protocol_names[] = {"rest", "xmlrpc"};

/* A file in a fresh directory of its own, holding `text`; its path in `path`. */
static void write_input(char *path, size_t size, const char *name, const char *text) {
  char dir[] = "/tmp/custapi-facts-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, size, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static void remove_input(const char *path) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s", path);
  unlink(path);
  char results[600];
  snprintf(results, sizeof results, "%s.results", path);
  unlink(results);
  *strrchr(dir, '/') = '\0';
  rmdir(dir);
}

/* The command's error object: its category and message, as the test expects them. */
static void assert_error(const cli_result *r, int code, const char *category, const char *message) {
  ck_assert_msg(r->status == code, "exit %d, expected %d: %s %s", r->status, code, r->out, r->err);
  ck_assert_ptr_nonnull(r->json);
  json_object *e = itest_member(r->json, "error");
  ck_assert_str_eq(itest_str(e, "category"), category);
  ck_assert_str_eq(itest_str(e, "message"), message);
}

/* ---- nothing to update ---- */

/* Every command that takes properties refuses an empty update alike, over both protocols. */
START_TEST(nothing_to_update_is_the_same_from_every_command) {
  NEED_SERVER();
  const char *proto = protocol_names[_i];
  const char *const commands[][8] = {
      {"--protocol", proto, "update", "--id", "21", NULL},
      {"--protocol", proto, "update", "--fill-required", "--id", "21", NULL},
      {"--protocol", proto, "update", "--strict", "--id", "21", NULL},
      {"--protocol", proto, "update", "--dry-run", "--id", "21", NULL},
      {"validate", NULL}, /* no server: the connection options do not apply to it */
      {"validate", "--strict", NULL},
      {"--protocol", proto, "compare", "--yes", "--id", "21", NULL},
  };
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    cli_result r = strcmp(commands[i][0], "validate") == 0
                       ? itest_run_cli(commands[i], NULL)
                       : itest_run_on_server(ITEST_KEY_ENV, commands[i]);
    assert_error(&r, 3, "invalid", NOTHING);
    ck_assert_str_eq(r.err, "custapi: " NOTHING "\n");
    itest_cli_free(&r);
  }
}
END_TEST

/* A bulk record with only an id, in JSON Lines or CSV, fails as the single update does. */
START_TEST(nothing_to_update_in_bulk_records_is_the_same) {
  NEED_SERVER();
  /* a record's message names its line, as every refused record's does */
  const char *inputs[][3] = {{"in.jsonl", "{\"id\":21}\n", "line 1: " NOTHING},
                             {"in.csv", "id,sms_quota\n21,\n", "line 2: " NOTHING}};
  for (size_t i = 0; i < 2; i++) {
    char path[512], results[600];
    write_input(path, sizeof path, inputs[i][0], inputs[i][1]);
    snprintf(results, sizeof results, "%s.results", path);
    cli_result r = ITEST_RUN("--protocol", protocol_names[_i], "bulk", "--input", path,
                             "--results", results);
    ck_assert_msg(r.status == CUSTAPI_CATEGORY_PARTIAL, "exit %d: %s %s", r.status, r.out, r.err);
    char *text = itest_slurp(results);
    char *second = strchr(text, '\n'); /* the first line is the input's fingerprint */
    ck_assert_ptr_nonnull(second);
    json_object *line = json_tokener_parse(second + 1);
    ck_assert_ptr_nonnull(line);
    json_object *e = itest_member(line, "error");
    ck_assert_str_eq(itest_str(e, "category"), "invalid");
    ck_assert_str_eq(itest_str(e, "message"), inputs[i][2]);
    json_object_put(line);
    free(text);
    itest_cli_free(&r);
    /* compare --input reads the same records through the same check */
    r = ITEST_RUN("--protocol", protocol_names[_i], "compare", "--yes", "--input", path);
    ck_assert_ptr_nonnull(r.json);
    json_object *failures = itest_member(r.json, "failures");
    ck_assert_int_eq(json_object_array_length(failures), 1);
    const char *message =
        itest_str(itest_member(json_object_array_get_idx(failures, 0), "error"), "message");
    ck_assert_str_eq(message, NOTHING);
    itest_cli_free(&r);
    remove_input(path);
  }
}
END_TEST

static int outcome_done(const custapi_bulk_outcome *o, void *payload) {
  custapi_error *seen = payload;
  if (o->error)
    *seen = *o->error;
  return 0;
}

/* The library: custapi_update, its dry run, custapi_bulk_run and custapi_compare_run. */
START_TEST(nothing_to_update_is_the_same_in_the_library) {
  NEED_SERVER();
  custapi_client *c = itest_library_client(protocols[_i]);
  custapi_customer *empty;
  ck_assert_int_eq(custapi_customer_new(&empty, 0), 0);
  custapi_result *r = NULL;
  ck_assert_int_eq(custapi_update(&r, c, 21, empty, CUSTAPI_VALIDATE_PARTIAL), CUSTAPI_EINVALID);
  ck_assert_str_eq(custapi_client_last_error(c)->message, NOTHING);
  ck_assert_int_eq(custapi_update(&r, c, 21, empty, CUSTAPI_VALIDATE_FILL_REQUIRED),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(custapi_client_last_error(c)->message, NOTHING);
  char *plan = NULL;
  ck_assert_int_eq(custapi_update_dry_run(&plan, c, 21, empty, CUSTAPI_VALIDATE_STRICT),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(custapi_client_last_error(c)->message, NOTHING);

  custapi_error seen = {0};
  custapi_bulk_options bo = CUSTAPI_BULK_OPTIONS_INIT;
  bo.done = outcome_done;
  bo.done_payload = &seen;
  FILE *in = fmemopen((void *)"{\"id\":21}\n", 10, "r");
  ck_assert_ptr_nonnull(in);
  custapi_bulk_summary sum = {0};
  sum.version = 5; /* a later layout's: kept, and its first fields filled (docs/abi.md) */
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &bo), CUSTAPI_EPARTIAL);
  fclose(in);
  ck_assert_uint_eq(sum.version, 5);
  ck_assert_int_eq(sum.records, 1);
  ck_assert_int_eq(sum.failed, 1);
  ck_assert_int_eq(seen.category, CUSTAPI_CATEGORY_INVALID);
  ck_assert_str_eq(seen.message, "line 1: " NOTHING);

  custapi_client *rest = itest_library_client(CUSTAPI_PROTOCOL_REST);
  custapi_client *xmlrpc = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  custapi_compare *cmp = NULL;
  custapi_error err;
  ck_assert_int_eq(
      custapi_compare_run(&cmp, rest, xmlrpc, 21, empty, CUSTAPI_VALIDATE_PARTIAL, &err),
      CUSTAPI_EINVALID);
  ck_assert_str_eq(err.message, NOTHING);
  custapi_client_free(rest);
  custapi_client_free(xmlrpc);
  custapi_customer_free(empty);
  custapi_client_free(c);
}
END_TEST

/* ---- fill-required ---- */

/* compare and bulk refuse it with the one message (usage), the command as the library. */
START_TEST(fill_required_is_refused_alike_by_compare_and_bulk) {
  NEED_SERVER();
  custapi_error want_bulk, want_compare;
  ck_assert_int_eq(
      custapi_validate_mode_as_given(CUSTAPI_VALIDATE_FILL_REQUIRED, "bulk", &want_bulk),
      CUSTAPI_EUSAGE);
  ck_assert_int_eq(
      custapi_validate_mode_as_given(CUSTAPI_VALIDATE_FILL_REQUIRED, "compare", &want_compare),
      CUSTAPI_EUSAGE);
  ck_assert_int_eq(want_bulk.category, CUSTAPI_CATEGORY_USAGE);
  /* one wording: the same text after the name of the refuser */
  ck_assert_str_eq(want_bulk.message + strlen("bulk"), want_compare.message + strlen("compare"));
  ck_assert_int_eq(custapi_validate_mode_as_given(CUSTAPI_VALIDATE_PARTIAL, "bulk", NULL), 0);
  ck_assert_int_eq(custapi_validate_mode_as_given(CUSTAPI_VALIDATE_STRICT, "bulk", NULL), 0);

  custapi_client *c = itest_library_client(protocols[_i]);
  custapi_bulk_options bo = CUSTAPI_BULK_OPTIONS_INIT;
  bo.mode = CUSTAPI_VALIDATE_FILL_REQUIRED;
  FILE *in = fmemopen((void *)"{\"id\":21,\"name\":\"A\"}\n", 22, "r");
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &bo), CUSTAPI_EUSAGE);
  fclose(in);
  ck_assert_str_eq(custapi_client_last_error(c)->message, want_bulk.message);
  custapi_client_free(c);

  custapi_client *rest = itest_library_client(CUSTAPI_PROTOCOL_REST);
  custapi_client *xmlrpc = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  custapi_customer *props;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&props, 0), 0);
  ck_assert_int_eq(custapi_customer_set(props, "name", "A", &err), 0);
  custapi_compare *cmp = NULL;
  ck_assert_int_eq(custapi_compare_run(&cmp, rest, xmlrpc, 21, props,
                                       CUSTAPI_VALIDATE_FILL_REQUIRED, &err),
                   CUSTAPI_EUSAGE);
  ck_assert_str_eq(err.message, want_compare.message);
  custapi_customer_free(props);
  custapi_client_free(rest);
  custapi_client_free(xmlrpc);

  char path[512];
  write_input(path, sizeof path, "in.jsonl", "{\"id\":21,\"name\":\"A\"}\n");
  cli_result r = ITEST_RUN("--protocol", protocol_names[_i], "bulk", "--fill-required",
                           "--input", path);
  assert_error(&r, 2, "usage", want_bulk.message);
  itest_cli_free(&r);
  r = ITEST_RUN("--protocol", protocol_names[_i], "compare", "--fill-required", "--yes", "--id",
                "21", "name=A");
  assert_error(&r, 2, "usage", want_compare.message);
  itest_cli_free(&r);
  r = ITEST_RUN("compare", "--fill-required", "--yes", "--input", path);
  assert_error(&r, 2, "usage", want_compare.message);
  itest_cli_free(&r);
  remove_input(path);
}
END_TEST

/* ---- the id rule ---- */

/* The client refuses an id that is not one before any codec sees it, over both protocols, in
 * the words of custapi_id_parse. */
START_TEST(bad_ids_are_refused_alike_by_the_client) {
  NEED_SERVER();
  custapi_client *c = itest_library_client(protocols[_i]);
  custapi_customer *props;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&props, 0), 0);
  ck_assert_int_eq(custapi_customer_set(props, "sms_quota", "3", &err), 0);
  const int32_t ids[] = {0, -1, INT32_MIN};
  const char *texts[] = {"0", "-1", "-2147483648"};
  for (size_t i = 0; i < 3; i++) {
    custapi_error want;
    int32_t parsed;
    ck_assert_int_eq(custapi_id_parse(&parsed, texts[i], &want), CUSTAPI_EINVALID);
    custapi_result *r = NULL;
    char *plan = NULL;
    ck_assert_int_eq(custapi_get(&r, c, ids[i]), CUSTAPI_EINVALID);
    /* the same words; custapi_id_parse quotes the text it was given, the client the number */
    char shown[64];
    snprintf(shown, sizeof shown, "id: not positive: %s (", texts[i]);
    ck_assert_str_eq(custapi_client_last_error(c)->property, "id");
    ck_assert_msg(strncmp(custapi_client_last_error(c)->message, shown, strlen(shown)) == 0, "%s",
                  custapi_client_last_error(c)->message);
    ck_assert_str_eq(strchr(custapi_client_last_error(c)->message, '('), strchr(want.message, '('));
    ck_assert_int_eq(custapi_update(&r, c, ids[i], props, CUSTAPI_VALIDATE_PARTIAL),
                     CUSTAPI_EINVALID);
    ck_assert_str_eq(strchr(custapi_client_last_error(c)->message, '('), strchr(want.message, '('));
    ck_assert_int_eq(custapi_get_dry_run(&plan, c, ids[i]), CUSTAPI_EINVALID);
    ck_assert_int_eq(custapi_update_dry_run(&plan, c, ids[i], props, CUSTAPI_VALIDATE_PARTIAL),
                     CUSTAPI_EINVALID);
    ck_assert_ptr_null(plan);
  }
  custapi_customer_free(props);
  custapi_client_free(c);
}
END_TEST

/* ---- the base URL ---- */

/* Trailing slashes are trimmed by the client, once: both protocols build the same base. */
START_TEST(the_base_url_is_trimmed_once_for_both_protocols) {
  NEED_SERVER();
  char base[300], want[400];
  snprintf(base, sizeof base, "%s//", refserver_url(rs));
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = base;
  o.protocol = protocols[_i];
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  custapi_client *c;
  custapi_error err;
  ck_assert_int_eq(custapi_client_new(&c, &o, &err), 0);
  char *plan = NULL;
  ck_assert_int_eq(custapi_get_dry_run(&plan, c, 7), 0);
  snprintf(want, sizeof want, "%s/api/2.0/%s", refserver_url(rs),
           _i == 0 ? "customers/7" : "xmlrpc/");
  ck_assert_msg(strstr(plan, want) != NULL, "%s", plan);
  ck_assert_ptr_null(strstr(plan, "//api"));
  custapi_free(plan);
  custapi_result *r = NULL;
  ck_assert_int_eq(custapi_get(&r, c, 7), 0);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

/* ---- the input formats ---- */

START_TEST(input_format_names_are_parsed_in_one_place) {
  custapi_bulk_format f = CUSTAPI_BULK_CSV;
  custapi_error err;
  ck_assert_int_eq(custapi_bulk_format_parse(&f, "jsonl", &err), 0);
  ck_assert_int_eq(f, CUSTAPI_BULK_JSONL);
  ck_assert_int_eq(custapi_bulk_format_parse(&f, "csv", &err), 0);
  ck_assert_int_eq(f, CUSTAPI_BULK_CSV);
  const char *bad[] = {"CSV", "json", "", "csv ", "jsonl\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(custapi_bulk_format_parse(&f, bad[i], &err), CUSTAPI_EUSAGE);
    ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_USAGE);
  }
  ck_assert_int_eq(custapi_bulk_format_parse(&f, "json", &err), CUSTAPI_EUSAGE);
  char want[sizeof err.message + 16];
  snprintf(want, sizeof want, "--format: %s", err.message);
  /* bulk and compare --input say it alike: the option's one check */
  const char *const commands[][8] = {
      {"--url", "http://127.0.0.1:1", "bulk", "--format", "json", "--input", "x", NULL},
      {"--url", "http://127.0.0.1:1", "compare", "--yes", "--format", "json", "--input", "x"},
  };
  const char *env[] = {ITEST_KEY_ENV, NULL};
  for (size_t i = 0; i < 2; i++) {
    const char *args[10] = {0};
    for (size_t k = 0; k < 8 && commands[i][k]; k++)
      args[k] = commands[i][k];
    cli_result r = itest_run_cli(args, env);
    assert_error(&r, 2, "usage", want);
    itest_cli_free(&r);
  }
}
END_TEST

static Suite *facts_suite(void) {
  Suite *s = suite_create("facts");
  TCase *t = itest_tcase(s, "one_place", up_plain, down_plain);
  tcase_add_loop_test(t, nothing_to_update_is_the_same_from_every_command, 0, 2);
  tcase_add_loop_test(t, nothing_to_update_in_bulk_records_is_the_same, 0, 2);
  tcase_add_loop_test(t, nothing_to_update_is_the_same_in_the_library, 0, 2);
  tcase_add_loop_test(t, fill_required_is_refused_alike_by_compare_and_bulk, 0, 2);
  tcase_add_loop_test(t, bad_ids_are_refused_alike_by_the_client, 0, 2);
  tcase_add_loop_test(t, the_base_url_is_trimmed_once_for_both_protocols, 0, 2);
  tcase_add_test(t, input_format_names_are_parsed_in_one_place);
  return s;
}

int main(void) { return itest_main(facts_suite); }
