#include "results_compact.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

#define BUFFERED (64 * 1024)

typedef struct writer {
  int fd;
  char buf[BUFFERED];
  size_t len;
  int failed; /* errno of the first failed write, or 0 */
} writer;

static void flush_writer(writer *w) {
  const char *p = w->buf;
  while (w->len > 0 && !w->failed) {
    ssize_t n = write(w->fd, p, w->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      w->failed = errno;
      break;
    }
    p += n;
    w->len -= (size_t)n;
  }
  w->len = 0;
}

static void put_line(writer *w, const char *line, size_t len) {
  if (w->len + len > sizeof w->buf)
    flush_writer(w);
  if (len > sizeof w->buf) { /* a line longer than the buffer: straight through */
    while (len > 0 && !w->failed) {
      ssize_t n = write(w->fd, line, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        w->failed = errno;
      else
        line += n, len -= (size_t)n;
    }
    return;
  }
  memcpy(w->buf + w->len, line, len);
  w->len += len;
}

/* The header, then the lines whose number (seq) is kept; a torn last line is left out. */
static int copy_kept(writer *w, int fd, const long *seqs, size_t n) {
  int rfd = dup(fd);
  FILE *in = rfd >= 0 ? fdopen(rfd, "r") : NULL;
  if (!in) {
    if (rfd >= 0)
      close(rfd);
    return -1;
  }
  if (fseek(in, 0, SEEK_SET) < 0) {
    fclose(in);
    return -1;
  }
  char *line = NULL;
  size_t cap = 0, next = 0;
  ssize_t got;
  long seq = 0;
  while ((got = getline(&line, &cap, in)) > 0 && line[got - 1] == '\n') {
    seq++;
    if (seq == 1) {
      put_line(w, line, (size_t)got);
      continue;
    }
    while (next < n && seqs[next] < seq)
      next++;
    if (next < n && seqs[next] == seq)
      put_line(w, line, (size_t)got);
  }
  int read_failed = ferror(in);
  free(line); /* getline's, from libc */
  fclose(in);
  return read_failed ? -1 : 0;
}

static void sync_folder(const char *path) {
  char *copy = custapi__strdup(path);
  if (!copy)
    return;
  int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  custapi__free(copy);
}

int custapi__results_compact(int *new_fd, int fd, const char *path, const resume_plan *plan,
                             custapi_error *err) {
  *new_fd = -1;
  long *seqs = NULL;
  size_t n = 0;
  if (custapi__resume_plan_kept(&seqs, &n, plan) < 0)
    return custapi__error_oom(err);
  size_t tlen = strlen(path) + sizeof ".compact";
  char *tmp = custapi__malloc(tlen);
  writer *w = custapi__malloc(sizeof *w);
  struct stat st;
  const char *step = "examine";
  int out = -1, rc = 0;
  if (!tmp || !w) {
    rc = custapi__error_oom(err);
    goto done;
  }
  snprintf(tmp, tlen, "%s.compact", path);
  /* Only the run holding PATH's lock compacts it: a PATH.compact left by a kill is stale. */
  if (fstat(fd, &st) < 0 ||
      (step = "create", out = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)) <
          0 ||
      fchmod(out, st.st_mode & 07777) < 0) {
    rc = -1;
  } else {
    w->fd = out;
    w->len = 0;
    w->failed = 0;
    step = "read";
    if (copy_kept(w, fd, seqs, n) < 0) {
      rc = -1;
    } else {
      step = "write";
      flush_writer(w);
      if (w->failed) {
        errno = w->failed;
        rc = -1;
      } else if ((step = "sync", fsync(out)) < 0 ||
                 (step = "lock", flock(out, LOCK_EX | LOCK_NB)) < 0 ||
                 (step = "rename", rename(tmp, path)) < 0) {
        rc = -1;
      }
    }
  }
  if (rc < 0) {
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                            "can't compact the results file %.200s (%s %.200s): %s; it is left "
                            "as it was",
                            path, step, tmp ? tmp : "", strerror(errno));
    if (out >= 0) {
      close(out);
      unlink(tmp);
    }
  } else {
    sync_folder(path); /* the rename itself on disk */
    *new_fd = out;
  }
done:
  custapi__free(seqs);
  custapi__free(tmp);
  custapi__free(w);
  return rc;
}
