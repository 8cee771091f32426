/*
 * Answers the reference server does not give (a body cut off mid-way, a server that stops
 * sending, an echo of the credentials): a child process on a fresh loopback port that reads
 * each request and writes a canned answer, one per connection, in order. An answer may end
 * in CANNED_STALL (the child then keeps the connection open without writing more, until it
 * is stopped) or the connection is closed after it.
 */
#ifndef CUSTAPI_CANNED_H
#define CUSTAPI_CANNED_H

#include <signal.h>
#include <strings.h>
#include <sys/prctl.h>

#include "itest.h"

/* An answer written in full, then the connection held open and silent. */
#define CANNED_STALL "\001stall"
/* Where an answer is split in two writes, with a pause between, so that the client gets
 * the two parts in two reads (a byte no answer holds otherwise). */
#define CANNED_SPLIT "\002"

typedef struct canned {
  pid_t pid;
  char url[64];
} canned;

/* Reads a request's head and the Content-Length bytes of its body (up to a small buffer). */
static inline void canned_read_request(int c) {
  char buf[16384];
  size_t got = 0;
  char *end = NULL;
  while (!end && got < sizeof buf - 1) {
    ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
    if (n <= 0)
      return;
    got += (size_t)n;
    buf[got] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  if (!end)
    return;
  const char *cl = NULL;
  for (const char *p = buf; p < end; p++)
    if (strncasecmp(p, "\ncontent-length:", 16) == 0)
      cl = p + 16;
  size_t want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl, NULL, 10) : 0);
  while (got < want && got < sizeof buf - 1) {
    ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
    if (n <= 0)
      return;
    got += (size_t)n;
  }
}

/*
 * A raw HTTP answer (malloc'ed; the caller frees it): `status_line` ("400 Bad Request"), the
 * content type, Connection: close and a Content-Length that does not count a CANNED_SPLIT.
 */
static inline char *canned_answer(const char *status_line, const char *type, const char *body) {
  size_t len = strlen(body), splits = 0;
  for (const char *p = body; (p = strchr(p, CANNED_SPLIT[0])) != NULL; p++)
    splits++;
  size_t size = len + strlen(status_line) + strlen(type) + 128;
  char *a = malloc(size);
  ck_assert_ptr_nonnull(a);
  snprintf(a, size,
           "HTTP/1.1 %s\r\nContent-Type: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
           status_line, type, len - splits, body);
  return a;
}

/*
 * Starts serving `answers` (NULL-terminated raw HTTP responses); with `lengths`, answer i is
 * lengths[i] bytes long (it may hold NULs) and is not stalled.
 */
static inline canned canned_start_lengths(const char *const *answers, const size_t *lengths) {
  canned k = {0};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(fd, 8), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  snprintf(k.url, sizeof k.url, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
  k.pid = fork();
  ck_assert_int_ge(k.pid, 0);
  if (k.pid > 0) {
    close(fd);
    return k;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
  alarm(60);
  for (size_t i = 0; answers[i]; i++) {
    int c = accept(fd, NULL, NULL);
    if (c < 0)
      _exit(1);
    canned_read_request(c);
    const char *stall = lengths ? NULL : strstr(answers[i], CANNED_STALL);
    size_t n = lengths ? lengths[i] : stall ? (size_t)(stall - answers[i]) : strlen(answers[i]);
    /* Without lengths, a CANNED_SPLIT byte splits the answer into two writes 30 ms apart. */
    for (const char *p = answers[i], *end = answers[i] + n; p < end;) {
      const char *split = lengths ? NULL : memchr(p, CANNED_SPLIT[0], (size_t)(end - p));
      size_t part = split ? (size_t)(split - p) : (size_t)(end - p);
      ssize_t w = write(c, p, part);
      (void)w;
      if (!split)
        break;
      usleep(30000);
      p = split + 1;
    }
    if (stall)
      for (;;)
        pause();
    close(c);
  }
  _exit(0);
}

static inline canned canned_start(const char *const *answers) {
  return canned_start_lengths(answers, NULL);
}

/* Stops the responder (by its pid) and reaps it. */
static inline void canned_stop(canned *k) {
  if (k->pid > 0) {
    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
  }
  k->pid = 0;
}

#endif
