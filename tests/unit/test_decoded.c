/*
 * Customers that did not come from the checked setters: what a decoder stores from a server's
 * answer (any field, any type: read-only fields, booleans, nulls, unknown names) and what
 * careless JSON input holds. The validator must refuse each such customer before it is sent,
 * naming the property and the problem; the JSON setters must name the JSON type they refused;
 * and the JSON writer must render every value type.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "customer.h"

static custapi_error err;

static custapi_customer *fresh(unsigned flags) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, flags), 0);
  custapi_error_clear(&err);
  return c;
}

/* Validates in partial mode; on failure checks the property and the exact message. */
static void assert_refused(custapi_customer *c, const char *property, const char *message) {
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_INVALID);
  ck_assert_str_eq(err.property, property);
  ck_assert_str_eq(err.message, message);
  custapi_customer_free(c);
}

/* ---- a customer as a server returned it, fed back to an update ---- */

START_TEST(read_only_field_from_a_server_is_refused) {
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_string(c, "name", "Ann", 3), 0);
  ck_assert_int_eq(custapi__customer_put_int(c, "enterprise_id", 1), 0);
  assert_refused(c, "enterprise_id",
                 "enterprise_id: read-only field, can't be updated (drop it, or ignore read-only "
                 "fields)");
}
END_TEST

START_TEST(unknown_field_is_refused_with_a_suggestion_or_without) {
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_string(c, "emial", "a@example.com", 13), 0);
  assert_refused(c, "emial", "emial: unknown property; did you mean 'email'?");
  c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_string(c, "qqqqqqqqqqqq", "x", 1), 0);
  assert_refused(c, "qqqqqqqqqqqq",
                 "qqqqqqqqqqqq: unknown property (not one of the 18 properties of an update)");
}
END_TEST

/* One place words a refused name: the model (setting it) and the validator (checking a
 * customer a decoder filled) say the same, for read-only and unknown names alike. */
START_TEST(model_and_validator_word_a_refused_name_alike) {
  const char *names[] = {"enterprise_id", "id", "fax", "emial", "qqqqqqqqqqqq", "nmae"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    custapi_customer *set = fresh(0);
    custapi_error by_model;
    ck_assert_int_eq(custapi_customer_set(set, names[i], "x", &by_model), CUSTAPI_EINVALID);
    custapi_customer_free(set);
    custapi_customer *c = fresh(0);
    ck_assert_int_eq(custapi__customer_put_string(c, names[i], "x", 1), 0);
    assert_refused(c, names[i], by_model.message);
  }
}
END_TEST

START_TEST(allowed_unknown_fields_must_be_short_strings) {
  custapi_customer *c = fresh(CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  ck_assert_int_eq(custapi__customer_put_bool(c, "is_vip", 1), 0);
  assert_refused(c, "is_vip", "is_vip: unknown properties are sent as strings, not a boolean");
  c = fresh(CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  ck_assert_int_eq(custapi__customer_put_null(c, "note"), 0);
  assert_refused(c, "note", "note: unknown properties are sent as strings, not null");

  char *text = malloc(1026);
  memset(text, 'a', 1025);
  text[1025] = '\0';
  c = fresh(CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  ck_assert_int_eq(custapi__customer_put_string(c, "note", text, 1025), 0);
  assert_refused(c, "note", "note: too long, 1025 bytes of at most 1024");
  /* one byte less is accepted, and so is an allowed unknown string at all */
  c = fresh(CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  ck_assert_int_eq(custapi__customer_put_string(c, "note", text, 1024), 0);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err), 0);
  custapi_customer_free(c);
  free(text);
}
END_TEST

START_TEST(schema_property_of_the_wrong_type_is_refused) {
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_string(c, "sms_quota", "5", 1), 0);
  assert_refused(c, "sms_quota", "sms_quota: must be an integer, not a string (an integer >= 0)");
  c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_bool(c, "name", 0), 0);
  ck_assert_ptr_nonnull(strstr(custapi_schema_find("name")->rule, ""));
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(err.property, "name");
  ck_assert_ptr_nonnull(strstr(err.message, "name: must be a string, not a boolean"));
  custapi_customer_free(c);
  c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_null(c, "email_quota"), 0);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "email_quota: must be an integer, not null"));
  custapi_customer_free(c);
}
END_TEST

START_TEST(integer_beyond_32_bits_is_refused) {
  /* A server may send any JSON number; it must not be written back silently truncated. */
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_int(c, "email_quota", 4294967296LL), 0);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_ptr_nonnull(
      strstr(err.message, "email_quota: out of the signed 32-bit range: 4294967296"));
  custapi_customer_free(c);
}
END_TEST

START_TEST(unknown_validation_mode_is_usage) {
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi_customer_set(c, "name", "Ann", &err), 0);
  ck_assert_int_eq(custapi_validate(c, (custapi_validate_mode)7, 0, NULL, NULL, &err),
                   CUSTAPI_EUSAGE);
  ck_assert_str_eq(err.message, "unknown validation mode 7");
  custapi_customer_free(c);
}
END_TEST

/* ---- JSON input of the wrong types ---- */

static int set_json(custapi_customer *c, const char *json) {
  custapi_error_clear(&err);
  return custapi_customer_set_json(c, json, strlen(json), &err);
}

START_TEST(json_string_property_names_the_json_type_it_got) {
  static const struct {
    const char *json, *words;
  } cases[] = {
      {"{\"name\":5}", "name: must be a JSON string, not a JSON number"},
      {"{\"name\":1.5}", "name: must be a JSON string, not a JSON number with a fraction"},
      {"{\"name\":null}", "name: must be a JSON string, not null"},
      {"{\"name\":true}", "name: must be a JSON string, not a boolean"},
      {"{\"name\":{}}", "name: must be a JSON string, not an object"},
      {"{\"name\":[\"a\"]}", "name: must be a JSON string, not an array"},
      {"{\"sms_quota\":\"x\"}", "sms_quota: not an integer: \"x\" (an integer >= 0)"},
      {"{\"sms_quota\":[1]}", "sms_quota: must be an integer, not an array"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_customer *c = fresh(0);
    ck_assert_int_eq(set_json(c, cases[i].json), CUSTAPI_EINVALID);
    ck_assert_msg(strstr(err.message, cases[i].words) != NULL, "%s: %s", cases[i].json,
                  err.message);
    ck_assert_uint_eq(custapi_customer_count(c), 0);
    custapi_customer_free(c);
  }
}
END_TEST

START_TEST(json_unknown_property_must_be_a_string_or_an_integer) {
  custapi_customer *c = fresh(CUSTAPI_CUSTOMER_ALLOW_UNKNOWN);
  ck_assert_int_eq(set_json(c, "{\"tier\":[1]}"), CUSTAPI_EINVALID);
  ck_assert_str_eq(err.message, "tier: must be a JSON string or integer, not an array");
  /* an integer is kept as its decimal text */
  ck_assert_int_eq(set_json(c, "{\"tier\":3}"), 0);
  const custapi_field *f = custapi_customer_get(c, "tier");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_STRING);
  ck_assert_str_eq(f->string, "3");
  custapi_customer_free(c);
  /* a read-only field of any type is dropped when the customer ignores them */
  c = fresh(CUSTAPI_CUSTOMER_IGNORE_READ_ONLY);
  ck_assert_int_eq(set_json(c, "{\"is_department\":false,\"name\":\"Ann\"}"), 0);
  ck_assert_ptr_null(custapi_customer_get(c, "is_department"));
  ck_assert_uint_eq(custapi_customer_count(c), 1);
  custapi_customer_free(c);
}
END_TEST

START_TEST(json_input_that_is_not_one_object) {
  static const struct {
    const char *json, *message;
  } cases[] = {
      {"[1]", "JSON input must be an object of properties, not an array"},
      {"\"x\"", "JSON input must be an object of properties, not a string"},
      {"{\"name\":\"a\"",
       "JSON input is not valid at byte 11: the input ends before the object does"},
      {"{\"name\":\"a\"} x", "JSON input is not valid at byte 13: something follows the value"},
      /* what json-c accepts even in strict mode, and the RFC does not */
      {"{'name':'a'}",
       "JSON input is not valid at byte 1: an object's member name must be a double-quoted string"},
      {"{\"sms_quota\":NaN}",
       "JSON input is not valid at byte 13, in member \"sms_quota\": not a JSON value"},
      {"{\"sms_quota\":1.}", "JSON input is not valid at byte 15, in member \"sms_quota\": a "
                             "number is not written as JSON allows"},
      {"{\"name\":\"a\x01\"}", "JSON input is not valid at byte 10, in member \"name\": a control "
                               "character inside a string (it must be escaped)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_customer *c = fresh(0);
    ck_assert_int_eq(set_json(c, cases[i].json), CUSTAPI_EINVALID);
    ck_assert_str_eq(err.message, cases[i].message);
    custapi_customer_free(c);
  }
}
END_TEST

/* ---- writing every value type ---- */

START_TEST(to_json_renders_every_value_type) {
  custapi_customer *c = fresh(0);
  ck_assert_int_eq(custapi__customer_put_string(c, "website_url", "https://a.example/b", 19), 0);
  ck_assert_int_eq(custapi__customer_put_int(c, "sms_quota", 7), 0);
  ck_assert_int_eq(custapi__customer_put_bool(c, "is_department", 1), 0);
  ck_assert_int_eq(custapi__customer_put_null(c, "fax"), 0);
  char *json = NULL;
  ck_assert_int_eq(custapi_customer_to_json(&json, c), 0);
  ck_assert_str_eq(json, "{\"sms_quota\":7,\"website_url\":\"https://a.example/b\","
                         "\"is_department\":true,\"fax\":null}");
  custapi_free(json);
  custapi_customer_free(c);
}
END_TEST

static Suite *decoded_suite(void) {
  Suite *s = suite_create("decoded");
  TCase *t = tcase_create("validate");
  tcase_add_test(t, read_only_field_from_a_server_is_refused);
  tcase_add_test(t, unknown_field_is_refused_with_a_suggestion_or_without);
tcase_add_test(t, model_and_validator_word_a_refused_name_alike);
  tcase_add_test(t, allowed_unknown_fields_must_be_short_strings);
  tcase_add_test(t, schema_property_of_the_wrong_type_is_refused);
  tcase_add_test(t, integer_beyond_32_bits_is_refused);
  tcase_add_test(t, unknown_validation_mode_is_usage);
  suite_add_tcase(s, t);
  t = tcase_create("json");
  tcase_add_test(t, json_string_property_names_the_json_type_it_got);
  tcase_add_test(t, json_unknown_property_must_be_a_string_or_an_integer);
  tcase_add_test(t, json_input_that_is_not_one_object);
  tcase_add_test(t, to_json_renders_every_value_type);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(decoded_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
