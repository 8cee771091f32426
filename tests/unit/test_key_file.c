/*
 * custapi_key_file_read, the one reading of an API key file (the command's --api-key-file and
 * custapi for Python's api_key_file), at its edges: the size limit and one past it, the line
 * break it drops and the one it keeps, an empty key, a NUL byte, files that are not regular
 * (refused without waiting on a FIFO), a file others may read (taken, with a warning), and a
 * failure leaving nothing behind.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custapi/custapi.h"

static char dir[64];

static void make_dir(void) {
  strcpy(dir, "/tmp/custapi-key-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* A file in the test's directory holding `len` bytes of `data`, with mode `mode`. */
static const char *file_with(const char *name, const void *data, size_t len, mode_t mode) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
  close(fd);
  ck_assert_int_eq(chmod(path, mode), 0);
  return path;
}

static int warnings;
static char last_warning[512];

static void count_warning(const char *property, const char *message, void *payload) {
  ck_assert_ptr_null(property);
  ck_assert_ptr_eq(payload, &warnings);
  warnings++;
  snprintf(last_warning, sizeof last_warning, "%s", message);
}

/* Reads `path`; returns the status, the key in *key (NULL on failure), the message in msg. */
static int read_key(char **key, const char *path, char msg[512]) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  *key = (char *)"untouched";
  int rc = custapi_key_file_read(key, path, count_warning, &warnings, &err);
  snprintf(msg, 512, "%s", err.message);
  if (rc < 0) {
    ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_USAGE);
    ck_assert_ptr_null(*key);
  }
  return rc;
}

/* A file holding `len` bytes of `data` reads as the key `want`. */
static void expect_key(const char *data, size_t len, const char *want) {
  char *key, msg[512];
  ck_assert_int_eq(read_key(&key, file_with("k", data, len, 0600), msg), 0);
  ck_assert_str_eq(key, want);
  custapi_key_free(key);
}

START_TEST(line_breaks) {
  make_dir();
  expect_key("s3cret\n", 7, "s3cret");
  expect_key("s3cret\r\n", 8, "s3cret");
  expect_key("s3cret", 6, "s3cret");
  /* One line break is dropped, not two: the second is part of the key (and the server will
   * say what it makes of it). */
  expect_key("s3cret\n\n", 8, "s3cret\n");
  ck_assert_int_eq(warnings, 0);
  remove_dir();
}
END_TEST

START_TEST(size_limit) {
  make_dir();
  char data[CUSTAPI_KEY_FILE_MAX + 2], *key, msg[512];
  memset(data, 'k', sizeof data);
  ck_assert_int_eq(read_key(&key, file_with("k", data, CUSTAPI_KEY_FILE_MAX, 0600), msg), 0);
  ck_assert_uint_eq(strlen(key), CUSTAPI_KEY_FILE_MAX);
  custapi_key_free(key);
  const char *path = file_with("k", data, CUSTAPI_KEY_FILE_MAX + 1, 0600);
  ck_assert_int_lt(read_key(&key, path, msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "larger than 4096 bytes"));
  ck_assert_ptr_nonnull(strstr(msg, path));
  remove_dir();
}
END_TEST

START_TEST(empty_and_nul) {
  make_dir();
  char *key, msg[512];
  ck_assert_int_lt(read_key(&key, file_with("k", "", 0, 0600), msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "is empty"));
  ck_assert_int_lt(read_key(&key, file_with("k", "\n", 1, 0600), msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "is empty"));
  ck_assert_int_lt(read_key(&key, file_with("k", "ab\0cd\n", 6, 0600), msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "holds a NUL byte"));
  /* The key in another encoding: UTF-16 puts a NUL after every ASCII byte. */
  ck_assert_int_lt(read_key(&key, file_with("k", "\xff\xfek\0e\0y\0", 8, 0600), msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "holds a NUL byte"));
  remove_dir();
}
END_TEST

START_TEST(not_regular_files) {
  make_dir();
  char path[128], *key, msg[512];
  ck_assert_int_lt(read_key(&key, dir, msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "is not a regular file (a directory)"));
  /* A FIFO with no writer: refused at once, not waited on. */
  snprintf(path, sizeof path, "%s/fifo", dir);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ck_assert_int_lt(read_key(&key, path, msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "is not a regular file (a FIFO)"));
  ck_assert_int_lt(read_key(&key, "/dev/null", msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "is not a regular file (a device)"));
  snprintf(path, sizeof path, "%s/missing", dir);
  ck_assert_int_lt(read_key(&key, path, msg), 0);
  ck_assert_ptr_nonnull(strstr(msg, "can't open API key file"));
  remove_dir();
}
END_TEST

START_TEST(readable_by_others_is_taken_with_a_warning) {
  make_dir();
  char *key, msg[512];
  warnings = 0;
  const char *path = file_with("k", "s3cret\n", 7, 0644);
  ck_assert_int_eq(read_key(&key, path, msg), 0);
  ck_assert_str_eq(key, "s3cret");
  custapi_key_free(key);
  ck_assert_int_eq(warnings, 1);
  ck_assert_ptr_nonnull(strstr(last_warning, "is readable by group or others (chmod 600 it)"));
  ck_assert_ptr_null(strstr(last_warning, "s3cret"));
  /* No warning callback: taken all the same. */
  custapi_error err = CUSTAPI_ERROR_INIT;
  ck_assert_int_eq(custapi_key_file_read(&key, path, NULL, NULL, &err), 0);
  custapi_key_free(key);
  custapi_key_free(NULL);
  remove_dir();
}
END_TEST

START_TEST(no_path) {
  char *key;
  custapi_error err = CUSTAPI_ERROR_INIT;
  ck_assert_int_eq(custapi_key_file_read(&key, NULL, NULL, NULL, &err), CUSTAPI_EUSAGE);
}
END_TEST

static Suite *key_file_suite(void) {
  Suite *s = suite_create("key_file");
  TCase *t = tcase_create("key_file");
  tcase_add_test(t, line_breaks);
  tcase_add_test(t, size_limit);
  tcase_add_test(t, empty_and_nul);
  tcase_add_test(t, not_regular_files);
  tcase_add_test(t, readable_by_others_is_taken_with_a_warning);
  tcase_add_test(t, no_path);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(key_file_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
