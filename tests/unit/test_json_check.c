/* The strict JSON checker: RFC 8259's grammar, where json-c (even strict) is lenient. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"

static custapi_json_check check;

static int ok(const char *text) { return custapi__json_check(&check, text, strlen(text), NULL) == 0; }

START_TEST(accepts_json) {
  const char *good[] = {
      "{}", "[]", "\"x\"", "0", "-0", "1.5", "-1e-3", "1E+2", "true", "false", "null",
      " {\"a\" : [1, {\"b\": null}] }\r\n", "{\"a\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
      "{\"a\":\"\\ud800\"}", /* a lone surrogate escape: json-c allows it, so do we */
      "{\"a\":\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"}", "{\"\":1}", "{\"a\":1,\"a\":2}",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(ok(good[i]), "%s refused: %s", good[i], check.problem);
  ck_assert(ok("{\"a\":1}") && check.top == '{');
  ck_assert(ok("[1]") && check.top == '[');
  ck_assert(ok("-5") && check.top == '0');
}
END_TEST

/* Each of these json-c accepts (the first five even with JSON_TOKENER_STRICT), or mangles. */
START_TEST(refuses_what_the_rfc_refuses) {
  const char *bad[] = {
      "{'a':1}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1.}", "{\"a\":\"x\x01y\"}",
      "{\"a\":01}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":1,}", "[1,]",
      "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":1}x", "{\"a\":1", "{\"a\"", "{\"a\":}",
      "", " ", "\xef\xbb\xbf{}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{a:1}", "[1 2]",
      "{\"a\":\"unterminated}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(!ok(bad[i]), "%s accepted", bad[i]);
    ck_assert_ptr_nonnull(check.problem);
    ck_assert_uint_le(check.offset, strlen(bad[i]));
  }
  ck_assert(!ok("{\"a\":1}x"));
  ck_assert_uint_eq(check.offset, 7);
  ck_assert_str_eq(check.problem, "something follows the value");
}
END_TEST

START_TEST(depth_is_bounded) {
  char deep[2 * CUSTAPI_JSON_MAX_DEPTH + 3];
  size_t n = 0;
  for (int i = 0; i < CUSTAPI_JSON_MAX_DEPTH; i++)
    deep[n++] = '[';
  for (int i = 0; i < CUSTAPI_JSON_MAX_DEPTH; i++)
    deep[n++] = ']';
  deep[n] = '\0';
  ck_assert(ok(deep));
  memmove(deep + 1, deep, n + 1);
  deep[0] = '[';
  deep[n + 1] = ']';
  deep[n + 2] = '\0';
  ck_assert(!ok(deep));
  ck_assert_str_eq(check.problem, "nested too deeply");
}
END_TEST

START_TEST(watches_a_top_level_member) {
  const char *env = "{\"links\":[{\"item\":1}],\"item\":{\"id\":1}}";
  ck_assert_int_eq(custapi__json_check(&check, env, strlen(env), "item"), 0);
  ck_assert(check.member_seen && check.member_is_object);
  const char *nested_only = "{\"links\":{\"item\":{}}}";
  ck_assert_int_eq(custapi__json_check(&check, nested_only, strlen(nested_only), "item"), 0);
  ck_assert(!check.member_seen);
  const char *last_wins = "{\"item\":{},\"item\":[1]}";
  ck_assert_int_eq(custapi__json_check(&check, last_wins, strlen(last_wins), "item"), 0);
  ck_assert(check.member_seen && !check.member_is_object);
  const char *escaped = "{\"\\u0069tem\":{}}";
  ck_assert_int_eq(custapi__json_check(&check, escaped, strlen(escaped), "item"), 0);
  ck_assert(check.member_seen && check.member_is_object);
}
END_TEST

/* json-c saturates integers beyond 64 bits and keeps no text of them: they are refused here. */
START_TEST(integers_stay_within_64_bits) {
  const char *good[] = {
      "9223372036854775807",
      "-9223372036854775808",
      "0",
      "-0",
      "{\"a\":-9223372036854775807}",
      "1e999",
      "99999999999999999999.5",
      "-99999999999999999999e-3",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(ok(good[i]), "%s refused: %s", good[i], check.problem);
  const char *bad[] = {
      "9223372036854775808",
      "-9223372036854775809",
      "18446744073709551615",
      "99999999999999999999999",
      "{\"sms_quota\":10000000000000000000}",
      "[1,-99999999999999999999]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(!ok(bad[i]), "%s accepted", bad[i]);
    ck_assert_str_eq(check.problem, "an integer beyond 64 bits");
    const char *at = bad[i] + check.offset; /* the number's first byte */
    ck_assert(*at == '-' || (*at >= '1' && *at <= '9'));
    ck_assert(check.offset == 0 || !(at[-1] >= '0' && at[-1] <= '9'));
  }
}
END_TEST

/* An array of n copies of `item` (n + 1 values in all). */
static char *array_of(size_t n, const char *item) {
  size_t item_len = strlen(item);
  char *text = malloc(n * (item_len + 1) + 3);
  size_t o = 0;
  text[o++] = '[';
  for (size_t i = 0; i < n; i++) {
    if (i)
      text[o++] = ',';
    memcpy(text + o, item, item_len);
    o += item_len;
  }
  text[o++] = ']';
  text[o] = '\0';
  return text;
}

START_TEST(values_are_bounded) {
  const char *items[] = {"0", "{}", "[]", "\"\"", "null"};
  for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
    char *text = array_of(CUSTAPI_JSON_MAX_VALUES - 1, items[i]);
    ck_assert_msg(ok(text), "%s: %s", items[i], check.problem);
    free(text);
    text = array_of(CUSTAPI_JSON_MAX_VALUES, items[i]);
    ck_assert_msg(!ok(text), "%s", items[i]);
    ck_assert_str_eq(check.problem, "more than 10000 values");
    free(text);
  }
}
END_TEST

/* A problem is reported with the innermost member holding it, as written. */
START_TEST(names_the_member_holding_a_problem) {
  ck_assert(!ok("{\"item\":{\"id\":1,\"sms_quota\":99999999999999999999999}}"));
  ck_assert_str_eq(check.key, "sms_quota");
  ck_assert(!ok("{\"a\":[1,{\"b\":NaN}]}"));
  ck_assert_str_eq(check.key, "b");
  ck_assert(!ok("{\"a\":[1,NaN]}")); /* in an array: the member holding the array */
  ck_assert_str_eq(check.key, "a");
  ck_assert(!ok("{\"s\\u006ds\":1.}")); /* escapes kept as written */
  ck_assert_str_eq(check.key, "s\\u006ds");
  ck_assert(!ok("[1,NaN]"));
  ck_assert_str_eq(check.key, "");
  ck_assert(!ok("{\"a\":1,\"b\":2}x")); /* after the members: none */
  ck_assert_str_eq(check.key, "");
  char long_name[200];
  snprintf(long_name, sizeof long_name, "{\"%0100d\":tru}", 7);
  ck_assert(!ok(long_name));
  ck_assert_uint_eq(strlen(check.key), sizeof check.key - 1); /* cut */
}
END_TEST

/* Plain ASCII is scanned in runs: every byte value between two plain ones is judged alone. */
START_TEST(every_byte_inside_a_run) {
  for (int c = 0; c < 256; c++) {
    char text[16];
    snprintf(text, sizeof text, "[\"ab%cyz\"]", c);
    text[4] = (char)c; /* snprintf would stop at a NUL */
    int want = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
    int got = custapi__json_check(&check, text, 9, NULL) == 0;
    ck_assert_msg(got == want, "byte 0x%02x inside a string: %s", c, got ? "accepted" : "refused");
    if (!want && c >= 0x20 && c != '"' && c != '\\') /* lone non-ASCII: invalid UTF-8 */
      ck_assert_str_eq(check.problem, "a string is not valid UTF-8");
  }
  ck_assert(ok("[\"\x7f\"]")); /* DEL needs no escape */
}
END_TEST

/*
 * Runs are read eight bytes at a time, then byte by byte: every byte value at every position of
 * strings up to three words long, so that each lane of a word, a byte after a marked one (where
 * a borrow could mark it too) and the tail are all judged, and the offset of the first problem
 * is exact.
 */
START_TEST(every_byte_at_every_position) {
  for (size_t len = 1; len <= 24; len++)
    for (size_t at = 0; at < len; at++)
      for (int c = 0; c < 256; c++) {
        char text[32];
        text[0] = '"';
        memset(text + 1, 'a', len);
        text[1 + at] = (char)c;
        text[1 + len] = '"';
        size_t n = len + 2;
        int plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
        int got = custapi__json_check(&check, text, n, NULL);
        ck_assert_msg((got == 0) == plain, "byte 0x%02x at %zu of %zu: %s", c, at, len,
                      got == 0 ? "accepted" : "refused");
        if (plain || c == '"' || c == '\\')
          continue; /* a quote ends the string early; a backslash starts an escape */
        ck_assert_msg(check.offset == 1 + at, "byte 0x%02x at %zu of %zu: offset %zu", c, at, len,
                      check.offset);
      }
}
END_TEST

/* The quick pass takes the usual text and finds what the full pass finds; everything else it
 * leaves to the full pass, so the checker's answer is the full pass's in every case. */
START_TEST(the_quick_pass_agrees_with_the_full_one) {
  static const char answer[] =
      "{\"links\":[{\"title\":\"Customer\",\"rel\":\"self\",\"href\":\"http:\\/\\/h\\/c\\/1\"}],"
      "\"item\":{\"id\":1,\"name\":\"Ann \\\"A\\\"\",\"sms_quota\":-7,\"fax\":\"\"}}";
  static const char *const taken[] = {
      answer,
      " { \"item\" : [ ] , \"item\" : { } } ", "[1,-0,true,false,null,\"x\\n\",[],{}]", "0", "\"\x7f\"",
      "{\"a\":{\"item\":1}}", "{\"item\":1,\"item\":{\"b\":[{}]}}", "123456789012345678",
  };
  static const char *const left[] = {
      "{\"a\":\"\\u00e9\"}", "{\"a\":\"\xc3\xa9\"}", "{\"a\":1.5}", "{\"a\":1e3}",
      "1234567890123456789", "{\"it\\u0065m\":{}}", "{\"a\":01}", "{\"a\":-}", "[1,]", "{\"a\":1,}",
      "{\"a\" 1}", "{\"a\":tru}", "{\"a\":\"x\\q\"}", "{\"a\":\"\t\"}", "[1] x", "", "  ", "{",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "'a'", "nul",
  };
  custapi_json_check fast, full;
  for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
    size_t n = strlen(taken[i]);
    ck_assert_msg(custapi__json_check_fast(&fast, taken[i], n, "item") == 1, "not taken: %s",
                  taken[i]);
    ck_assert_int_eq(custapi__json_check_full(&full, taken[i], n, "item"), 0);
    ck_assert_msg(fast.top == full.top && fast.members == full.members &&
                      fast.member_seen == full.member_seen &&
                      fast.member_is_object == full.member_is_object,
                  "%s: quick %c %zu %d %d, full %c %zu %d %d", taken[i], fast.top, fast.members,
                  fast.member_seen, fast.member_is_object, full.top, full.members,
                  full.member_seen, full.member_is_object);
  }
  for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
    size_t n = strlen(left[i]);
    ck_assert_msg(custapi__json_check_fast(&fast, left[i], n, "item") == 0, "taken: %s", left[i]);
    int want = custapi__json_check_full(&full, left[i], n, "item");
    ck_assert_int_eq(custapi__json_check(&check, left[i], n, "item"), want);
    ck_assert_uint_eq(check.offset, full.offset);
    ck_assert(check.problem == full.problem);
  }
  /* the deepest nesting allowed is taken; one more level is left */
  char deep[2 * CUSTAPI_JSON_MAX_DEPTH + 2];
  memset(deep, '[', CUSTAPI_JSON_MAX_DEPTH);
  memset(deep + CUSTAPI_JSON_MAX_DEPTH, ']', CUSTAPI_JSON_MAX_DEPTH);
  ck_assert_int_eq(custapi__json_check_fast(&fast, deep, 2 * CUSTAPI_JSON_MAX_DEPTH, NULL), 1);
  ck_assert_int_eq(custapi__json_check_full(&full, deep, 2 * CUSTAPI_JSON_MAX_DEPTH, NULL), 0);
}
END_TEST

/* A watched name longer than the name buffer, or one the member's name only starts with. */
START_TEST(long_and_prefixed_names) {
  char text[256];
  snprintf(text, sizeof text, "{\"%s\":{}}",
           "itemitemitemitemitemitemitemitemitemitemitemitemitemitemitemitemitemitem");
  ck_assert_int_eq(custapi__json_check(&check, text, strlen(text), "item"), 0);
  ck_assert(!check.member_seen);
  const char *prefixed = "{\"items\":{},\"ite\":{}}";
  ck_assert_int_eq(custapi__json_check(&check, prefixed, strlen(prefixed), "item"), 0);
  ck_assert(!check.member_seen);
  const char *mixed = "{\"it\\u0065m\":{}}"; /* a run, an escape, a run */
  ck_assert_int_eq(custapi__json_check(&check, mixed, strlen(mixed), "item"), 0);
  ck_assert(check.member_seen);
}
END_TEST


int main(void) {
  Suite *s = suite_create("json_check");
  TCase *t = tcase_create("grammar");
  tcase_add_test(t, accepts_json);
  tcase_add_test(t, refuses_what_the_rfc_refuses);
  tcase_add_test(t, depth_is_bounded);
  tcase_add_test(t, watches_a_top_level_member);
  tcase_add_test(t, integers_stay_within_64_bits);
  tcase_add_test(t, values_are_bounded);
  tcase_add_test(t, names_the_member_holding_a_problem);
  tcase_add_test(t, every_byte_inside_a_run);
  tcase_add_test(t, every_byte_at_every_position);
  tcase_add_test(t, long_and_prefixed_names);
  tcase_add_test(t, the_quick_pass_agrees_with_the_full_one);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
