#include "results_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "decimal.h"
#include "error.h"
#include "json_util.h"
#include "text.h"

uint64_t custapi__fnv1a64(uint64_t hash, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    hash ^= p[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

/* ---- the input's fingerprint and size ---- */

typedef struct counter {
  custapi_bulk_format format;
  int in_quotes;   /* CSV: inside a quoted cell (a line break there is data) */
  int line_blank;  /* nothing but spaces and tabs (and CR) so far on this line */
  int header_seen; /* CSV: the first row is the header, not a record */
  long records;
  uint64_t lines; /* line breaks seen (in quotes too: line numbers count them) */
  int line_open;  /* bytes after the last line break */
} counter;

static void count_end_of_line(counter *c) {
  if (!c->line_blank) {
    if (c->format == CUSTAPI_BULK_CSV && !c->header_seen)
      c->header_seen = 1;
    else
      c->records++;
  }
  c->line_blank = 1;
}

static void count_bytes(counter *c, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = p[i];
    c->lines += ch == '\n';
    c->line_open = ch != '\n';
    if (c->format == CUSTAPI_BULK_CSV && ch == '"')
      c->in_quotes = !c->in_quotes; /* a doubled quote toggles twice: still right */
    if (ch == '\n' && !c->in_quotes)
      count_end_of_line(c);
    else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
      c->line_blank = 0;
  }
}

int custapi__input_scan(input_fingerprint *fp, long *records, FILE *in,
                        custapi_bulk_format format) {
  counter c = {format, 0, 1, 0, 0, 0, 0};
  uint64_t hash = FNV1A64_INIT, bytes = 0;
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    hash = custapi__fnv1a64(hash, buf, n);
    bytes += n;
    /* A BOM is not content (the readers skip it), so it does not make a line non-blank. */
    size_t skip = bytes == n && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    count_bytes(&c, buf + skip, n - skip);
  }
  if (ferror(in))
    return -1;
  count_end_of_line(&c); /* a last line without its line break */
  fp->known = 1;
  fp->bytes = bytes;
  fp->hash = hash;
  fp->lines = c.lines + (uint64_t)c.line_open;
  *records = c.records;
  return 0;
}

int custapi__results_header(char *buf, size_t size, const input_fingerprint *fp) {
  int n;
  if (fp->known)
    n = snprintf(buf, size,
                 "{\"custapi_bulk_results\":%d,\"input_bytes\":%" PRIu64
                 ",\"input_hash\":\"fnv1a64:%016" PRIx64 "\"}\n",
                 RESULTS_FORMAT_VERSION, fp->bytes, fp->hash);
  else
    n = snprintf(buf, size,
                 "{\"custapi_bulk_results\":%d,\"input_bytes\":null,\"input_hash\":null}\n",
                 RESULTS_FORMAT_VERSION);
  return n < 0 || (size_t)n >= size ? -1 : n;
}

/* ---- one record's line ---- */

static char *append(char *at, const char *s, size_t n) {
  memcpy(at, s, n);
  return at + n;
}

#define APPEND(at, literal) append((at), (literal), sizeof(literal) - 1)

static char *append_decimal(char *at, int64_t v) { return at + decimal_text(at, v); }

/* A line without an error member holds only integers and literals: written directly, the same
 * bytes json-c writes (results_line's test holds both to that), without building an object per
 * update (a json-c object, four members and their text were 4% of a bulk run's instructions). */
static char *plain_line(const custapi_bulk_outcome *o, size_t *len) {
  char buf[128], *at = buf;
  at = APPEND(at, "{\"line\":");
  at = append_decimal(at, o->line);
  at = APPEND(at, ",\"id\":");
  at = o->id > 0 ? append_decimal(at, o->id) : APPEND(at, "null");
  at = o->status == 0 ? APPEND(at, ",\"ok\":true,\"attempts\":")
                      : APPEND(at, ",\"ok\":false,\"attempts\":");
  at = append_decimal(at, o->attempts);
  at = APPEND(at, "}\n");
  size_t n = (size_t)(at - buf);
  char *line = custapi__malloc(n + 1);
  if (line) {
    memcpy(line, buf, n);
    line[n] = '\0';
    *len = n;
  }
  return line;
}

char *custapi__results_line(const custapi_bulk_outcome *o, size_t *len) {
  if (o->status == 0 || !o->error)
    return plain_line(o, len);
  json_object *obj = json_object_new_object();
  int failed = custapi__json_add(obj, "line", json_object_new_int64(o->line));
  failed |= custapi__json_add_if(obj, "id", custapi_id_valid(o->id),
                                 custapi_id_valid(o->id) ? json_object_new_int(o->id) : NULL);
  failed |= custapi__json_add(obj, "ok", json_object_new_boolean(o->status == 0));
  failed |= custapi__json_add(obj, "attempts", json_object_new_int(o->attempts));
  if (o->status != 0 && o->error)
    failed |= custapi__json_add(obj, "error", custapi__error_to_json_object(o->error));
  if ((obj = custapi__json_built(obj, failed)) == NULL)
    return NULL;
  size_t n = 0;
  const char *text = json_object_to_json_string_length(
      obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
  /* Valid UTF-8 whatever the strings held: an error message may quote bytes of the input. */
  char *clean = text ? custapi__text_json_clean(text, n, &n) : NULL;
  char *line = clean ? custapi__realloc(clean, n + 2) : NULL;
  if (line) {
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
  } else {
    custapi__free(clean);
  }
  json_object_put(obj);
  return line;
}

char *custapi__results_line_timed(const custapi_bulk_outcome *o, const char *protocol,
                                  const char *at, size_t *len) {
  size_t n;
  char *line = custapi__results_line(o, &n);
  if (!line || !protocol)
    return line ? (*len = n, line) : NULL;
  /* The line ends "}\n": the timing members go before its brace. */
  char timing[128];
  int t = snprintf(timing, sizeof timing, ",\"at\":\"%s\",\"elapsed_ms\":{\"%s\":%ld}}\n", at,
                   protocol, o->elapsed_ms > 0 ? o->elapsed_ms : 0);
  if (t < 0 || (size_t)t >= sizeof timing) {
    custapi__free(line);
    return NULL;
  }
  char *grown = custapi__realloc(line, n - 2 + (size_t)t + 1);
  if (!grown) {
    custapi__free(line);
    return NULL;
  }
  memcpy(grown + n - 2, timing, (size_t)t + 1);
  *len = n - 2 + (size_t)t;
  return grown;
}
