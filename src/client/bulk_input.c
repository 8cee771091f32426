#define _GNU_SOURCE /* fopencookie */
#include "bulk_input.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "records.h"

/* Far more than any header; a first line longer than this is judged on its start. */
#define SNIFF_MAX (64 * 1024)

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Whether the cells of a CSV line (simple quoting) include one that is exactly `id`, as the
 * CSV reader names its columns (no trimming, no case folding). */
static int names_id_column(const char *s, const char *end) {
  while (s <= end) {
    const char *cell_end = s;
    int quoted = s < end && *s == '"';
    if (quoted) {
      cell_end = memchr(s + 1, '"', (size_t)(end - s - 1));
      if (!cell_end)
        return 0;
      if (cell_end - s - 1 == 2 && memcmp(s + 1, "id", 2) == 0)
        return 1;
      cell_end++;
    } else {
      while (cell_end < end && *cell_end != ',')
        cell_end++;
      const char *t = cell_end;
      if (t > s && t[-1] == '\r' && t == end) /* CRLF: the reader drops the CR too */
        t--;
      if (t - s == 2 && memcmp(s, "id", 2) == 0)
        return 1;
    }
    const char *comma = memchr(cell_end, ',', (size_t)(end - cell_end));
    if (!comma)
      return 0;
    s = comma + 1;
  }
  return 0;
}

/* The first non-blank line of text (a BOM skipped): its start, or NULL; *end where it ends. */
static const char *first_line(const char *text, size_t len, const char **end) {
  const char *p = text, *stop = text + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  while (p < stop && (is_space(*p) || *p == '\n'))
    p++;
  if (p >= stop)
    return NULL;
  const char *nl = memchr(p, '\n', (size_t)(stop - p));
  *end = nl ? nl : stop;
  return p;
}

int custapi__bulk_input_sniff(const char *text, size_t len) {
  const char *end, *p = first_line(text, len, &end);
  if (!p)
    return -1;
  if (*p == '{')
    return 0;
  return names_id_column(p, end) ? 1 : -1;
}

/* ---- standard input, replayed after a look at its start ---- */

typedef struct replay {
  char *seen;
  size_t len, pos;
} replay;

/* read(2), not stdio: a pipe's records are handed on as they come, not 4 KiB at a time. */
static ssize_t replay_read(void *cookie, char *buf, size_t size) {
  replay *r = cookie;
  if (r->pos < r->len) {
    size_t n = r->len - r->pos < size ? r->len - r->pos : size;
    memcpy(buf, r->seen + r->pos, n);
    r->pos += n;
    return (ssize_t)n;
  }
  ssize_t n;
  while ((n = read(STDIN_FILENO, buf, size)) < 0 && errno == EINTR)
    ;
  return n;
}

static int replay_close(void *cookie) {
  replay *r = cookie;
  custapi__free(r->seen);
  custapi__free(r);
  return 0;
}

/* Reads standard input up to its first non-blank line's end (or SNIFF_MAX, or its end). */
static int read_start(replay *r, custapi_error *err) {
  size_t cap = 4096;
  if (!(r->seen = custapi__malloc(cap)))
    return custapi__error_oom(err);
  for (;;) {
    const char *end, *p = first_line(r->seen, r->len, &end);
    if ((p && end < r->seen + r->len) || r->len >= SNIFF_MAX)
      return 0;
    if (r->len == cap) {
      char *grown = custapi__realloc(r->seen, cap * 2);
      if (!grown)
        return custapi__error_oom(err);
      r->seen = grown;
      cap *= 2;
    }
    ssize_t n = read(STDIN_FILENO, r->seen + r->len, cap - r->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                                "can't read standard input: %s", strerror(errno));
    if (n == 0)
      return 0;
    r->len += (size_t)n;
  }
}

static int open_stdin(bulk_input *in, const custapi_bulk_format *format, custapi_error *err) {
  if (format) {
    in->stream = stdin;
    return 0;
  }
  replay *r = custapi__calloc(1, sizeof *r);
  if (!r)
    return custapi__error_oom(err);
  int rc = read_start(r, err);
  int kind = rc == 0 ? custapi__bulk_input_sniff(r->seen, r->len) : -1;
  if (rc == 0 && kind < 0 && r->len > 0)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "%s",
                            "standard input starts with neither a JSON object (JSON Lines) "
                            "nor a CSV header naming an id column: for CSV, give --format csv");
  if (rc == 0) {
    cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
    in->format = kind == 1 ? CUSTAPI_BULK_CSV : CUSTAPI_BULK_JSONL;
    if (!(in->stream = fopencookie(r, "r", io)))
      rc = custapi__error_oom(err);
    else
      return 0;
  }
  replay_close(r);
  return rc;
}

int custapi__bulk_input_open(bulk_input *in, const char *path, const custapi_bulk_format *format,
                             custapi_error *err) {
  memset(in, 0, sizeof *in);
  if (format)
    in->format = *format;
  if (strcmp(path, "-") == 0) {
    in->is_stdin = 1;
    if (fstat(STDIN_FILENO, &in->st) < 0)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "can't use standard input: %s",
                                strerror(errno));
    return open_stdin(in, format, err);
  }
  if (!format)
    in->format = custapi_bulk_format_for(path);
  in->stream = fopen(path, "rb");
  if (!in->stream || fstat(fileno(in->stream), &in->st) < 0) {
    int e = errno;
    if (in->stream)
      fclose(in->stream);
    in->stream = NULL;
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "can't open the input %.200s: %s", path, strerror(e));
  }
  return 0;
}

void custapi__bulk_input_close(bulk_input *in) {
  if (in->stream && in->stream != stdin)
    fclose(in->stream);
  in->stream = NULL;
}
