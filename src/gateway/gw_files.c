/*
 * The files the gateway writes (--record, --report, --port-file): each is a regular file or a
 * new one. A device, a FIFO, a directory, a socket or a symbolic link is refused at start-up,
 * before anything is opened for writing, and never chmod'ed (as root, --record /dev/null would
 * otherwise leave /dev/null 0600). Files are opened without blocking, so a FIFO planted
 * between the check and the open cannot hang start-up either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "file_kind.h"
#include "gw_internal.h"

static int not_regular(custapi_error *err, const char *what, const char *path, mode_t mode) {
  return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                            "%s %.200s: %s; give a regular file or a new name", what, path,
                            custapi__file_kind(mode));
}

int gw_file_check(const char *path, const char *what, custapi_error *err) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0
                           : custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s %.200s: %s",
                                                what, path, strerror(errno));
  return S_ISREG(st.st_mode) ? 0 : not_regular(err, what, path, st.st_mode);
}

int gw_files_check(const gw_config *cfg, custapi_error *err) {
  int rc = 0;
  if (cfg->record)
    rc = gw_file_check(cfg->record, "--record", err);
  if (rc == 0 && cfg->report)
    rc = gw_file_check(cfg->report, "--report", err);
  if (rc == 0 && cfg->port_file)
    rc = gw_file_check(cfg->port_file, "--port-file", err);
  return rc;
}

int gw_append_open(const char *path, const char *what, custapi_error *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  struct stat st;
  if (fd < 0) {
    int e = errno;
    if (gw_file_check(path, what, err) < 0) /* the kind of file, said as at start-up */
      return -1;
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s %.200s: %s", what, path,
                              strerror(e)),
           -1;
  }
  int rc = fstat(fd, &st) != 0    ? custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                                                       "%s %.200s: %s", what, path, strerror(errno))
           : !S_ISREG(st.st_mode) ? not_regular(err, what, path, st.st_mode)
           /* An existing file keeps its mode: what it records is the callers' data. */
           : fchmod(fd, 0600) != 0 || fcntl(fd, F_SETFL, O_APPEND) != 0
               ? custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s %.200s: %s", what, path,
                                    strerror(errno))
               : 0;
  if (rc < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int gw_port_file_write(const char *path, unsigned port, custapi_error *err) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "--port-file: name too long");
  /* A new file of ours, never one planted under the temporary name. */
  int rc = gw_file_check(path, "--port-file", err);
  if (rc < 0)
    return rc;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  char text[16];
  int n = snprintf(text, sizeof text, "%u\n", port);
  int bad = fd < 0 || write(fd, text, (size_t)n) != n;
  int e = errno;
  if (fd >= 0)
    bad |= close(fd) != 0;
  if (!bad && rename(tmp, path) != 0) {
    e = errno;
    bad = 1;
  }
  if (bad) {
    if (fd >= 0)
      unlink(tmp);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "--port-file %.200s: %s", path,
                              strerror(e));
  }
  return 0;
}
