/* The customer model: typing by the schema, stable order, JSON in and out, ownership. */
#include "json_util.h"
#include <stdint.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "custapi/custapi.h"
#include "customer.h"

START_TEST(free_functions_accept_null) {
  custapi_customer_free(NULL);
  custapi_result_free(NULL);
  custapi_free(NULL);
  custapi_error_clear(NULL);
}
END_TEST

START_TEST(text_is_typed_by_the_schema) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "5000", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "postal_code", "8001", NULL), 0);
  const custapi_field *f = custapi_customer_get(c, "sms_quota");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_INTEGER);
  ck_assert_int_eq(f->integer, 5000);
  f = custapi_customer_get(c, "postal_code");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_STRING); /* a string property stays a string */
  ck_assert_str_eq(f->string, "8001");
  ck_assert_uint_eq(f->string_len, 4);
  ck_assert_ptr_null(custapi_customer_get(c, "name"));
  custapi_customer_free(c);
}
END_TEST

START_TEST(set_int_checks_type_and_range) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set_int(c, "email_quota", 2147483647, &err), 0);
  ck_assert_int_eq(custapi_customer_set_int(c, "email_quota", 2147483648LL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "email_quota");
  ck_assert_int_eq(custapi_customer_set_int(c, "name", 5, &err), CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "name");
  ck_assert_int_eq(custapi_customer_get(c, "email_quota")->integer, 2147483647);
  custapi_customer_free(c);
}
END_TEST

/*
 * Integer properties at their edges, the same from every input: a record's or --set's text, a
 * JSON string, a JSON number. `json_number` is 0 where the text is not a JSON number at all.
 */
typedef struct integer_case {
  const char *input;
  int ok; /* 1: stored as `value` */
  long long value;
  const char *message; /* else: how the error message starts */
} integer_case;

/* One outcome of setting sms_quota: the value stored, or nothing stored and the error. */
static void assert_integer_outcome(int rc, custapi_customer *c, const custapi_error *err,
                                   const integer_case *k) {
  if (k->ok) {
    ck_assert_msg(rc == 0, "%s: %s", k->input, err->message);
    ck_assert(custapi_customer_get(c, "sms_quota")->integer == k->value);
  } else {
    ck_assert_int_eq(rc, CUSTAPI_EINVALID);
    ck_assert_msg(strstr(err->message, k->message) == err->message, "%s: %s", k->input,
                  err->message);
    if (strncmp(k->message, "sms_quota:", 10) == 0) /* not a JSON syntax error: names it */
      ck_assert_str_eq(err->property, "sms_quota");
    ck_assert_ptr_null(custapi_customer_get(c, "sms_quota"));
  }
  custapi_customer_free(c);
}

/* Text: a record's or --set's value, or a JSON string; the same answer from both. */
static const integer_case integer_texts[] = {
    {"2147483647", 1, 2147483647LL, NULL},
    {"-2147483648", 1, -2147483647LL - 1, NULL}, /* a 32-bit integer; the rule refuses it later */
    {"0", 1, 0, NULL},
    {"2147483648", 0, 0, "sms_quota: out of the signed 32-bit range: \"2147483648\""},
    {"-2147483649", 0, 0, "sms_quota: out of the signed 32-bit range: \"-2147483649\""},
    {"99999999999999999999999", 0, 0,
     "sms_quota: out of the signed 32-bit range: \"99999999999999999999999\""},
    {"-0", 0, 0, "sms_quota: not an integer: \"-0\""},
    {"1.0", 0, 0, "sms_quota: not an integer: \"1.0\""},
    {"1e0", 0, 0, "sms_quota: not an integer: \"1e0\""},
    {"5e3", 0, 0, "sms_quota: not an integer: \"5e3\""},
    {"1e999", 0, 0, "sms_quota: not an integer: \"1e999\""},
    {"01", 0, 0, "sms_quota: not an integer: \"01\""},
    {"+1", 0, 0, "sms_quota: not an integer: \"+1\""},
    {" 1", 0, 0, "sms_quota: not an integer: \" 1\""},
    {"1 ", 0, 0, "sms_quota: not an integer: \"1 \""},
    {"", 0, 0, "sms_quota: not an integer: \"\""},
};

/* A JSON number: an integer within 32 bits, and nothing else (custapi__json_int32). */
static const integer_case integer_numbers[] = {
    {"2147483647", 1, 2147483647LL, NULL},
    {"-2147483648", 1, -2147483647LL - 1, NULL},
    {"-0", 1, 0, NULL}, /* JSON's integer zero (the text "-0" is not canonical) */
    {"2147483648", 0, 0, "sms_quota: out of the signed 32-bit range: 2147483648 ("},
    {"-9223372036854775808", 0, 0,
     "sms_quota: out of the signed 32-bit range: -9223372036854775808 ("},
    {"99999999999999999999999", 0, 0,
     "JSON input is not valid at byte 13, in member \"sms_quota\": an integer beyond 64 bits"},
    {"1.0", 0, 0, "sms_quota: must be an integer, not a JSON number with a fraction or exponent"},
    {"1e0", 0, 0, "sms_quota: must be an integer, not a JSON number with a fraction or exponent"},
    {"1e999", 0, 0, "sms_quota: must be an integer, not a JSON number with a fraction or exponent"},
    {"true", 0, 0, "sms_quota: must be an integer, not a boolean"},
    {"null", 0, 0, "sms_quota: must be an integer, not null"},
    {"+1", 0, 0, "JSON input is not valid at byte 13, in member \"sms_quota\": not a JSON value"},
    {"01", 0, 0, "JSON input is not valid at byte 14"},
};

static custapi_customer *new_customer(void) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  return c;
}

START_TEST(integer_text_edges_are_the_same_from_text_and_json_strings) {
  for (size_t i = 0; i < sizeof integer_texts / sizeof integer_texts[0]; i++) {
    const integer_case *k = &integer_texts[i];
    custapi_error err;
    custapi_customer *c = new_customer();
    assert_integer_outcome(custapi_customer_set(c, "sms_quota", k->input, &err), c, &err, k);
    char json[128];
    snprintf(json, sizeof json, "{\"sms_quota\":\"%s\"}", k->input);
    c = new_customer();
    assert_integer_outcome(custapi_customer_set_json(c, json, strlen(json), &err), c, &err, k);
  }
}
END_TEST

START_TEST(integer_json_number_edges) {
  for (size_t i = 0; i < sizeof integer_numbers / sizeof integer_numbers[0]; i++) {
    const integer_case *k = &integer_numbers[i];
    custapi_error err;
    char json[128];
    snprintf(json, sizeof json, "{\"sms_quota\":%s}", k->input);
    custapi_customer *c = new_customer();
    assert_integer_outcome(custapi_customer_set_json(c, json, strlen(json), &err), c, &err, k);
  }
}
END_TEST

/* More members than a customer may have: refused before any is stored (bounded work). */
START_TEST(json_input_members_are_capped) {
  for (int n = CUSTAPI_CUSTOMER_MAX_MEMBERS; n <= CUSTAPI_CUSTOMER_MAX_MEMBERS + 1; n++) {
    char *json = malloc((size_t)n * 16 + 3);
    size_t o = 0;
    json[o++] = '{';
    for (int i = 0; i < n; i++)
      o += (size_t)sprintf(json + o, "%s\"x%d\":\"v\"", i ? "," : "", i);
    json[o++] = '}';
    custapi_customer *c;
    custapi_error err;
    ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
    int rc = custapi_customer_set_json(c, json, o, &err);
    if (n == CUSTAPI_CUSTOMER_MAX_MEMBERS) {
      ck_assert_int_eq(rc, 0);
      ck_assert_uint_eq(custapi_customer_count(c), (size_t)n);
    } else {
      ck_assert_int_eq(rc, CUSTAPI_EINVALID);
      ck_assert_str_eq(err.message, "JSON input has more than 1000 properties");
      ck_assert_uint_eq(custapi_customer_count(c), 0);
    }
    custapi_customer_free(c);
    free(json);
  }
}
END_TEST

START_TEST(iteration_order_is_schema_then_insertion) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi_customer_set(c, "zeta", "1", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "unique_id", "u", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "alpha", "2", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Ann", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "1", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "zeta", "3", NULL), 0); /* replaces, keeps place */
  const char *expect[] = {"name", "sms_quota", "unique_id", "zeta", "alpha"};
  ck_assert_uint_eq(custapi_customer_count(c), 5);
  for (size_t i = 0; i < 5; i++)
    ck_assert_str_eq(custapi_customer_at(c, i)->name, expect[i]);
  ck_assert_ptr_null(custapi_customer_at(c, 5));
  ck_assert_str_eq(custapi_customer_get(c, "zeta")->string, "3");
  custapi_customer_free(c);
}
END_TEST

START_TEST(unset_and_dup) {
  custapi_customer *c, *copy;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Ann", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "email", "a@b.co", NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "7", NULL), 0);
  ck_assert_int_eq(custapi_customer_dup(&copy, c), 0);
  ck_assert_int_eq(custapi_customer_unset(c, "email"), 1);
  ck_assert_int_eq(custapi_customer_unset(c, "email"), 0);
  ck_assert_uint_eq(custapi_customer_count(c), 2);
  ck_assert_str_eq(custapi_customer_at(c, 1)->name, "sms_quota");
  ck_assert_uint_eq(custapi_customer_count(copy), 3);
  ck_assert_str_eq(custapi_customer_get(copy, "email")->string, "a@b.co");
  ck_assert_int_eq(custapi_customer_get(copy, "sms_quota")->integer, 7);
  custapi_customer_free(c);
  custapi_customer_free(copy);
}
END_TEST

START_TEST(json_round_trip_keeps_types_and_does_not_escape_slashes) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  const char *in = "{\"website_url\":\"https://example.com/a\",\"sms_quota\":5,"
                   "\"email_quota\":\"12\",\"address\":\"caf\xc3\xa9\\nline 2\"}";
  ck_assert_int_eq(custapi_customer_set_json(c, in, strlen(in), NULL), 0);
  char *out;
  ck_assert_int_eq(custapi_customer_to_json(&out, c), 0);
  ck_assert_str_eq(out, "{\"email_quota\":12,\"sms_quota\":5,\"address\":\"caf\xc3\xa9\\nline 2\","
                        "\"website_url\":\"https://example.com/a\"}");
  custapi_free(out);
  custapi_customer_free(c);
}
END_TEST

/* Duplicate names are not out of memory (json-c keeps the last, and custapi__json_parse_object's
 * member count check tells the two apart), and they are not taken either: which value was
 * meant can't be known, so the input is refused naming the key, however it is escaped, and
 * nothing of it is set. */
START_TEST(duplicate_names_are_refused_and_not_out_of_memory) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  const char *in[] = {"{\"sms_quota\":1,\"name\":\"A\",\"sms_quota\":2}",
                      "{\"sms_quota\":1,\"name\":\"A\",\"sms_qu\\u006fta\":2}"};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    ck_assert_int_eq(custapi_customer_set_json(c, in[i], strlen(in[i]), &err), CUSTAPI_EINVALID);
    ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_INVALID);
    ck_assert_msg(strstr(err.message, "the key \"sms_quota\" appears more than once"), "%s",
                  err.message);
    ck_assert_uint_eq(custapi_customer_count(c), 0);
  }
  custapi_customer_free(c);
}
END_TEST

START_TEST(raw_setters_keep_any_field) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi__customer_put_int(c, "id", 42), 0);
  ck_assert_int_eq(custapi__customer_put_bool(c, "flag", 1), 0);
  ck_assert_int_eq(custapi__customer_put_null(c, "fax"), 0);
  ck_assert_int_eq(custapi__customer_put_string(c, "name", "A\0B", 3), 0);
  ck_assert_uint_eq(custapi_customer_get(c, "name")->string_len, 3);
  char *out;
  ck_assert_int_eq(custapi_customer_to_json(&out, c), 0);
  ck_assert_str_eq(out, "{\"name\":\"A\\u0000B\",\"id\":42,\"flag\":true,\"fax\":null}");
  custapi_free(out);
  /* A read-only field in the set is refused by the validator. */
  custapi_error err;
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   CUSTAPI_EINVALID);
  custapi_customer_free(c);
}
END_TEST

START_TEST(errors_have_names_and_statuses) {
  ck_assert_str_eq(custapi_category_name(CUSTAPI_CATEGORY_NOT_FOUND), "not_found");
  ck_assert_str_eq(custapi_category_name(CUSTAPI_CATEGORY_INTERNAL), "internal");
  ck_assert_str_eq(custapi_category_name(CUSTAPI_CATEGORY_BUSY), "busy");
  ck_assert_str_eq(custapi_category_name((custapi_category)99), "unknown");
  ck_assert_int_eq(CUSTAPI_EPROTOCOL, -9);
  ck_assert_int_eq(CUSTAPI_EPARTIAL, -10);
  ck_assert_str_eq(custapi_version(), CUSTAPI_VERSION_FOR_TESTS);
}
END_TEST

/* Every allocation of the model fails in turn: each failure is reported and nothing leaks. */
START_TEST(out_of_memory_on_every_allocation) {
  const char *json = "{\"name\":\"Ann\",\"sms_quota\":5,\"country\":\"za\"}";
  for (long n = 0;; n++) {
    custapi__alloc_fail_after(n);
    custapi_customer *c = NULL, *copy = NULL;
    custapi_error err;
    int rc = custapi_customer_new(&c, 0);
    if (rc == 0)
      rc = custapi_customer_set_json(c, json, strlen(json), &err);
    if (rc == 0)
      rc = custapi_customer_set(c, "unique_id", "u-1", &err);
    if (rc == 0)
      rc = custapi_customer_dup(&copy, c);
    char *out = NULL;
    if (rc == 0)
      rc = custapi_customer_to_json(&out, copy);
    long made = custapi__alloc_fail_after(-1);
    custapi_free(out);
    custapi_customer_free(copy);
    custapi_customer_free(c);
    if (rc == 0) {
      ck_assert_int_lt(made, n + 1); /* every allocation succeeded: done */
      break;
    }
    ck_assert_int_eq(rc, CUSTAPI_EINTERNAL);
    ck_assert_int_lt(n, 1000);
  }
}
END_TEST

/* Plain customers are written without json-c: the text must be the bytes json-c writes. */
START_TEST(json_text_is_what_json_c_writes) {
  static const char *const strings[] = {
      "",         "Ann",         "a/b",         "x y'z", "~!@#$%^&*()", "tab\there",
      "quote\"d", "back\\slash", "caf\xc3\xa9", "\x7f",  "\x01",        "new\nline"};
  static const int64_t integers[] = {INT64_MIN, -1, 0, 42, INT64_MAX};
  static const char *const names[] = {"name", "a/b", "odd name", "q\"uote", "zz"};
  for (size_t k = 0; k < sizeof strings / sizeof *strings; k++)
    for (size_t m = 0; m < sizeof names / sizeof *names; m++) {
      custapi_customer *c;
      ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
      ck_assert_int_eq(custapi__customer_put_string(c, names[m], strings[k], strlen(strings[k])),
                       0);
      ck_assert_int_eq(custapi__customer_put_int(c, "sms_quota", integers[(k + m) % 5]), 0);
      if (k % 2)
        ck_assert_int_eq(custapi__customer_put_bool(c, "flag", (int)(m % 2)), 0);
      if (k % 3 == 0)
        ck_assert_int_eq(custapi__customer_put_null(c, "gone"), 0);
      json_object *obj;
      ck_assert_int_eq(custapi__customer_to_json_object(&obj, c), 0);
      size_t want_len;
      char *want = custapi__json_to_string(obj, &want_len);
      json_object_put(obj);
      size_t len;
      char *got = custapi__customer_to_json_text(c, &len);
      ck_assert_ptr_nonnull(got);
      ck_assert_uint_eq(len, want_len);
      ck_assert_str_eq(got, want);
      custapi__free(got);
      custapi__free(want);
      custapi_customer_free(c);
    }
  custapi_customer *empty;
  ck_assert_int_eq(custapi_customer_new(&empty, 0), 0);
  char *text = custapi__customer_to_json_text(empty, NULL);
  ck_assert_str_eq(text, "{}");
  custapi__free(text);
  custapi_customer_free(empty);
}
END_TEST

static Suite *customer_suite(void) {
  Suite *s = suite_create("customer");
  TCase *t = tcase_create("model");
  tcase_add_test(t, free_functions_accept_null);
  tcase_add_test(t, duplicate_names_are_refused_and_not_out_of_memory);
  tcase_add_test(t, text_is_typed_by_the_schema);
  tcase_add_test(t, set_int_checks_type_and_range);
  tcase_add_test(t, integer_text_edges_are_the_same_from_text_and_json_strings);
  tcase_add_test(t, integer_json_number_edges);
  tcase_add_test(t, json_input_members_are_capped);
  tcase_add_test(t, iteration_order_is_schema_then_insertion);
  tcase_add_test(t, unset_and_dup);
  tcase_add_test(t, json_round_trip_keeps_types_and_does_not_escape_slashes);
  tcase_add_test(t, raw_setters_keep_any_field);
  tcase_add_test(t, errors_have_names_and_statuses);
  tcase_add_test(t, out_of_memory_on_every_allocation);
  tcase_add_test(t, json_text_is_what_json_c_writes);
  suite_add_tcase(s, t);
  return s;
}



int main(void) {
  SRunner *r = srunner_create(customer_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
