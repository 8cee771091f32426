/* The schema: the property table of docs/properties.md and what is derived from it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "schema.h"

START_TEST(has_the_eighteen_properties_in_order) {
  static const char *const names[] = {
      "name",      "email",           "hash",      "status",     "deleted",
      "email_package_id", "email_quota", "sms_quota", "transactions_package_id",
      "transactions_quota", "address",   "state_provinces", "postal_code", "telephone",
      "website_url", "country",       "industry",  "unique_id",
  };
  ck_assert_uint_eq(custapi_schema_count(), 18);
  for (size_t i = 0; i < 18; i++)
    ck_assert_str_eq(custapi_schema_at(i)->name, names[i]);
  ck_assert_ptr_null(custapi_schema_at(18));
}
END_TEST

START_TEST(types_and_required_flags) {
  const char *integers[] = {"email_package_id", "email_quota", "sms_quota",
                            "transactions_package_id", "transactions_quota"};
  for (size_t i = 0; i < 5; i++)
    ck_assert_int_eq(custapi_schema_find(integers[i])->type, CUSTAPI_TYPE_INTEGER);
  ck_assert_int_eq(custapi_schema_find("country")->type, CUSTAPI_TYPE_STRING);
  size_t required = 0;
  for (size_t i = 0; i < custapi_schema_count(); i++)
    required += custapi_schema_at(i)->required ? 1 : 0;
  ck_assert_uint_eq(required, 3);
  ck_assert(custapi_schema_find("name")->required);
  ck_assert(custapi_schema_find("email")->required);
  ck_assert(custapi_schema_find("hash")->required);
  ck_assert_ptr_null(custapi_schema_find("emial"));
  ck_assert_ptr_null(custapi_schema_find(NULL));
}
END_TEST

START_TEST(every_property_has_a_rule_and_description) {
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const custapi_property_info *p = custapi_schema_at(i);
    ck_assert(p->rule && strlen(p->rule) > 3);
    ck_assert(p->description && strlen(p->description) > 2);
  }
}
END_TEST

/* The public view of the enumerations, and rules that stand alone (no pointer to the command). */
START_TEST(public_allowed_values_and_read_only_fields) {
  static const char *const status[] = {"on", "off", "suspended", "deleted", NULL};
  const char *const *v = custapi_schema_values("status");
  for (size_t i = 0; status[i] || v[i]; i++)
    ck_assert_str_eq(v[i], status[i]);
  ck_assert_str_eq(custapi_schema_values("deleted")[0], "yes");
  ck_assert_str_eq(custapi_schema_values("deleted")[1], "no");
  ck_assert_ptr_null(custapi_schema_values("deleted")[2]);
  ck_assert_ptr_eq(custapi_schema_values("industry"), custapi__schema_values("industry"));
  ck_assert_ptr_null(custapi_schema_values("sms_quota"));
  ck_assert_ptr_null(custapi_schema_values("nosuch"));
  ck_assert_ptr_null(custapi_schema_values(NULL));
  size_t n = 0;
  for (const char *const *f = custapi_schema_read_only_fields(); *f; f++, n++)
    ck_assert(custapi__schema_is_read_only(*f) && !custapi_schema_find(*f));
  ck_assert_uint_eq(n, 5);
  for (size_t i = 0; i < custapi_schema_count(); i++)
    ck_assert_ptr_null(strstr(custapi_schema_at(i)->rule, "list-properties"));
}
END_TEST

START_TEST(industry_has_nineteen_values_with_inner_commas) {
  const char *const *v = custapi__schema_values("industry");
  size_t n = 0;
  int hospitality = 0;
  for (; v[n]; n++)
    hospitality |= strcmp(v[n], "Hospitality, Travel & Tourism") == 0;
  ck_assert_uint_eq(n, 19);
  ck_assert(hospitality);
  ck_assert_ptr_null(custapi__schema_values("name"));
}
END_TEST

START_TEST(country_list_is_249_assigned_plus_xk) {
  ck_assert_uint_eq(custapi__schema_country_count(), 250);
  ck_assert(custapi__schema_country_known("ZA"));
  ck_assert(custapi__schema_country_known("XK"));
  ck_assert(custapi__schema_country_known("AD"));
  ck_assert(custapi__schema_country_known("ZW"));
  ck_assert(custapi__schema_country_known("SS")); /* South Sudan, assigned 2011 */
  ck_assert(!custapi__schema_country_known("UK")); /* reserved, not assigned: GB is */
  ck_assert(!custapi__schema_country_known("EU"));
  ck_assert(!custapi__schema_country_known("AN")); /* Netherlands Antilles, withdrawn */
  ck_assert(!custapi__schema_country_known("za"));
  ck_assert(!custapi__schema_country_known("Z"));
  ck_assert(!custapi__schema_country_known("ZAF"));
}
END_TEST

START_TEST(read_only_fields) {
  const char *ro[] = {"id", "enterprise_id", "is_department", "country_code", "fax"};
  for (size_t i = 0; i < 5; i++)
    ck_assert(custapi__schema_is_read_only(ro[i]));
  ck_assert(!custapi__schema_is_read_only("name"));
  ck_assert(!custapi__schema_is_read_only("hash")); /* returned by the server, but writable */
}
END_TEST

START_TEST(suggestions_for_typos) {
  ck_assert_str_eq(custapi__schema_suggest("emial"), "email");
  ck_assert_str_eq(custapi__schema_suggest("Email"), "email");
  ck_assert_str_eq(custapi__schema_suggest("sms_qouta"), "sms_quota");
  ck_assert_str_eq(custapi__schema_suggest("industy"), "industry");
  ck_assert_str_eq(custapi__schema_suggest("websiteurl"), "website_url");
  ck_assert_ptr_null(custapi__schema_suggest("favourite_colour"));
  ck_assert_ptr_null(custapi__schema_suggest("x"));
}
END_TEST

/* The sorted lookup finds every property by its own name, and nothing near one. */
START_TEST(find_by_name_finds_each_property_and_nothing_else) {
  for (size_t i = 0; i < custapi__schema_count(); i++) {
    const schema_property *p = custapi__schema_at(i);
    ck_assert_ptr_eq(custapi__schema_find(p->info.name), p);
    char name[64];
    snprintf(name, sizeof name, "%s_", p->info.name); /* one byte longer */
    ck_assert_ptr_null(custapi__schema_find(name));
    snprintf(name, sizeof name, "%.*s", (int)strlen(p->info.name) - 1, p->info.name);
    ck_assert_ptr_null(custapi__schema_find(name)); /* one byte shorter */
  }
  const char *others[] = {"", "a", "zzzz", "Name", "EMAIL", "id", "fax", "email_quota\n"};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
    ck_assert_ptr_null(custapi__schema_find(others[i]));
}
END_TEST

static Suite *schema_suite(void) {
  Suite *s = suite_create("schema");
  TCase *t = tcase_create("table");
  tcase_add_test(t, has_the_eighteen_properties_in_order);
  tcase_add_test(t, types_and_required_flags);
  tcase_add_test(t, every_property_has_a_rule_and_description);
  tcase_add_test(t, public_allowed_values_and_read_only_fields);
  tcase_add_test(t, industry_has_nineteen_values_with_inner_commas);
  tcase_add_test(t, country_list_is_249_assigned_plus_xk);
  tcase_add_test(t, read_only_fields);
  tcase_add_test(t, suggestions_for_typos);
  tcase_add_test(t, find_by_name_finds_each_property_and_nothing_else);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(schema_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
