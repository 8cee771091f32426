/*
 * The API key file (custapi_key_file_read): the one reading of it, for the command's
 * --api-key-file (and its "-", standard input) and the Python binding's api_key_file.
 */
#include "key_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "regular_file.h"

void custapi_key_free(char *key) {
  if (!key)
    return;
  custapi__wipe(key, strlen(key) + 1);
  custapi__free(key);
}

/*
 * read(2) into one buffer that never grows: stdio's buffer and a realloc would each leave a
 * copy of the key behind in freed memory, unwiped.
 */
int custapi__key_read_fd(char **out, int fd, const char *name, custapi_error *err) {
  *out = NULL;
  char *text = custapi__malloc(CUSTAPI_KEY_FILE_MAX + 2);
  if (!text)
    return custapi__error_oom(err);
  size_t len = 0;
  int rc = 0;
  while (len <= CUSTAPI_KEY_FILE_MAX) {
    ssize_t n = read(fd, text + len, CUSTAPI_KEY_FILE_MAX + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't read %s: %s", name,
                              strerror(errno));
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  text[len] = '\0';
  if (rc == 0 && len > CUSTAPI_KEY_FILE_MAX)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: larger than %d bytes", name,
                            CUSTAPI_KEY_FILE_MAX);
  if (rc == 0 && len && text[len - 1] == '\n') {
    text[--len] = '\0';
    if (len && text[len - 1] == '\r')
      text[--len] = '\0';
  }
  if (rc == 0 && (len == 0 || strlen(text) != len))
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                            len ? "API key file %s holds a NUL byte" : "API key file %s is empty",
                            name);
  if (rc < 0) {
    custapi__wipe(text, CUSTAPI_KEY_FILE_MAX + 2);
    custapi__free(text);
    return rc;
  }
  *out = text;
  return 0;
}

int custapi_key_file_read(char **out, const char *path, custapi_warn_fn warn, void *payload,
                          custapi_error *err) {
  if (!out || !path)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "custapi_key_file_read: no file named");
  *out = NULL;
  int fd;
  struct stat st;
  if (custapi__open_regular(&fd, &st, path, "API key file",
                            ": give a file", 0, err) < 0)
    return CUSTAPI_EUSAGE;
  if ((st.st_mode & (S_IRGRP | S_IROTH)) && warn) {
    char msg[300];
    snprintf(msg, sizeof msg, "API key file %.200s is readable by group or others (chmod 600 it)",
             path);
    warn(NULL, msg, payload);
  }
  int rc = custapi__key_read_fd(out, fd, path, err);
  close(fd);
  return rc;
}
