/* `custapi validate` as a user runs it: stdout JSON, the stderr line, exit codes. */
#include "itest.h"

static cli_result r;

static void run(const char *const *args, const char *input) {
  itest_cli_free(&r);
  r = itest_run_cli_input(args, NULL, input);
}

/* stdout must be exactly one JSON object on one line; returns it (caller puts). */
static json_object *stdout_json(void) {
  size_t len = strlen(r.out);
  ck_assert_msg(len > 0 && r.out[len - 1] == '\n', "stdout is not one line: %s", r.out);
  ck_assert_msg(strchr(r.out, '\n') == r.out + len - 1, "stdout has several lines: %s", r.out);
  json_object *o = json_tokener_parse(r.out);
  ck_assert_msg(o && json_object_is_type(o, json_type_object), "stdout is not JSON: %s", r.out);
  return o;
}

static json_object *path(json_object *o, const char *a, const char *b) {
  json_object *v = NULL;
  ck_assert_msg(json_object_object_get_ex(o, a, &v), "no %s in %s", a, json_object_to_json_string(o));
  if (b)
    ck_assert_msg(json_object_object_get_ex(v, b, &v), "no %s.%s", a, b);
  return v;
}

/* Asserts a failure of `category` naming `property` (NULL: none), exit code `code`. */
static void assert_failure(int code, const char *category, const char *property) {
  ck_assert_msg(r.status == code, "exit %d, want %d; stderr: %s", r.status, code, r.err);
  json_object *o = stdout_json();
  ck_assert(!json_object_get_boolean(path(o, "ok", NULL)));
  ck_assert_str_eq(json_object_get_string(path(o, "error", "category")), category);
  json_object *p = path(o, "error", "property");
  if (property)
    ck_assert_str_eq(json_object_get_string(p), property);
  else
    ck_assert_ptr_null(p);
  const char *message = json_object_get_string(path(o, "error", "message"));
  /* stderr: exactly one line, "custapi: " + the same message */
  char line[1024];
  snprintf(line, sizeof line, "custapi: %s\n", message);
  ck_assert_str_eq(r.err, line);
  json_object_put(o);
}

START_TEST(valid_update_prints_normalised_typed_properties) {
  const char *args[] = {"validate", "email=ann@example.com", "sms_quota=500", "country=za",
                        "industry=Hospitality, Travel & Tourism", NULL};
  run(args, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.err, "");
  json_object *o = stdout_json();
  ck_assert(json_object_get_boolean(path(o, "ok", NULL)));
  json_object *q = path(o, "properties", "sms_quota");
  ck_assert(json_object_is_type(q, json_type_int));
  ck_assert_int_eq(json_object_get_int(q), 500);
  ck_assert_str_eq(json_object_get_string(path(o, "properties", "country")), "ZA");
  ck_assert_str_eq(json_object_get_string(path(o, "properties", "industry")),
                   "Hospitality, Travel & Tourism");
  json_object_put(o);
}
END_TEST

/* Every kind of invalid value of docs/properties.md is refused with exit 3, naming the property. */
START_TEST(invalid_values_exit_3_naming_the_property) {
  static const char *const cases[][2] = {
      {"email", "a@"},          {"email", "a b@c.co"},       {"name", ""},
      {"hash", "a-b"},          {"status", "active"},        {"deleted", "true"},
      {"email_package_id", "0"}, {"email_quota", "-1"},      {"sms_quota", "5e3"},
      {"sms_quota", "2147483648"}, {"transactions_package_id", "1.0"},
      {"transactions_quota", " 5"}, {"telephone", "555-CALL"}, {"website_url", "example.com"},
      {"country", "UK"},        {"industry", "Travel & Tourism"}, {"address", "a\rb"},
      {"unique_id", "\xf0\x9f\x98\x80"}, {"postal_code", "\x01"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char arg[256];
    snprintf(arg, sizeof arg, "%s=%s", cases[i][0], cases[i][1]);
    const char *args[] = {"validate", arg, NULL};
    run(args, NULL);
    assert_failure(3, "invalid", cases[i][0]);
  }
}
END_TEST

START_TEST(unknown_and_read_only_names) {
  const char *typo[] = {"validate", "emial=a@b.co", NULL};
  run(typo, NULL);
  assert_failure(3, "invalid", "emial");
  ck_assert_ptr_nonnull(strstr(r.err, "did you mean 'email'"));

  const char *allowed[] = {"validate", "--allow-unknown", "colour=blue", NULL};
  run(allowed, NULL);
  ck_assert_int_eq(r.status, 0);

  const char *ro[] = {"validate", "id=5", "name=Ann", NULL};
  run(ro, NULL);
  assert_failure(3, "invalid", "id");

  const char *ignored[] = {"validate", "name=Ann", "--ignore-read-only", "id=5", NULL};
  run(ignored, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_null(strstr(r.out, "\"id\""));
}
END_TEST

START_TEST(json_input_from_stdin_and_file) {
  const char *args[] = {"validate", "--json", "-", "name=Override", NULL};
  run(args, "{\"name\":\"Ann\",\"sms_quota\":\"12\",\"website_url\":\"https://x.co/a\"}");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "\"name\":\"Override\""));
  ck_assert_ptr_nonnull(strstr(r.out, "\"sms_quota\":12"));
  ck_assert_ptr_nonnull(strstr(r.out, "https://x.co/a")); /* slashes not escaped */

  run(args, "{\"sms_quota\": 1.0}");
  assert_failure(3, "invalid", "sms_quota");
  run(args, "{\"name\":\"Ann\"} garbage");
  assert_failure(3, "invalid", NULL);
  /* a name given twice: which value was meant can't be known */
  run(args, "{\"sms_quota\":1,\"name\":\"Ann\",\"sms_quota\":2}");
  assert_failure(3, "invalid", NULL);
  ck_assert_msg(strstr(r.err, "the key \"sms_quota\" appears more than once"), "%s", r.err);

  char file[] = "/tmp/custapi-validate-XXXXXX";
  int fd = mkstemp(file);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "{\"email\":\"a@b.co\"}", 18), 18);
  close(fd);
  const char *from_file[] = {"validate", "--json", file, NULL};
  run(from_file, NULL);
  ck_assert_int_eq(r.status, 0);
  unlink(file);
  run(from_file, NULL); /* now missing */
  assert_failure(2, "usage", NULL);
}
END_TEST

START_TEST(modes_and_lenient_warnings) {
  const char *strict[] = {"validate", "--strict", "email=a@b.co", NULL};
  run(strict, NULL);
  assert_failure(3, "invalid", "name");
  const char *lenient[] = {"--lenient", "validate", "email=nope", NULL};
  run(lenient, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: warning: email:"));
  const char *nothing[] = {"validate", NULL};
  run(nothing, NULL);
  assert_failure(3, "invalid", NULL);
}
END_TEST

START_TEST(usage_errors_exit_2) {
  static const char *const cases[][4] = {
      {"validate", "--no-such-option", NULL, NULL},
      {"frobnicate", NULL, NULL, NULL},
      {NULL, NULL, NULL, NULL},
      {"validate", "just-a-word", NULL, NULL},
      {"validate", "--output", "yaml", NULL},
      {"validate", "--timeout", "soon", NULL},
      {"validate", "--json", NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run(cases[i], NULL);
    assert_failure(2, "usage", NULL);
  }
}
END_TEST

START_TEST(api_key_on_the_command_line_is_refused_without_echo) {
  const char *args[] = {"validate", "--api-key=s3cret-value", "name=Ann", NULL};
  run(args, NULL);
  assert_failure(2, "usage", NULL);
  ck_assert_ptr_null(strstr(r.out, "s3cret-value"));
  ck_assert_ptr_null(strstr(r.err, "s3cret-value"));
}
END_TEST

START_TEST(help_version_and_text_output) {
  const char *help[] = {"--help", NULL};
  run(help, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "usage:"));
  const char *version[] = {"--version", NULL};
  run(version, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "custapi "));
  const char *props[] = {"--list-properties", NULL};
  run(props, NULL);
  ck_assert_ptr_nonnull(strstr(r.out, "Hospitality, Travel & Tourism"));
  const char *text[] = {"validate", "--output", "text", "sms_quota=5", NULL};
  run(text, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "sms_quota"));
  ck_assert_ptr_null(strchr(r.out, '{'));
}
END_TEST

static Suite *cli_suite(void) {
  Suite *s = suite_create("cli_validate");
  TCase *t = tcase_create("validate");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, valid_update_prints_normalised_typed_properties);
  tcase_add_test(t, invalid_values_exit_3_naming_the_property);
  tcase_add_test(t, unknown_and_read_only_names);
  tcase_add_test(t, json_input_from_stdin_and_file);
  tcase_add_test(t, modes_and_lenient_warnings);
  tcase_add_test(t, usage_errors_exit_2);
  tcase_add_test(t, api_key_on_the_command_line_is_refused_without_echo);
  tcase_add_test(t, help_version_and_text_output);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(cli_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  itest_cli_free(&r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
