/*
 * Redaction of a trace that arrives in pieces (trace.c's stream): the key and the Basic token,
 * split at every position over two pieces, or over three, never reach the trace callback, not
 * even five bytes of either; text without credentials passes on whole and in order.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "trace.h"

#define USER "demo"
#define KEY "test-key-7f3a9c2e51b8d046"
/* base64("demo:test-key-7f3a9c2e51b8d046") */
#define TOKEN "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"

typedef struct seen {
  char text[4096];
  size_t len;
  int calls;
} seen;

static void collect(custapi_trace_kind kind, const char *text, size_t len, void *payload) {
  (void)kind;
  seen *s = payload;
  ck_assert_uint_lt(s->len + len, sizeof s->text);
  memcpy(s->text + s->len, text, len);
  s->len += len;
  s->text[s->len] = '\0';
  s->calls++;
}

/* No five bytes in a row of `secret` appear in `text`. */
static void assert_no_part_of(const char *text, const char *secret, const char *what) {
  size_t n = strlen(secret);
  for (size_t i = 0; i + 5 <= n; i++) {
    char part[6];
    memcpy(part, secret + i, 5);
    part[5] = '\0';
    ck_assert_msg(!strstr(text, part), "%s: \"%s\" of it is in: %s", what, part, text);
  }
}

static void assert_clean(const seen *s) {
  assert_no_part_of(s->text, KEY, "the key");
  assert_no_part_of(s->text, &TOKEN[6], "the key's part of the Basic token");
}

static custapi_trace_stream stream_to(seen *s) {
  custapi_trace_stream t = {0};
  t.fn = collect;
  t.payload = s;
  t.username = USER;
  t.secret = KEY;
  return t;
}

/* The body "{"message":"bad key KEY, token TOKEN"}" in pieces cut at a and b (a <= b). */
static void feed(seen *s, const char *body, size_t a, size_t b) {
  custapi_trace_stream t = stream_to(s);
  size_t n = strlen(body);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, body, a);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, body + a, b - a);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, body + b, n - b);
  custapi__trace_stream_flush(&t);
  custapi__trace_stream_free(&t);
}

static const char body[] = "{\"message\":\"bad key " KEY ", token " TOKEN "\"}";

START_TEST(a_key_split_over_two_pieces_is_redacted_at_every_position) {
  for (size_t a = 0; a <= strlen(body); a++) {
    seen s = {0};
    feed(&s, body, a, a);
    assert_clean(&s);
    ck_assert_str_eq(s.text, "{\"message\":\"bad key [redacted], token [redacted]\"}");
  }
}
END_TEST

START_TEST(a_key_split_over_three_pieces_is_redacted_at_every_position) {
  size_t n = strlen(body);
  for (size_t a = 0; a <= n; a++)
    for (size_t b = a; b <= n; b++) {
      seen s = {0};
      feed(&s, body, a, b);
      assert_clean(&s);
      ck_assert_str_eq(s.text, "{\"message\":\"bad key [redacted], token [redacted]\"}");
    }
}
END_TEST

START_TEST(text_without_credentials_passes_on_whole_and_lines_at_once) {
  seen s = {0};
  custapi_trace_stream t = stream_to(&s);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_HEAD, "HTTP/1.1 400 Bad Request\r\n", 26);
  ck_assert_int_eq(s.calls, 1); /* a whole line is never held */
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, "test-key", 8);
  ck_assert_int_eq(s.calls, 1); /* it may be the start of the key: held */
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, "s are fine", 10);
  /* The start of a kind's text is held until the kind changes (or the flush). */
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_INFO, "done\n", 5);
  custapi__trace_stream_flush(&t);
  custapi__trace_stream_free(&t);
  ck_assert_str_eq(s.text, "HTTP/1.1 400 Bad Request\r\ntest-keys are finedone\n");
}
END_TEST

START_TEST(a_piece_memory_does_not_allow_to_redact_is_dropped_not_shown) {
  seen s = {0};
  custapi_trace_stream t = stream_to(&s);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, body, 25);
  custapi__alloc_fail_after(0);
  custapi__trace_stream_put(&t, CUSTAPI_TRACE_RESPONSE_BODY, body + 25, strlen(body) - 25);
  custapi__alloc_fail_after(-1);
  custapi__trace_stream_flush(&t);
  custapi__trace_stream_free(&t);
  assert_clean(&s);
}
END_TEST

static Suite *redaction_suite(void) {
  Suite *s = suite_create("redaction");
  TCase *t = tcase_create("stream");
  tcase_add_test(t, a_key_split_over_two_pieces_is_redacted_at_every_position);
  tcase_add_test(t, a_key_split_over_three_pieces_is_redacted_at_every_position);
  tcase_add_test(t, text_without_credentials_passes_on_whole_and_lines_at_once);
  tcase_add_test(t, a_piece_memory_does_not_allow_to_redact_is_dropped_not_shown);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(redaction_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
