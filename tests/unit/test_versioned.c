/*
 * The caller-allocated structs that may grow (docs/abi.md): custapi_error and
 * custapi_bulk_summary carry a version, which the library reads (0 as 1, the first layout) and
 * never changes, whether it sets, clears, copies or fills them.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "error.h"

START_TEST(init_and_zero_are_the_first_layout) {
  custapi_error a = CUSTAPI_ERROR_INIT, z = {0};
  ck_assert_uint_eq(a.version, CUSTAPI_ERROR_VERSION);
  ck_assert_uint_eq(CUSTAPI_ERROR_VERSION, 1);
  ck_assert_uint_eq(z.version, 0);
  ck_assert_int_eq(a.category, CUSTAPI_CATEGORY_OK);
  ck_assert_str_eq(a.message, "");
  custapi_bulk_summary s = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_uint_eq(s.version, CUSTAPI_BULK_SUMMARY_VERSION);
  ck_assert_uint_eq(CUSTAPI_BULK_SUMMARY_VERSION, 1);
  ck_assert_int_eq(s.records, 0);
  /* the version leads, so that any later layout starts the same way */
  ck_assert_uint_eq(offsetof(custapi_error, version), 0);
  ck_assert_uint_eq(offsetof(custapi_bulk_summary, version), 0);
}
END_TEST

/* Every way the library writes an error keeps the caller's version, whatever it is. */
START_TEST(writes_keep_the_callers_version) {
  const unsigned versions[] = {0, 1, 2, 77};
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    /* exactly one custapi_error on the heap: a write past it is caught under ASan/valgrind */
    custapi_error *e = malloc(sizeof *e);
    ck_assert_ptr_nonnull(e);
    memset(e, 0x5A, sizeof *e);
    e->version = versions[i];
    ck_assert_int_eq(custapi_id_parse(&(int32_t){0}, "0", e), CUSTAPI_EINVALID);
    ck_assert_uint_eq(e->version, versions[i]);
    ck_assert_int_eq(e->category, CUSTAPI_CATEGORY_INVALID);
    ck_assert_str_eq(e->property, "id");
    ck_assert_int_eq(e->http_status, 0);
    custapi_error_clear(e);
    ck_assert_uint_eq(e->version, versions[i]);
    ck_assert_int_eq(e->category, CUSTAPI_CATEGORY_OK);
    ck_assert_str_eq(e->message, "");
    ck_assert_int_eq(custapi__error_oom(e), CUSTAPI_EINTERNAL);
    ck_assert_uint_eq(e->version, versions[i]);
    ck_assert_str_eq(e->message, "out of memory");
    custapi_error src = CUSTAPI_ERROR_INIT;
    custapi__error_set(&src, CUSTAPI_CATEGORY_SERVER, "name", "a server said %d", 5);
    src.http_status = 500;
    src.has_fault_code = 1;
    src.fault_code = -32603;
    ck_assert_int_eq(custapi_error_copy(e, &src), CUSTAPI_ESERVER);
    ck_assert_uint_eq(e->version, versions[i]);
    ck_assert_int_eq(e->category, CUSTAPI_CATEGORY_SERVER);
    ck_assert_int_eq(e->http_status, 500);
    ck_assert_int_eq(e->has_fault_code, 1);
    ck_assert_int_eq(e->fault_code, -32603);
    ck_assert_str_eq(e->property, "name");
    ck_assert_str_eq(e->message, "a server said 5");
    free(e);
  }
  ck_assert_int_eq(custapi_error_copy(NULL, NULL), CUSTAPI_EINTERNAL);
}
END_TEST

/* A client's last error comes out with this header's version; a copy keeps the caller's. */
START_TEST(the_clients_error_is_copied_into_the_callers_layout) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = "http://127.0.0.1:1";
  o.username = "u";
  o.api_key = "k";
  custapi_client *c;
  custapi_error err = {0};
  ck_assert_int_eq(custapi_client_new(&c, &o, &err), 0);
  custapi_result *r = NULL;
  ck_assert_int_eq(custapi_get(&r, c, 0), CUSTAPI_EINVALID);
  const custapi_error *last = custapi_client_last_error(c);
  ck_assert_uint_eq(last->version, CUSTAPI_ERROR_VERSION);
  ck_assert_int_eq(custapi_error_copy(&err, last), CUSTAPI_EINVALID);
  ck_assert_uint_eq(err.version, 0);
  ck_assert_str_eq(err.message, last->message);
  custapi_client_free(c);
}
END_TEST

int main(void) {
  Suite *s = suite_create("versioned");
  TCase *t = tcase_create("structs");
  tcase_add_test(t, init_and_zero_are_the_first_layout);
  tcase_add_test(t, writes_keep_the_callers_version);
  tcase_add_test(t, the_clients_error_is_copied_into_the_callers_layout);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
