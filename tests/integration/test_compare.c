/*
 * custapi compare against the reference server: agreement on every property type, each
 * divergence knob caught and named (a silently dropped property even though REST runs
 * first, thanks to the restore), the JSON verdict's shape, --yes and --dry-run, exit codes,
 * and the library call a C migration suite would use.
 */
#include "canned.h"

#include "custapi/custapi.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(drops, "--diverge", "xmlrpc-drops:sms_quota", NULL)
SERVER_FIXTURE(misreads, "--diverge", "xmlrpc-reads:postal_code=0000", NULL)
SERVER_FIXTURE(refuses, "--diverge", "xmlrpc-refuses:unique_id", NULL)
SERVER_FIXTURE(blind, "--diverge", "reads-fail-after:4", NULL)


/* The differences of a verdict naming `field` with `kind`. */
static int count_differences(json_object *verdict, const char *kind, const char *field) {
  json_object *list = itest_member(verdict, "differences");
  int n = 0;
  for (size_t i = 0; i < json_object_array_length(list); i++) {
    json_object *d = json_object_array_get_idx(list, i);
    const char *f = itest_str(d, "field");
    if (strcmp(itest_str(d, "kind"), kind) == 0 && (!field || (f && strcmp(f, field) == 0)))
      n++;
  }
  return n;
}

START_TEST(agrees_on_every_property_type) {
  cli_result r = ITEST_RUN("compare", "--id", "5", "--yes", "sms_quota=77", "email_quota=0",
                     "status=suspended", "deleted=yes", "country=za", "name=R\xc3\xa9my & Co",
                     "industry=Hospitality, Travel & Tourism", "address=1 Main St\nCape Town",
                     "website_url=https://example.com/a?b=c", "telephone=+27 (21) 555-0100",
                     "email_package_id=3", "unique_id=u-<5>");
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_str_eq(r.err, "");
  ck_assert(json_object_get_boolean(itest_member(r.json, "ok")));
  ck_assert(json_object_get_boolean(itest_member(r.json, "agree")));
  ck_assert_uint_eq(json_object_array_length(itest_member(r.json, "differences")), 0);
  /* the shape of the verdict */
  json_object *updates = itest_member(r.json, "updates");
  ck_assert(json_object_get_boolean(itest_member(itest_member(updates, "rest"), "ok")));
  ck_assert_int_eq(json_object_get_int(itest_member(itest_member(updates, "xmlrpc"), "result")), 5);
  ck_assert(json_object_get_boolean(itest_member(itest_member(r.json, "restore"), "ok")));
  json_object *reads = itest_member(r.json, "read_backs");
  const char *stages[] = {"after_rest", "after_xmlrpc"}, *readers[] = {"rest", "xmlrpc"};
  for (int s = 0; s < 2; s++)
    for (int p = 0; p < 2; p++) {
      json_object *c = itest_member(itest_member(reads, stages[s]), readers[p]);
      ck_assert_int_eq(json_object_get_int(itest_member(c, "sms_quota")), 77);
      ck_assert_str_eq(json_object_get_string(itest_member(c, "country")), "ZA");
    }
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "id")), 5);
  itest_member(r.json, "snapshot");
  itest_cli_free(&r);
  /* and the update is left applied */
  r = ITEST_RUN("get", "--id", "5");
  ck_assert_int_eq(json_object_get_int(itest_member(itest_member(r.json, "customer"), "sms_quota")), 77);
  itest_cli_free(&r);
}
END_TEST

START_TEST(a_property_xmlrpc_drops_is_caught_although_rest_ran_first) {
  cli_result r = ITEST_RUN("compare", "--id", "6", "--yes", "sms_quota=4242", "email_quota=9");
  ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
  ck_assert(!json_object_get_boolean(itest_member(r.json, "agree")));
  ck_assert_str_eq(itest_error_category(&r), "differ");
  ck_assert_int_eq(count_differences(r.json, "changed_by_one", "sms_quota"), 1);
  ck_assert_int_eq(count_differences(r.json, "changed_by_one", "email_quota"), 0);
  ck_assert_ptr_nonnull(strstr(r.err, "sms_quota"));
  ck_assert_uint_eq(itest_lines(r.err), 1);
  itest_cli_free(&r);
}
END_TEST

START_TEST(a_field_one_protocol_misreads_is_caught) {
  cli_result r = ITEST_RUN("compare", "--id", "7", "--yes", "sms_quota=1");
  ck_assert_int_eq(r.status, 1);
  /* once per state: after the REST update and after the XML-RPC update */
  ck_assert_int_eq(count_differences(r.json, "read_back", "postal_code"), 2);
  ck_assert_int_eq(count_differences(r.json, "read_back", "sms_quota"), 0);
  itest_cli_free(&r);
}
END_TEST

START_TEST(one_protocol_refusing_is_an_outcome_difference_with_its_error) {
  cli_result r = ITEST_RUN("compare", "--id", "8", "--yes", "unique_id=new-id");
  ck_assert_int_eq(r.status, 1);
  ck_assert_int_eq(count_differences(r.json, "outcome", NULL), 1);
  json_object *x = itest_member(itest_member(r.json, "updates"), "xmlrpc");
  ck_assert(!json_object_get_boolean(itest_member(x, "ok")));
  ck_assert_str_eq(json_object_get_string(itest_member(itest_member(x, "error"), "category")), "rejected");
  ck_assert_int_eq(json_object_get_int(itest_member(itest_member(x, "error"), "fault_code")), 422);
  ck_assert_ptr_nonnull(strstr(r.err, "failed over XML-RPC"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(refuses_without_yes_and_plans_with_dry_run) {
  size_t before = refserver_request_count(rs);
  cli_result r = ITEST_RUN("compare", "--id", "9", "sms_quota=1");
  ck_assert_int_eq(r.status, 2);
  ck_assert_str_eq(itest_error_category(&r), "usage");
  ck_assert_ptr_nonnull(strstr(r.err, "--yes"));
  ck_assert_ptr_nonnull(strstr(r.err, "sms_quota"));
  itest_cli_free(&r);
  r = ITEST_RUN("compare", "--id", "9", "--dry-run", "sms_quota=1");
  ck_assert_int_eq(r.status, 0);
  ck_assert(json_object_get_boolean(itest_member(r.json, "dry_run")));
  ck_assert_uint_ge(json_object_array_length(itest_member(r.json, "plan")), 5);
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before); /* nothing was sent */
}
END_TEST

START_TEST(exit_codes_when_it_cannot_run) {
  cli_result r = ITEST_RUN("compare", "--id", "999999", "--yes", "sms_quota=1");
  ck_assert_int_eq(r.status, 5);
  ck_assert_str_eq(itest_error_category(&r), "not_found");
  itest_cli_free(&r);
  r = ITEST_RUN("compare", "--id", "9", "--yes", "sms_quota=-1");
  ck_assert_int_eq(r.status, 3);
  itest_cli_free(&r);
  r = ITEST_RUN("compare", "--yes", "sms_quota=1");
  ck_assert_int_eq(r.status, 2);
  itest_cli_free(&r);
}
END_TEST

START_TEST(text_output_is_a_table) {
  cli_result r = ITEST_RUN("compare", "--id", "10", "--yes", "--output", "text", "sms_quota=3");
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.out, "REST"));
  ck_assert_ptr_nonnull(strstr(r.out, "XML-RPC"));
  ck_assert_ptr_nonnull(strstr(r.out, "sms_quota"));
  ck_assert_ptr_nonnull(strstr(r.out, "difference"));
  ck_assert_ptr_null(r.json);
  itest_cli_free(&r);
}
END_TEST

START_TEST(a_file_of_updates_is_summarised) {
  char path[] = "/tmp/custapi-compare-XXXXXX.csv";
  int fd = mkstemps(path, 4);
  ck_assert_int_ge(fd, 0);
  const char *csv = "id,sms_quota,email_quota\n12,5,\n13,,7\n14,x,\n999999,,1\n";
  ck_assert_int_eq(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
  close(fd);
  cli_result r = ITEST_RUN("compare", "--input", path, "--yes");
  ck_assert_int_eq(r.status, 1); /* sms_quota is dropped over XML-RPC on this server */
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "records")), 4);
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "agreed")), 1);
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "differed")), 1);
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "failed")), 2);
  json_object *d = json_object_array_get_idx(itest_member(r.json, "disagreements"), 0);
  ck_assert_int_eq(json_object_get_int(itest_member(d, "line")), 2);
  ck_assert_int_eq(json_object_get_int(itest_member(d, "id")), 12);
  json_object *failures = itest_member(r.json, "failures");
  ck_assert_str_eq(json_object_get_string(itest_member(itest_member(json_object_array_get_idx(failures, 0), "error"),
                                             "category")), "invalid");
  ck_assert_str_eq(json_object_get_string(itest_member(itest_member(json_object_array_get_idx(failures, 1), "error"),
                                             "category")), "not_found");
  ck_assert_ptr_null(strstr(r.err, "line 4: line 4"));
  itest_cli_free(&r);
  r = ITEST_RUN("compare", "--input", path);
  ck_assert_int_eq(r.status, 2); /* --yes, again */
  itest_cli_free(&r);
  unlink(path);
}
END_TEST

START_TEST(reads_failing_on_both_sides_compare_nothing_and_say_so) {
  /* Four reads succeed (snapshot, both read-backs after REST, the restore check); the two
   * read-backs after the XML-RPC update then fail alike over both protocols. */
  cli_result r = ITEST_RUN("--retries", "0", "compare", "--id", "15", "--yes", "sms_quota=2");
  ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
  ck_assert(!json_object_get_boolean(itest_member(r.json, "agree")));
  ck_assert_int_ge(count_differences(r.json, "outcome", NULL), 1);
  ck_assert_ptr_nonnull(strstr(r.out, "nothing was compared"));
  itest_cli_free(&r);
}
END_TEST

/* The library call, as a migration test suite in C would make it. */
START_TEST(library_compare_reports_through_its_accessors) {
  NEED_SERVER();
  custapi_client *rest = itest_library_client(CUSTAPI_PROTOCOL_REST);
  custapi_client *xmlrpc = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  custapi_error err;
  custapi_customer *changes;
  ck_assert_int_eq(custapi_customer_new(&changes, 0), 0);
  ck_assert_int_eq(custapi_customer_set(changes, "sms_quota", "31", &err), 0);
  custapi_compare *c;
  ck_assert_int_eq(custapi_compare_run(&c, rest, xmlrpc, 11, changes, CUSTAPI_VALIDATE_PARTIAL,
                                       &err), 0);
  ck_assert(!custapi_compare_agree(c));
  ck_assert_uint_eq(custapi_compare_difference_count(c), 1);
  const custapi_difference *d = custapi_compare_difference_at(c, 0);
  ck_assert_int_eq(d->kind, CUSTAPI_DIFFERENCE_CHANGED_BY_ONE);
  ck_assert_str_eq(d->field, "sms_quota");
  ck_assert_int_eq(d->rest->integer, 31);
  ck_assert_int_eq(d->xmlrpc->integer, 11); /* the seed's value: XML-RPC dropped it */
  ck_assert_ptr_null(custapi_compare_difference_at(c, 1));
  ck_assert_int_eq(custapi_compare_update_status(c, CUSTAPI_PROTOCOL_XMLRPC, NULL), 0);
  ck_assert_ptr_nonnull(custapi_compare_read_back(c, CUSTAPI_COMPARE_AFTER_XMLRPC,
                                                  CUSTAPI_PROTOCOL_XMLRPC));
  char *json;
  ck_assert_int_eq(custapi_compare_to_json(&json, c), 0);
  ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"changed_by_one\""));
  custapi_free(json);
  /* the clients the wrong way round are refused before anything is written */
  custapi_compare *wrong = NULL;
  ck_assert_int_eq(custapi_compare_run(&wrong, xmlrpc, rest, 11, changes,
                                       CUSTAPI_VALIDATE_PARTIAL, &err),
                   CUSTAPI_EUSAGE);
  ck_assert_ptr_null(wrong);
  custapi_compare_free(c);
  custapi_compare_free(NULL);
  custapi_customer_free(changes);
  custapi_client_free(xmlrpc);
  custapi_client_free(rest);
}
END_TEST

/* ---- review defects (issue 13) ---- */

/* --lenient turns format rules into warnings for compare as for update: the library checked
 * the properties without the clients' flags, so a lenient compare failed as invalid. */
START_TEST(lenient_compare_checks_with_the_lenient_flag) {
  NEED_SERVER();
  size_t before = refserver_request_count(rs);
  cli_result r = ITEST_RUN("compare", "--lenient", "--id", "6", "--yes", "telephone=call me");
  ck_assert_msg(r.status != 3 && itest_error_category(&r) == NULL, "exit %d: %s %s", r.status,
                r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "telephone")); /* the lenient warning */
  ck_assert_uint_gt(refserver_request_count(rs), before);
  itest_cli_free(&r);
  /* Without --lenient it is refused before anything is sent. */
  before = refserver_request_count(rs);
  r = ITEST_RUN("compare", "--id", "6", "--yes", "telephone=call me");
  ck_assert_int_eq(r.status, 3);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
}
END_TEST

static custapi_client *client_for(custapi_protocol protocol, unsigned flags) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = refserver_url(rs);
  o.protocol = protocol;
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  o.validate_flags = flags;
  custapi_client *c;
  custapi_error err;
  ck_assert_msg(custapi_client_new(&c, &o, &err) == 0, "%s", err.message);
  return c;
}

/* Both clients' protocols (and flags) are checked before any request: two XML-RPC clients,
 * or two REST clients, are refused with nothing read or written. */
START_TEST(both_clients_are_checked_before_anything_is_sent) {
  NEED_SERVER();
  custapi_client *rest = client_for(CUSTAPI_PROTOCOL_REST, 0);
  custapi_client *xmlrpc = client_for(CUSTAPI_PROTOCOL_XMLRPC, 0);
  custapi_client *lenient = client_for(CUSTAPI_PROTOCOL_XMLRPC, CUSTAPI_VALIDATE_LENIENT);
  custapi_customer *changes;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&changes, 0), 0);
  ck_assert_int_eq(custapi_customer_set(changes, "sms_quota", "8", &err), 0);
  custapi_client *pairs[][2] = {{rest, rest}, {xmlrpc, xmlrpc}, {xmlrpc, rest}, {rest, lenient}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    size_t before = refserver_request_count(rs);
    custapi_compare *c = NULL;
    ck_assert_int_eq(custapi_compare_run(&c, pairs[i][0], pairs[i][1], 7, changes,
                                         CUSTAPI_VALIDATE_PARTIAL, &err),
                     CUSTAPI_EUSAGE);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_USAGE);
    ck_assert_uint_eq(refserver_request_count(rs), before);
  }
  custapi_customer_free(changes);
  custapi_client_free(lenient);
  custapi_client_free(xmlrpc);
  custapi_client_free(rest);
}
END_TEST

#define ITEM(quota) "{\"links\":[],\"item\":{\"id\":5,\"sms_quota\":" quota "}}"
#define XML_ITEM(quota)                                                                            \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>id"          \
  "</name><value><int>5</int></value></member><member><name>sms_quota</name><value><int>" quota    \
  "</int></value></member></struct></value></param></params></methodResponse>"

static char *answer(const char *type, const char *body) {
  return canned_answer("200 OK", type, body);
}

/* A restore whose calls succeed but whose read-back shows the old value did not take: the
 * verdict's "restore" says ok:false with why, not ok:true beside a restore difference. */
START_TEST(a_restore_that_did_not_take_is_not_ok) {
  /* snapshot (REST read), REST update, read-backs over REST and XML-RPC, the restore's update
   * and its check, which still reads the updated value. */
  char *answers[] = {answer("application/json", ITEM("1")),
                     answer("application/json", ITEM("77")),
                     answer("application/json", ITEM("77")),
                     answer("text/xml", XML_ITEM("77")),
                     answer("application/json", ITEM("77")),
                     answer("application/json", ITEM("77")),
                     NULL};
  canned k = canned_start((const char *const *)answers);
  const char *env[] = {ITEST_KEY_ENV, NULL};
  const char *args[] = {"--url",   k.url,  "--username", "demo",  "--retries",    "0",
                        "compare", "--id", "5",          "--yes", "sms_quota=77", NULL};
  cli_result r = itest_run_cli(args, env);
  canned_stop(&k);
  for (size_t i = 0; answers[i]; i++)
    free(answers[i]);
  ck_assert_msg(r.status == 1, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_int_eq(count_differences(r.json, "restore", "sms_quota"), 1);
  /* The difference shows what the restore's check read (it pointed into a freed result). */
  json_object *d = json_object_array_get_idx(itest_member(r.json, "differences"), 0);
  ck_assert_int_eq(json_object_get_int(itest_member(d, "rest")), 77);
  json_object *restore = itest_member(r.json, "restore");
  ck_assert(!json_object_get_boolean(itest_member(restore, "ok")));
  json_object *e = itest_member(restore, "error");
  ck_assert_str_eq(itest_str(e, "category"), "differ");
  ck_assert_ptr_nonnull(strstr(itest_str(e, "message"), "did not take"));
  itest_cli_free(&r);
}
END_TEST

static Suite *compare_suite(void) {
  Suite *s = suite_create("compare");
  TCase *t = itest_tcase(s, "agreeing", up_plain, down_plain);
  tcase_add_test(t, agrees_on_every_property_type);
  tcase_add_test(t, refuses_without_yes_and_plans_with_dry_run);
  tcase_add_test(t, exit_codes_when_it_cannot_run);
  tcase_add_test(t, lenient_compare_checks_with_the_lenient_flag);
  tcase_add_test(t, both_clients_are_checked_before_anything_is_sent);
  tcase_add_test(t, a_restore_that_did_not_take_is_not_ok);
  t = itest_tcase(s, "drops", up_drops, down_drops);
  tcase_add_test(t, a_property_xmlrpc_drops_is_caught_although_rest_ran_first);
  tcase_add_test(t, text_output_is_a_table);
  tcase_add_test(t, a_file_of_updates_is_summarised);
  tcase_add_test(t, library_compare_reports_through_its_accessors);
  t = itest_tcase(s, "misreads", up_misreads, down_misreads);
  tcase_add_test(t, a_field_one_protocol_misreads_is_caught);
  t = itest_tcase(s, "blind", up_blind, down_blind);
  tcase_add_test(t, reads_failing_on_both_sides_compare_nothing_and_say_so);
  t = itest_tcase(s, "refuses", up_refuses, down_refuses);
  tcase_add_test(t, one_protocol_refusing_is_an_outcome_difference_with_its_error);
  return s;
}

int main(void) { return itest_main(compare_suite); }
