/*
 * The validator: every rule of docs/properties.md, each boundary from both sides, through the
 * public API (custapi_customer_set from text, custapi_customer_set_json, custapi_validate).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"

static custapi_error last_error;

/* Sets one property from text and validates it; returns the status of the first failure. */
static int try_text(const char *name, const char *value, unsigned validate_flags) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  custapi_error_clear(&last_error);
  int rc = custapi_customer_set(c, name, value, &last_error);
  if (rc == 0)
    rc = custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, validate_flags, NULL, NULL, &last_error);
  custapi_customer_free(c);
  return rc;
}

/* The same from a JSON document. */
static int try_json(const char *json) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  custapi_error_clear(&last_error);
  int rc = custapi_customer_set_json(c, json, strlen(json), &last_error);
  if (rc == 0)
    rc = custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &last_error);
  custapi_customer_free(c);
  return rc;
}

#define PASSES(name, value) ck_assert_msg(try_text(name, value, 0) == 0, "%s=%s refused: %s", name, value, last_error.message)
#define FAILS(name, value)                                                                     \
  do {                                                                                         \
    ck_assert_msg(try_text(name, value, 0) == CUSTAPI_EINVALID, "%s=%s accepted", name, value);   \
    ck_assert_str_eq(last_error.property, name);                                               \
    ck_assert_int_eq(last_error.category, CUSTAPI_CATEGORY_INVALID);                           \
    ck_assert_msg(strncmp(last_error.message, name, strlen(name)) == 0,                        \
                  "message does not start with the property: %s", last_error.message);         \
    ck_assert_ptr_null(strchr(last_error.message, '\n'));                                      \
  } while (0)

/* ---- integers ---- */

START_TEST(integer_32_bit_boundaries) {
  PASSES("sms_quota", "2147483647");
  FAILS("sms_quota", "2147483648");
  ck_assert_ptr_nonnull(strstr(last_error.message, "32-bit"));
  PASSES("email_quota", "0");
  FAILS("email_quota", "-1");
  FAILS("email_quota", "-2147483649");
  FAILS("email_quota", "99999999999999999999999");
}
END_TEST

START_TEST(integer_sign_rules) {
  PASSES("email_package_id", "1");
  FAILS("email_package_id", "0");
  ck_assert_ptr_nonnull(strstr(last_error.message, "greater than 0"));
  FAILS("transactions_package_id", "-5");
  PASSES("transactions_quota", "0");
  FAILS("transactions_quota", "-1");
}
END_TEST

START_TEST(integer_text_must_be_canonical) {
  const char *bad[] = {"5e3", "12abc", "", "1.0", " 5", "5 ", "0x10", "+5", "05", "-0", "-", "١"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FAILS("sms_quota", bad[i]);
    ck_assert_ptr_nonnull(strstr(last_error.message, "not an integer"));
  }
  PASSES("sms_quota", "5000");
}
END_TEST

START_TEST(integer_from_json) {
  ck_assert_int_eq(try_json("{\"sms_quota\": 5}"), 0);
  ck_assert_int_eq(try_json("{\"sms_quota\": \"5000\"}"), 0);
  ck_assert_int_eq(try_json("{\"sms_quota\": 2147483647}"), 0);
  /* json-c's lenient cases, each refused: */
  ck_assert_int_eq(try_json("{\"sms_quota\": 2147483648}"), CUSTAPI_EINVALID);      /* saturates */
  ck_assert_int_eq(try_json("{\"sms_quota\": 9223372036854775808}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"sms_quota\": \"12abc\"}"), CUSTAPI_EINVALID);       /* reads 12 */
  ck_assert_int_eq(try_json("{\"sms_quota\": 1.0}"), CUSTAPI_EINVALID);             /* converts */
  ck_assert_int_eq(try_json("{\"sms_quota\": 5e3}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"sms_quota\": NaN}"), CUSTAPI_EINVALID);             /* accepted */
  ck_assert_int_eq(try_json("{\"sms_quota\": true}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"sms_quota\": null}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"sms_quota\": [1]}"), CUSTAPI_EINVALID);
  ck_assert_str_eq(last_error.property, "sms_quota");
  ck_assert_int_eq(try_json("{\"sms_quota\": -1}"), CUSTAPI_EINVALID);              /* rule */
}
END_TEST

/* ---- strings ---- */

START_TEST(strings_from_json_only_as_strings) {
  ck_assert_int_eq(try_json("{\"name\": \"Ann\"}"), 0);
  ck_assert_int_eq(try_json("{\"name\": 5}"), CUSTAPI_EINVALID);
  ck_assert_str_eq(last_error.property, "name");
  ck_assert_int_eq(try_json("{\"postal_code\": 8001}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"address\": null}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"address\": false}"), CUSTAPI_EINVALID);
}
END_TEST

START_TEST(json_document_rules) {
  ck_assert_int_eq(try_json("{\"name\": \"Ann\"} trailing"), CUSTAPI_EINVALID); /* ignored by json-c */
  ck_assert_int_eq(try_json("{\"name\": \"Ann\"}\n"), 0);
  ck_assert_int_eq(try_json("[1,2]"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"name\": \"Ann\""), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json(""), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"name\": \"\xff\xfe\"}"), CUSTAPI_EINVALID); /* invalid UTF-8 */
  ck_assert_int_eq(try_json("{'name': 'Ann'}"), CUSTAPI_EINVALID);
  ck_assert_int_eq(try_json("{\"address\": \"a\\u0000b\"}"), CUSTAPI_EINVALID); /* NUL */
  ck_assert_str_eq(last_error.property, "address");
}
END_TEST

START_TEST(encoding_rules) {
  PASSES("address", "1 Main Rd\nCape Town");    /* LF allowed */
  PASSES("address", "a\tb");                    /* TAB allowed */
  FAILS("address", "a\rb");                     /* CR refused */
  ck_assert_ptr_nonnull(strstr(last_error.message, "CR"));
  FAILS("address", "a\x01" "b");
  FAILS("address", "a\x7f" "b");                /* DEL */
  FAILS("address", "a\xc2\x85" "b");            /* C1 control U+0085 */
  PASSES("address", "caf\xc3\xa9 \xe4\xb8\xad");  /* é 中 */
  PASSES("address", "\xef\xbf\xbd");            /* U+FFFD passes */
  FAILS("address", "\xef\xbf\xbe");             /* U+FFFE fails */
  FAILS("address", "\xf0\x9f\x98\x80");         /* U+1F600 fails */
  ck_assert_ptr_nonnull(strstr(last_error.message, "U+1F600"));
  FAILS("address", "\xc0\xaf");                 /* overlong */
  FAILS("address", "\xed\xa0\x80");             /* surrogate */
  FAILS("address", "\xe4\xb8");                 /* truncated */
  ck_assert_ptr_nonnull(strstr(last_error.message, "UTF-8"));
}
END_TEST

static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

START_TEST(length_caps) {
  char *s = repeat('a', 1024);
  PASSES("address", s);
  free(s);
  s = repeat('a', 1025);
  FAILS("address", s);
  ck_assert_ptr_nonnull(strstr(last_error.message, "too long"));
  ck_assert_uint_lt(strlen(last_error.message), CUSTAPI_ERROR_MESSAGE_MAX);
  free(s);
  /* email: 254 bytes pass, 255 fail */
  char email[300];
  char *local = repeat('a', 64);
  char *domain = repeat('b', 254 - 64 - 1 - 4);
  snprintf(email, sizeof email, "%s@%s.com", local, domain);
  ck_assert_uint_eq(strlen(email), 254);
  PASSES("email", email);
  snprintf(email, sizeof email, "%s@%sb.com", local, domain);
  FAILS("email", email);
  free(local);
  free(domain);
  /* bytes, not characters: 512 two-byte characters are 1024 bytes */
  char wide[2 * 513 + 1] = "";
  for (int i = 0; i < 512; i++)
    strcat(wide, "\xc3\xa9");
  PASSES("address", wide);
  strcat(wide, "\xc3\xa9");
  FAILS("address", wide);
}
END_TEST

START_TEST(empty_strings) {
  const char *clearable[] = {"address", "state_provinces", "postal_code", "unique_id",
                             "website_url", "telephone"};
  for (size_t i = 0; i < sizeof clearable / sizeof clearable[0]; i++)
    PASSES(clearable[i], "");
  const char *not_empty[] = {"name", "email", "hash", "status", "deleted", "industry", "country",
                             "sms_quota", "email_package_id"};
  for (size_t i = 0; i < sizeof not_empty / sizeof not_empty[0]; i++)
    FAILS(not_empty[i], "");
}
END_TEST

/* ---- formats ---- */

START_TEST(email_rule) {
  PASSES("email", "a@b.co");
  PASSES("email", "first.last+tag@mail.example.com");
  const char *bad[] = {"a@", "@b.co", "ab.co", "a@b", "a@@b.co", "a@b@c.co", "a b@c.co",
                       "a@b..co", "a@.b.co", "a@b.co.", "a@b.co\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    FAILS("email", bad[i]);
}
END_TEST

START_TEST(hash_rule) {
  PASSES("hash", "7kvwQz6dzkgKbjS8");
  FAILS("hash", "7kvw-Qz6");
  FAILS("hash", "abc def");
  FAILS("hash", "h\xc3\xa9");
}
END_TEST

START_TEST(enumerations) {
  const char *status[] = {"on", "off", "suspended", "deleted"};
  for (size_t i = 0; i < 4; i++)
    PASSES("status", status[i]);
  FAILS("status", "On");
  FAILS("status", "active");
  FAILS("status", "on ");
  PASSES("deleted", "yes");
  PASSES("deleted", "no");
  FAILS("deleted", "true");
  FAILS("deleted", "Yes");
}
END_TEST

START_TEST(industry_values_exactly) {
  PASSES("industry", "Hospitality, Travel & Tourism");
  FAILS("industry", "Travel & Tourism");
  FAILS("industry", "Hospitality");
  PASSES("industry", "Personal Use");
  PASSES("industry", "Technology & Science");
  PASSES("industry", "E-commerce");
  FAILS("industry", "e-commerce");
  FAILS("industry", "Ecommerce");
  PASSES("industry", "Industry, Trade & Manufacture");
  FAILS("industry", "Industry");
}
END_TEST

/* A value outside an enumeration says what to write: the nearest value(s), or all of them, and
 * the whole list fits the message even after the longest quoted value (issue 22). */
START_TEST(enumeration_refusals_name_the_allowed_values) {
  FAILS("industry", "tech");
  ck_assert_str_eq(last_error.message,
                   "industry: not an allowed value: \"tech\"; did you mean \"Technology & Science\"?");
  FAILS("industry", "Automotiv");
  ck_assert_ptr_nonnull(strstr(last_error.message, "did you mean \"Automotive\"?"));
  FAILS("industry", "industry");
  ck_assert_ptr_nonnull(strstr(last_error.message, "\"Industry, Trade & Manufacture\"?"));
  FAILS("deleted", "y");
  ck_assert_ptr_nonnull(strstr(last_error.message, "did you mean \"yes\"?"));
  char worst[200];
  memset(worst, 'Q', sizeof worst - 1);
  worst[sizeof worst - 1] = '\0';
  FAILS("industry", worst);
  for (const char *const *v = custapi_schema_values("industry"); *v; v++)
    ck_assert_msg(strstr(last_error.message, *v), "%s not listed: %s", *v, last_error.message);
  ck_assert_msg(last_error.message[strlen(last_error.message) - 1] == ')', "cut: %s",
                last_error.message);
  char wide[200] = ""; /* three bytes a character: the widest a quoted value takes */
  for (int i = 0; i < 60; i++)
    strcat(wide, "\xE2\x82\xAC");
  FAILS("industry", wide);
  ck_assert_msg(last_error.message[strlen(last_error.message) - 1] == ')', "cut: %s",
                last_error.message);
}
END_TEST

START_TEST(telephone_rule) {
  PASSES("telephone", "+27 (21) 555-0100");
  PASSES("telephone", "021.555.0100");
  FAILS("telephone", "555-CALL");
  FAILS("telephone", "555/0100");
  FAILS("telephone", "555\n0100");
}
END_TEST

START_TEST(website_url_rule) {
  PASSES("website_url", "https://example.com");
  PASSES("website_url", "http://example.com:8080/a/b?c=d#e");
  PASSES("website_url", "HTTPS://EXAMPLE.COM/");
  PASSES("website_url", "http://[::1]:80/");
  PASSES("website_url", "");
  const char *bad[] = {"example.com", "ftp://example.com", "http://", "https:///path",
                       "http://exa mple.com", "http://:80/", "//example.com", "http:/x.com",
                       "http://x.com:8o/"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    FAILS("website_url", bad[i]);
}
END_TEST

START_TEST(country_rule_and_normalisation) {
  PASSES("country", "ZA");
  PASSES("country", "XK");
  FAILS("country", "UK");
  FAILS("country", "ZAF");
  FAILS("country", "Z");
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "country", "za", NULL), 0);
  ck_assert_str_eq(custapi_customer_get(c, "country")->string, "ZA");
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, NULL), 0);
  ck_assert_int_eq(custapi_customer_set_json(c, "{\"country\":\"gb\"}", 16, NULL), 0);
  ck_assert_str_eq(custapi_customer_get(c, "country")->string, "GB");
  custapi_customer_free(c);
}
END_TEST

/* ---- lenient mode ---- */

static int warnings;
static char warned_property[64];
static void count_warning(const char *property, const char *message, void *payload) {
  (void)message;
  ck_assert_ptr_eq(payload, &warnings);
  snprintf(warned_property, sizeof warned_property, "%s", property);
  warnings++;
}

static int lenient(const char *name, const char *value) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  warnings = 0;
  int rc = custapi_customer_set(c, name, value, &last_error);
  if (rc == 0)
    rc = custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, CUSTAPI_VALIDATE_LENIENT, count_warning,
                          &warnings, &last_error);
  custapi_customer_free(c);
  return rc;
}

START_TEST(lenient_turns_format_rules_into_warnings) {
  ck_assert_int_eq(lenient("email", "not-an-address"), 0);
  ck_assert_int_eq(warnings, 1);
  ck_assert_str_eq(warned_property, "email");
  ck_assert_int_eq(lenient("telephone", "555-CALL"), 0);
  ck_assert_int_eq(warnings, 1);
  ck_assert_int_eq(lenient("website_url", "example.com"), 0);
  ck_assert_int_eq(warnings, 1);
  ck_assert_int_eq(lenient("country", "QQ"), 0);
  ck_assert_int_eq(warnings, 1);
  ck_assert_int_eq(lenient("email", "a@b.co"), 0);
  ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(lenient_keeps_types_enums_encoding_and_lengths) {
  ck_assert_int_eq(lenient("sms_quota", "5e3"), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("sms_quota", "-1"), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("status", "active"), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("industry", "Travel & Tourism"), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("address", "a\rb"), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("email", ""), CUSTAPI_EINVALID);
  ck_assert_int_eq(lenient("hash", "a-b"), CUSTAPI_EINVALID);
  char *s = repeat('a', 255);
  memcpy(s + 100, "@x.co", 5);
  ck_assert_int_eq(lenient("email", s), CUSTAPI_EINVALID);
  free(s);
  ck_assert_int_eq(warnings, 0);
}
END_TEST

/* ---- names ---- */

START_TEST(unknown_names_suggest_and_can_be_allowed) {
  FAILS("emial", "a@b.co");
  ck_assert_ptr_nonnull(strstr(last_error.message, "did you mean 'email'"));
  FAILS("favourite_colour", "blue");
  ck_assert_ptr_null(strstr(last_error.message, "did you mean"));

  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN), 0);
  ck_assert_int_eq(custapi_customer_set(c, "favourite_colour", "blue", NULL), 0);
  ck_assert_int_eq(custapi_customer_set_int(c, "lucky_number", 7, NULL), 0);
  ck_assert_int_eq(custapi_customer_get(c, "lucky_number")->type, CUSTAPI_VALUE_STRING);
  ck_assert_str_eq(custapi_customer_get(c, "lucky_number")->string, "7");
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, NULL), 0);
  ck_assert_int_eq(custapi_customer_set(c, "odd", "a\rb", NULL), 0);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &last_error),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(last_error.property, "odd");
  custapi_customer_free(c);
}
END_TEST

START_TEST(read_only_fields_refused_or_ignored) {
  const char *ro[] = {"id", "enterprise_id", "is_department", "country_code", "fax"};
  for (size_t i = 0; i < 5; i++) {
    FAILS(ro[i], "1");
    ck_assert_ptr_nonnull(strstr(last_error.message, "read-only"));
  }
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_IGNORE_READ_ONLY), 0);
  const char *json = "{\"id\":1,\"enterprise_id\":1,\"is_department\":\"no\","
                     "\"country_code\":\"ZA\",\"fax\":null,\"name\":\"Ann\"}";
  ck_assert_int_eq(custapi_customer_set_json(c, json, strlen(json), &last_error), 0);
  ck_assert_uint_eq(custapi_customer_count(c), 1);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, NULL), 0);
  custapi_customer_free(c);
}
END_TEST

/* ---- modes ---- */

static custapi_customer *customer_with(const char *const *pairs) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  for (; pairs[0]; pairs += 2)
    ck_assert_int_eq(custapi_customer_set(c, pairs[0], pairs[1], NULL), 0);
  return c;
}

START_TEST(partial_mode_checks_only_what_is_given) {
  const char *only_email[] = {"email", "a@b.co", NULL};
  custapi_customer *c = customer_with(only_email);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, NULL), 0);
  /* strict needs name, email and hash */
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_STRICT, 0, NULL, NULL, &last_error),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(last_error.property, "name");
  ck_assert_ptr_nonnull(strstr(last_error.message, "name, hash"));
  /* fill-required tolerates the missing ones, and says which they are */
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_FILL_REQUIRED, 0, NULL, NULL, NULL), 0);
  const char *missing[3];
  ck_assert_uint_eq(custapi_validate_missing(missing, c), 2);
  ck_assert_str_eq(missing[0], "name");
  ck_assert_str_eq(missing[1], "hash");
  custapi_customer_free(c);

  const char *all[] = {"name", "Ann", "email", "a@b.co", "hash", "7kvwQz6dzkgKbjS8", NULL};
  c = customer_with(all);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_STRICT, 0, NULL, NULL, NULL), 0);
  ck_assert_uint_eq(custapi_validate_missing(missing, c), 0);
  custapi_customer_free(c);
}
END_TEST

START_TEST(nothing_to_update_is_an_error) {
  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &last_error),
                   CUSTAPI_EINVALID);
  ck_assert_ptr_nonnull(strstr(last_error.message, "nothing to update"));
  custapi_customer_free(c);
}
END_TEST

START_TEST(first_failure_wins_and_names_its_property) {
  const char *pairs[] = {"name", "Ann", "sms_quota", "-1", "status", "nope", NULL};
  custapi_customer *c = customer_with(pairs);
  ck_assert_int_eq(custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &last_error),
                   CUSTAPI_EINVALID);
  ck_assert_str_eq(last_error.property, "status"); /* schema order: status before sms_quota */
  custapi_customer_free(c);
}
END_TEST

/* ---- the customer id ---- */

START_TEST(customer_id_rule) {
  int32_t id = 0;
  ck_assert_int_eq(custapi_id_parse(&id, "1", NULL), 0);
  ck_assert_int_eq(id, 1);
  ck_assert_int_eq(custapi_id_parse(&id, "2147483647", NULL), 0);
  ck_assert_int_eq(id, 2147483647);
  const char *bad[] = {"0", "-1", "2147483648", "", "1.0", "1e3", " 1", "01", "42/../1", "abc"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(custapi_id_parse(&id, bad[i], &last_error), CUSTAPI_EINVALID);
    ck_assert_str_eq(last_error.property, "id");
  }
}
END_TEST

START_TEST(error_messages_quote_values_on_one_line) {
  FAILS("status", "on\nrm -rf /");
  ck_assert_ptr_nonnull(strstr(last_error.message, "\\n"));
  char *s = repeat('x', 1000);
  FAILS("status", s);
  ck_assert_ptr_nonnull(strstr(last_error.message, "..."));
  free(s);
}
END_TEST

static Suite *validate_suite(void) {
  Suite *s = suite_create("validate");
  TCase *t = tcase_create("integers");
  tcase_add_test(t, integer_32_bit_boundaries);
  tcase_add_test(t, integer_sign_rules);
  tcase_add_test(t, integer_text_must_be_canonical);
  tcase_add_test(t, integer_from_json);
  suite_add_tcase(s, t);
  t = tcase_create("strings");
  tcase_add_test(t, strings_from_json_only_as_strings);
  tcase_add_test(t, json_document_rules);
  tcase_add_test(t, encoding_rules);
  tcase_add_test(t, length_caps);
  tcase_add_test(t, empty_strings);
  suite_add_tcase(s, t);
  t = tcase_create("formats");
  tcase_add_test(t, email_rule);
  tcase_add_test(t, hash_rule);
  tcase_add_test(t, enumerations);
  tcase_add_test(t, industry_values_exactly);
  tcase_add_test(t, enumeration_refusals_name_the_allowed_values);
  tcase_add_test(t, telephone_rule);
  tcase_add_test(t, website_url_rule);
  tcase_add_test(t, country_rule_and_normalisation);
  tcase_add_test(t, lenient_turns_format_rules_into_warnings);
  tcase_add_test(t, lenient_keeps_types_enums_encoding_and_lengths);
  suite_add_tcase(s, t);
  t = tcase_create("names_and_modes");
  tcase_add_test(t, unknown_names_suggest_and_can_be_allowed);
  tcase_add_test(t, read_only_fields_refused_or_ignored);
  tcase_add_test(t, partial_mode_checks_only_what_is_given);
  tcase_add_test(t, nothing_to_update_is_an_error);
  tcase_add_test(t, first_failure_wins_and_names_its_property);
  tcase_add_test(t, customer_id_rule);
  tcase_add_test(t, error_messages_quote_values_on_one_line);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(validate_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
