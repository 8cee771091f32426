/*
 * The text rules that are not about customer values: which hosts are loopback (the one
 * definition behind the plain-HTTP check and the proxy bypass), and how text is made safe for
 * a terminal.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "text.h"

static const char *const loopback[] = {
    "127.0.0.1",  "127.0.0.2",  "127.255.255.255",    "127.1",
    "2130706433", "0x7f000001", "0177.0.0.1",         "localhost",
    "LOCALHOST",  "LocalHost",  "api.localhost",      "a.b.LOCALHOST",
    "::1",        "[::1]",      "[0:0:0:0:0:0:0:1]",  "[::0:1]",
    "[::1%25lo]", "::1%lo",     "[::ffff:127.0.0.1]", "[::ffff:7f00:2]",
};

static const char *const not_loopback[] = {
    "128.0.0.1",
    "126.255.255.255",
    "10.0.0.1",
    "0.0.0.0",
    "127",
    "1.127.0.0",
    "127.0.0.1.example.com",
    "127.0.0.1 x",
    "127.0.0.256",
    "localhost.",
    "localhost.example",
    "localhostx",
    "xlocalhost",
    ".localhost",
    "mail.example.com",
    "::",
    "[::2]",
    "[::]",
    "[fe80::1]",
    "::ffff:10.0.0.1",
    "[::1",
    "::1]",
    "[127.0.0.1]",
    "",
    "customers.invalid",
};

START_TEST(loopback_hosts) {
  ck_assert_msg(custapi__text_host_is_loopback(loopback[_i]), "%s", loopback[_i]);
}
END_TEST

START_TEST(hosts_that_are_not_loopback) {
  ck_assert_msg(!custapi__text_host_is_loopback(not_loopback[_i]), "%s", not_loopback[_i]);
}
END_TEST

/* custapi__text_put_visible's output for `len` bytes of `in`, in a static buffer. */
static const char *visible(const char *in, size_t len) {
  static char out[1024];
  FILE *f = fmemopen(out, sizeof out, "w");
  ck_assert_ptr_nonnull(f);
  custapi__text_put_visible(f, in, len);
  fclose(f);
  return out;
}
#define VISIBLE(lit) visible(lit, sizeof lit - 1)

START_TEST(controls_become_visible) {
  ck_assert_str_eq(VISIBLE("plain text, é and €"), "plain text, é and €");
  ck_assert_str_eq(VISIBLE("\x1b[31mred\x1b]0;title\x07"), "\\x1B[31mred\\x1B]0;title\\x07");
  ck_assert_str_eq(VISIBLE("a\x00"
                           "b"),
                   "a\\x00b");
  ck_assert_str_eq(VISIBLE("tab\tcr\rlf\ndel\x7f"), "tab\\x09cr\\x0Dlf\\x0Adel\\x7F");
  /* C1 as UTF-8 (U+009B CSI, U+0085 NEL) and as raw bytes (an 8-bit terminal's CSI) */
  ck_assert_str_eq(VISIBLE("\xc2\x9b"
                           "31m\xc2\x85"),
                   "\\u009B31m\\u0085");
  ck_assert_str_eq(VISIBLE("\x9b"
                           "31m\x80\x9f"),
                   "\\x9B31m\\x80\\x9F");
  /* bytes that are not UTF-8: overlong, surrogate, truncated, beyond U+10FFFF */
  ck_assert_str_eq(VISIBLE("\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf5"),
                   "\\xC0\\xAF|\\xED\\xA0\\x80|\\xE2\\x82|\\xF5");
  ck_assert_str_eq(VISIBLE("\xc2\xa0\xf0\x9f\x98\x80"), "\xc2\xa0\xf0\x9f\x98\x80");
}
END_TEST

/* custapi__text_json_clean and custapi__text_json_put_clean agree, and give `want`. */
static void assert_clean(const char *json, size_t len, const char *want) {
  size_t n = 0;
  char *clean = custapi__text_json_clean(json, len, &n);
  ck_assert_ptr_nonnull(clean);
  ck_assert_str_eq(clean, want);
  ck_assert_uint_eq(n, strlen(want));
  custapi__free(clean);
  char buf[512] = "";
  FILE *f = fmemopen(buf, sizeof buf, "w");
  custapi__text_json_put_clean(f, json, len);
  fclose(f);
  ck_assert_str_eq(buf, want);
}
#define CLEAN(lit, want) assert_clean(lit, sizeof lit - 1, want)

START_TEST(json_becomes_valid_utf8) {
  CLEAN("{\"a\":\"b\"}", "{\"a\":\"b\"}");
  CLEAN("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
        "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
  /* not UTF-8: the text \xHH, its backslash escaped for JSON */
  CLEAN("{\"na\xffme\":\"\xc0\xaf\"}", "{\"na\\\\xFFme\":\"\\\\xC0\\\\xAF\"}");
  /* a sequence cut off at the end of the text */
  CLEAN("\"\xe2\x82", "\"\\\\xE2\\\\x82");
  /* DEL and C1, raw or as UTF-8 */
  CLEAN("\"\x7f\xc2\x9b\x9b\"", "\"\\u007F\\u009B\\\\x9B\"");
  CLEAN("", "");
}
END_TEST

static Suite *text_suite(void) {
  Suite *s = suite_create("text");
  TCase *t = tcase_create("text");
  tcase_add_loop_test(t, loopback_hosts, 0, (int)(sizeof loopback / sizeof loopback[0]));
  tcase_add_loop_test(t, hosts_that_are_not_loopback, 0,
                      (int)(sizeof not_loopback / sizeof not_loopback[0]));
  tcase_add_test(t, controls_become_visible);
  tcase_add_test(t, json_becomes_valid_utf8);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(text_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
