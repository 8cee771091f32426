/* Bulk input readers: JSON Lines and CSV, streamed one record at a time. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "records.h"

static FILE *in;
static custapi_records *reader;
static custapi_error err;

static void open_input(const char *text, custapi_bulk_format format, unsigned flags) {
  in = fmemopen((void *)text, strlen(text), "r");
  ck_assert_ptr_nonnull(in);
  ck_assert_int_eq(custapi__records_new(&reader, in, format, flags, &err), 0);
}

static void close_input(void) {
  custapi__records_free(reader);
  reader = NULL;
  fclose(in);
}

/* Reads the next record, asserting its status, line and id; returns the customer (or NULL). */
static custapi_customer *expect(records_status want, long want_line, int32_t want_id) {
  long line = -1;
  int32_t id = -1;
  custapi_customer *c = NULL;
  records_status got = custapi__records_next(reader, &line, &id, &c, &err);
  ck_assert_msg(got == want, "status %d, want %d (%s)", got, want, err.message);
  if (want != RECORDS_END)
    ck_assert_int_eq(line, want_line);
  if (want == RECORDS_OK)
    ck_assert_int_eq(id, want_id);
  return c;
}

static const char *string_of(const custapi_customer *c, const char *name) {
  const custapi_field *f = custapi_customer_get(c, name);
  ck_assert_msg(f && f->type == CUSTAPI_VALUE_STRING, "%s is not a string", name);
  return f->string;
}

/* The part of a record's message after its "line N: ". */
static const char *after_line(const char *message) {
  ck_assert_msg(strncmp(message, "line ", 5) == 0, "%s", message);
  const char *rest = strstr(message, ": ");
  ck_assert_ptr_nonnull(rest);
  return rest + 2;
}

/* One rule decides what a customer id is (custapi_id_valid), and one function words a refusal:
 * a JSON integer, a JSON string, another JSON value and a CSV cell are refused alike. */
START_TEST(ids_are_refused_by_the_one_rule_and_its_words) {
  ck_assert(!custapi_id_valid(0));
  ck_assert(custapi_id_valid(1));
  ck_assert(custapi_id_valid(CUSTAPI_ID_MAX));
  ck_assert(!custapi_id_valid((int64_t)CUSTAPI_ID_MAX + 1));
  ck_assert(!custapi_id_valid(-1));
  ck_assert(!custapi_id_valid(INT64_MIN));
  ck_assert(!custapi_id_valid(INT64_MAX));
  int32_t id;
  custapi_error want;
  const char *tail = "(a customer id is an integer from 1 to 2147483647)";
  struct {
    const char *jsonl, *csv, *parse, *why;
  } cases[] = {
      {"{\"id\":0,\"name\":\"x\"}\n", "id,name\n0,x\n", "0", "id: not positive: "},
      {"{\"id\":-7,\"name\":\"x\"}\n", "id,name\n-7,x\n", "-7", "id: not positive: "},
      {"{\"id\":2147483648,\"name\":\"x\"}\n", "id,name\n2147483648,x\n", "2147483648",
       "id: out of range: "},
      {"{\"id\":\"0\",\"name\":\"x\"}\n", NULL, "0", "id: not positive: "},
      {"{\"id\":true,\"name\":\"x\"}\n", "id,name\nyes,x\n", "yes", "id: not an integer: "},
      {"{\"id\":1.5,\"name\":\"x\"}\n", "id,name\n1.5,x\n", "1.5", "id: not an integer: "},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ck_assert_int_eq(custapi_id_parse(&id, cases[i].parse, &want), CUSTAPI_EINVALID);
    ck_assert_str_eq(want.property, "id");
    ck_assert_msg(strncmp(want.message, cases[i].why, strlen(cases[i].why)) == 0, "%s",
                  want.message);
    ck_assert_str_eq(strchr(want.message, '('), tail);
    open_input(cases[i].jsonl, CUSTAPI_BULK_JSONL, 0);
    expect(RECORDS_BAD, 1, 0);
    ck_assert_str_eq(err.property, "id");
    const char *got = after_line(err.message);
    ck_assert_msg(strncmp(got, cases[i].why, strlen(cases[i].why)) == 0, "%s", got);
    ck_assert_str_eq(strchr(got, '('), tail);
    close_input();
    if (!cases[i].csv)
      continue;
    open_input(cases[i].csv, CUSTAPI_BULK_CSV, 0);
    expect(RECORDS_BAD, 2, 0);
    ck_assert_str_eq(after_line(err.message), want.message); /* the same text, quoted alike */
    close_input();
  }
}
END_TEST

/* An id holding a NUL ("7\u0000x" in JSON, a raw NUL byte in a CSV cell) is not customer 7:
 * the id is read to its length, not to its first NUL. */
START_TEST(an_id_with_a_nul_is_refused) {
  const char jsonl[] = "{\"id\":\"7\\u0000x\",\"name\":\"x\"}\n{\"id\":\"7\",\"name\":\"x\"}\n";
  open_input(jsonl, CUSTAPI_BULK_JSONL, 0);
  expect(RECORDS_BAD, 1, 0);
  ck_assert_str_eq(err.property, "id");
  ck_assert_msg(strstr(err.message, "not an integer") != NULL, "%s", err.message);
  custapi_customer_free(expect(RECORDS_OK, 2, 7));
  close_input();
  const char csv[] = "id,name\n7\0x,x\n7,x\n";
  in = fmemopen((void *)csv, sizeof csv - 1, "r"); /* the NUL is part of the input */
  ck_assert_ptr_nonnull(in);
  ck_assert_int_eq(custapi__records_new(&reader, in, CUSTAPI_BULK_CSV, 0, &err), 0);
  expect(RECORDS_BAD, 2, 0);
  ck_assert_str_eq(err.property, "id");
  ck_assert_msg(strstr(err.message, "not an integer") != NULL, "%s", err.message);
  custapi_customer_free(expect(RECORDS_OK, 3, 7));
  close_input();
}
END_TEST

START_TEST(jsonl_records_and_errors) {
  open_input("{\"id\":42,\"sms_quota\":5,\"name\":\"Ann\"}\n"
             "\n"
             "{\"id\":\"7\",\"country\":\"za\"}\r\n"
             "{\"id\":0,\"name\":\"x\"}\n"
             "{\"name\":\"no id\"}\n"
             "{\"id\":9,\"emial\":\"x\"}\n"
             "not json\n"
             "{\"id\":10,\"sms_quota\":1.5}\n"
             "{\"id\":11,\"name\":\"last, no newline\"}",
             CUSTAPI_BULK_JSONL, 0);
  custapi_customer *c = expect(RECORDS_OK, 1, 42);
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, 5);
  ck_assert_ptr_null(custapi_customer_get(c, "id")); /* the key, not a property */
  custapi_customer_free(c);
  c = expect(RECORDS_OK, 3, 7);
  ck_assert_str_eq(string_of(c, "country"), "ZA");
  custapi_customer_free(c);
  expect(RECORDS_BAD, 4, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "line 4: "));
  expect(RECORDS_BAD, 5, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "id: missing"));
  expect(RECORDS_BAD, 6, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "did you mean 'email'"));
  expect(RECORDS_BAD, 7, 0);
  expect(RECORDS_BAD, 8, 0);
  ck_assert_str_eq(err.property, "sms_quota");
  c = expect(RECORDS_OK, 9, 11);
  ck_assert_str_eq(string_of(c, "name"), "last, no newline");
  custapi_customer_free(c);
  expect(RECORDS_END, 0, 0);
  close_input();
}
END_TEST

/* json-c keeps the last of two members with one name: {"id":1,"id":2} would update customer 2.
 * A repeated key, however it is written, makes the record bad; the next one is read as usual. */
START_TEST(jsonl_repeated_keys_are_bad_records) {
  open_input("{\"id\":1,\"id\":2,\"sms_quota\":1}\n"
             "{\"id\":3,\"sms_quota\":1,\"sms_quota\":2}\n"
             "{\"id\":4,\"\\u0069d\":5,\"name\":\"escaped\"}\n"
             "{\"id\":6,\"x\":{\"a\":1,\"a\":2},\"name\":\"nested is not top-level\"}\n"
             "{\"id\":7,\"favourite\":\"a\",\"favourite\":\"b\"}\n"
             "{\"id\":8,\"name\":\"ok\",\"email\":\"a@b.example\"}\n",
             CUSTAPI_BULK_JSONL, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  expect(RECORDS_BAD, 1, 0);
  ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_INVALID);
  ck_assert_msg(strstr(err.message, "line 1: the key \"id\" appears more than once") != NULL, "%s",
                err.message);
  expect(RECORDS_BAD, 2, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "\"sms_quota\" appears more than once"));
  expect(RECORDS_BAD, 3, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "\"id\" appears more than once"));
  expect(RECORDS_BAD, 4, 0); /* refused for its object value, not for the nested name */
  ck_assert_ptr_null(strstr(err.message, "more than once"));
  expect(RECORDS_BAD, 5, 0); /* any key, known to the schema or not */
  ck_assert_ptr_nonnull(strstr(err.message, "\"favourite\" appears more than once"));
  custapi_customer *c = expect(RECORDS_OK, 6, 8);
  ck_assert_str_eq(string_of(c, "name"), "ok");
  custapi_customer_free(c);
  expect(RECORDS_END, 0, 0);
  close_input();
}
END_TEST

START_TEST(csv_quoting_bom_and_empty_cells) {
  open_input("\xEF\xBB\xBFid,name,address,sms_quota\r\n"
             "42,\"Smith, Ann\",\"1 Main St\r\nCape Town\",5\r\n"
             "43,\"The \"\"Best\"\" Co\",,\r\n"
             "\r\n"
             "44,,\xc3\xa9l\xc3\xa8ve,0\n"
             "45,Last,\"no newline\",",
             CUSTAPI_BULK_CSV, 0);
  custapi_customer *c = expect(RECORDS_OK, 2, 42);
  ck_assert_str_eq(string_of(c, "name"), "Smith, Ann");
  ck_assert_str_eq(string_of(c, "address"), "1 Main St\nCape Town"); /* CRLF in quotes: LF */
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, 5);
  custapi_customer_free(c);
  c = expect(RECORDS_OK, 4, 43); /* the quoted line break made record 42 two lines long */
  ck_assert_str_eq(string_of(c, "name"), "The \"Best\" Co");
  ck_assert_ptr_null(custapi_customer_get(c, "address")); /* empty: not sent */
  ck_assert_ptr_null(custapi_customer_get(c, "sms_quota"));
  custapi_customer_free(c);
  c = expect(RECORDS_OK, 6, 44);
  ck_assert_str_eq(string_of(c, "address"), "\xc3\xa9l\xc3\xa8ve");
  custapi_customer_free(c);
  c = expect(RECORDS_OK, 7, 45);
  custapi_customer_free(c);
  expect(RECORDS_END, 0, 0);
  close_input();
}
END_TEST

START_TEST(csv_bad_records_are_skipped) {
  open_input("id,sms_quota,status\n"
             "1,5e3,on\n"
             "2,5\n"
             "x,5,on\n"
             "3,\"unterminated,on\n",
             CUSTAPI_BULK_CSV, 0);
  expect(RECORDS_BAD, 2, 0);
  ck_assert_str_eq(err.property, "sms_quota");
  expect(RECORDS_BAD, 3, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "2 cells"));
  expect(RECORDS_BAD, 4, 0);
  ck_assert_str_eq(err.property, "id");
  expect(RECORDS_BAD, 5, 0);
  ck_assert_ptr_nonnull(strstr(err.message, "never closed"));
  expect(RECORDS_END, 0, 0);
  close_input();
}
END_TEST

START_TEST(csv_header_errors_are_fatal) {
  static const char *const headers[] = {
      "",                       /* empty input */
      "name,sms_quota\n1,2\n",  /* no id column */
      "id,emial\n",             /* a typo */
      "id,name,name\n",         /* repeated */
      "id,,name\n",             /* unnamed */
      "id,enterprise_id\n",     /* read-only */
  };
  for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
    FILE *f = tmpfile(); /* fmemopen refuses an empty buffer */
    ck_assert_ptr_nonnull(f);
    fputs(headers[i], f);
    rewind(f);
    custapi_records *r = NULL;
    ck_assert_int_eq(custapi__records_new(&r, f, CUSTAPI_BULK_CSV, 0, &err), CUSTAPI_EINVALID);
    ck_assert_ptr_null(r);
    if (i == 0)
      ck_assert_ptr_nonnull(strstr(err.message, "empty"));
    fclose(f);
  }
  /* with --allow-unknown a new column is accepted, with --ignore-read-only a read-only one */
  open_input("id,favourite\n1,blue\n", CUSTAPI_BULK_CSV, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  custapi_customer *c = expect(RECORDS_OK, 2, 1);
  ck_assert_str_eq(string_of(c, "favourite"), "blue");
  custapi_customer_free(c);
  close_input();
}
END_TEST

START_TEST(format_from_file_name) {
  ck_assert_int_eq(custapi_bulk_format_for("a.csv"), CUSTAPI_BULK_CSV);
  ck_assert_int_eq(custapi_bulk_format_for("A.CSV"), CUSTAPI_BULK_CSV);
  ck_assert_int_eq(custapi_bulk_format_for("a.jsonl"), CUSTAPI_BULK_JSONL);
  ck_assert_int_eq(custapi_bulk_format_for("-"), CUSTAPI_BULK_JSONL);
}
END_TEST

static Suite *records_suite(void) {
  Suite *s = suite_create("records");
  TCase *t = tcase_create("readers");
  tcase_add_test(t, an_id_with_a_nul_is_refused);
  tcase_add_test(t, jsonl_records_and_errors);
  tcase_add_test(t, jsonl_repeated_keys_are_bad_records);
  tcase_add_test(t, csv_quoting_bom_and_empty_cells);
  tcase_add_test(t, csv_bad_records_are_skipped);
  tcase_add_test(t, csv_header_errors_are_fatal);
  tcase_add_test(t, format_from_file_name);
  tcase_add_test(t, ids_are_refused_by_the_one_rule_and_its_words);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(records_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
