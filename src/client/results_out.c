#include "results_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "error.h"
#include "results_compact.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

int custapi__results_out_write(results_out *out, const char *line, size_t len, custapi_error *err) {
  while (len > 0) {
    ssize_t n = write(out->fd, line, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                                "can't write the results %s%.200s: %s",
                                out->is_stdout ? "to standard output" : "file ",
                                out->is_stdout ? "" : out->path, strerror(errno));
    line += n;
    len -= (size_t)n;
  }
  return 0;
}

void custapi__results_out_close(results_out *out) {
  if (out->fd >= 0 && !out->is_stdout)
    close(out->fd);
  out->fd = -1;
}

static int same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int write_header(results_out *out, const input_fingerprint *fp, custapi_error *err) {
  char header[160];
  int n = custapi__results_header(header, sizeof header, fp);
  return custapi__results_out_write(out, header, (size_t)n, err);
}

/* Reads the file back, then drops a line torn by a kill so the next starts on its own line. */
static int read_back(results_out *out, resume_plan **plan, int *fresh, const char *path,
                     const input_fingerprint *fp, custapi_error *err) {
  int rfd = dup(out->fd);
  FILE *in = rfd >= 0 ? fdopen(rfd, "r") : NULL;
  if (!in) {
    if (rfd >= 0)
      close(rfd);
    return usage(err, "can't read the results file %.200s: %s", path, strerror(errno));
  }
  long keep;
  int rc = custapi__resume_plan_read(plan, fresh, &keep, in, fp, path, err);
  fclose(in);
  if (rc < 0)
    return rc;
  if (ftruncate(out->fd, (off_t)keep) < 0)
    return usage(err, "can't truncate the results file %.200s: %s", path, strerror(errno));
  return 0;
}

/* Opens PATH, checks it, and takes its lock (*st: the file locked). */
static int open_and_lock(results_out *out, struct stat *st, const char *path, int resume,
                         const struct stat *input, custapi_error *err) {
  /* 0600: the lines hold customer data. An existing file's mode is left as its owner set it. */
  int fd = open(path, (resume ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return usage(err, "can't open the results file %.200s: %s", path, strerror(errno));
  out->fd = fd;
  if (fstat(fd, st) < 0)
    return usage(err, "can't examine the results file %.200s: %s", path, strerror(errno));
  /* A device or a pipe may never end (/dev/zero): only a file's results can be read back. */
  if (resume && !S_ISREG(st->st_mode))
    return usage(err, "--resume needs a regular file as --results: %.200s is not one", path);
  /* Resuming from one's own output would read it forever; writing into the input corrupts it. */
  if (same_file(st, input))
    return usage(err, "the results file %.200s is the input itself: give --results another file",
                 path);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK) /* busy, not broken: a category (and exit code) of its own */
      return custapi__error_set(err, CUSTAPI_CATEGORY_BUSY, NULL,
                                "another custapi bulk run holds the results file %.200s: wait "
                                "for it to end (or let it be: --resume finishes what it leaves)",
                                path);
    return usage(err, "can't lock the results file %.200s: %s", path, strerror(errno));
  }
  if (fstat(fd, st) < 0) /* again: a run that held the lock may have written meanwhile */
    return usage(err, "can't examine the results file %.200s: %s", path, strerror(errno));
  return 0;
}

int custapi__results_out_open(results_out *out, resume_plan **plan, const char *path, int resume,
                              const input_fingerprint *fp, const struct stat *input,
                              custapi_error *err) {
  out->fd = -1;
  out->is_stdout = strcmp(path, "-") == 0;
  out->path = path;
  struct stat st;
  if (out->is_stdout) {
    if (fstat(STDOUT_FILENO, &st) == 0 && same_file(&st, input))
      return usage(err, "%s", "standard output is the input itself: give --results a file");
    out->fd = STDOUT_FILENO;
    return write_header(out, fp, err);
  }
  /* A compaction renames a new file over PATH while it holds the old one's lock: the file
   * locked must still be the one at PATH, else it is opened again. */
  for (int opened = 0;; opened++) {
    int rc = open_and_lock(out, &st, path, resume, input, err);
    if (rc < 0)
      return rc;
    struct stat now;
    if (stat(path, &now) == 0 && same_file(&now, &st))
      break;
    close(out->fd);
    out->fd = -1;
    if (opened == 3)
      return custapi__error_set(err, CUSTAPI_CATEGORY_BUSY, NULL,
                                "another custapi bulk run keeps replacing the results file "
                                "%.200s: wait for it to end",
                                path);
  }
  int fresh = 1;
  if (resume) {
    int rc = read_back(out, plan, &fresh, path, fp, err);
    if (rc < 0)
      return rc;
    if (!fresh && ((resume & RESULTS_COMPACT) ||
                   (uint64_t)custapi__resume_plan_lines_read(*plan) > 2 * fp->lines)) {
      int new_fd;
      custapi_error cerr = CUSTAPI_ERROR_INIT;
      rc = custapi__results_compact(&new_fd, out->fd, path, *plan, &cerr);
      if (rc == 0) {
        close(out->fd); /* the old file, replaced: the new one is locked already */
        out->fd = new_fd;
      } else if (resume & RESULTS_COMPACT) {
        return custapi__error_copy(err, &cerr);
      } /* else the old file serves as it is: a resume does not depend on compacting */
    }
  } else if (S_ISREG(st.st_mode) && st.st_size > 0) {
    /* Overwriting would lose what a killed run recorded. */
    return usage(err,
                 "the results file %.200s already holds results: --resume finishes that "
                 "run; remove the file to start again",
                 path);
  }
  return fresh ? write_header(out, fp, err) : 0;
}
