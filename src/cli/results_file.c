#include "results_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "decimal.h"
#include "error.h"
#include "json_util.h"

uint64_t fnv1a64(uint64_t hash, const void *data, size_t len) {
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
    if (c->format == CUSTAPI_BULK_CSV && ch == '"')
      c->in_quotes = !c->in_quotes; /* a doubled quote toggles twice: still right */
    if (ch == '\n' && !c->in_quotes)
      count_end_of_line(c);
    else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
      c->line_blank = 0;
  }
}

int input_scan(input_fingerprint *fp, long *records, FILE *in, custapi_bulk_format format) {
  counter c = {format, 0, 1, 0, 0};
  uint64_t hash = FNV1A64_INIT, bytes = 0;
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    hash = fnv1a64(hash, buf, n);
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
  *records = c.records;
  return 0;
}

int results_header(char *buf, size_t size, const input_fingerprint *fp) {
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

char *results_line(const custapi_bulk_outcome *o, size_t *len) {
  if (o->status == 0 || !o->error)
    return plain_line(o, len);
  json_object *obj = json_object_new_object();
  if (!obj)
    return NULL;
  json_object_object_add(obj, "line", json_object_new_int64(o->line));
  json_object_object_add(obj, "id", o->id > 0 ? json_object_new_int(o->id) : NULL);
  json_object_object_add(obj, "ok", json_object_new_boolean(o->status == 0));
  json_object_object_add(obj, "attempts", json_object_new_int(o->attempts));
  if (o->status != 0 && o->error) {
    json_object *e = custapi__error_to_json_object(o->error);
    if (!e) {
      json_object_put(obj);
      return NULL;
    }
    json_object_object_add(obj, "error", e);
  }
  size_t n = 0;
  const char *text = json_object_to_json_string_length(
      obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
  char *line = text ? custapi__malloc(n + 2) : NULL;
  if (line) {
    memcpy(line, text, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
  }
  json_object_put(obj);
  return line;
}

/* ---- reading a results file back ---- */

typedef struct id_entry {
  int32_t id; /* 0: empty (ids are positive) */
  long line;
} id_entry;

struct resume_index {
  unsigned char *ok_lines; /* bitmap by line number */
  size_t ok_bytes;
  long done;
  id_entry *ids; /* open addressing: each id's last line recorded ok */
  size_t id_cap, id_count;
};

void resume_index_free(resume_index *x) {
  if (!x)
    return;
  custapi__free(x->ok_lines);
  custapi__free(x->ids);
  custapi__free(x);
}

long resume_index_done(const resume_index *x) { return x->done; }

static size_t id_slot(const id_entry *ids, size_t cap, int32_t id) {
  size_t i = ((uint32_t)id * 2654435761u) & (cap - 1);
  while (ids[i].id && ids[i].id != id)
    i = (i + 1) & (cap - 1);
  return i;
}

static int id_note(resume_index *x, int32_t id, long line) {
  if ((x->id_count + 1) * 2 > x->id_cap) {
    size_t cap = x->id_cap ? x->id_cap * 2 : 1024;
    id_entry *grown = custapi__calloc(cap, sizeof *grown);
    if (!grown)
      return -1;
    for (size_t i = 0; i < x->id_cap; i++)
      if (x->ids[i].id)
        grown[id_slot(grown, cap, x->ids[i].id)] = x->ids[i];
    custapi__free(x->ids);
    x->ids = grown;
    x->id_cap = cap;
  }
  size_t i = id_slot(x->ids, x->id_cap, id);
  if (!x->ids[i].id) {
    x->ids[i].id = id;
    x->id_count++;
    x->ids[i].line = line;
  } else if (line > x->ids[i].line) {
    x->ids[i].line = line;
  }
  return 0;
}

static int line_note(resume_index *x, long line) {
  size_t byte = (size_t)line / 8;
  if (byte >= x->ok_bytes) {
    size_t n = x->ok_bytes ? x->ok_bytes : 1024;
    while (n <= byte)
      n *= 2;
    unsigned char *grown = custapi__realloc(x->ok_lines, n);
    if (!grown)
      return -1;
    memset(grown + x->ok_bytes, 0, n - x->ok_bytes);
    x->ok_lines = grown;
    x->ok_bytes = n;
  }
  unsigned char bit = (unsigned char)(1u << (line % 8));
  if (!(x->ok_lines[byte] & bit))
    x->done++;
  x->ok_lines[byte] |= bit;
  return 0;
}

int resume_index_skip(const resume_index *x, long line, int32_t id) {
  size_t byte = (size_t)line / 8;
  if (line > 0 && byte < x->ok_bytes && (x->ok_lines[byte] & (1u << (line % 8))))
    return 1;
  if (id <= 0 || !x->id_cap)
    return 0;
  const id_entry *e = &x->ids[id_slot(x->ids, x->id_cap, id)];
  return e->id == id && e->line > line;
}

static int get_int64(json_object *o, const char *key, int64_t *out) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
    return -1;
  *out = json_object_get_int64(v);
  return 0;
}

#define refuse(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static int check_header(json_object *h, const input_fingerprint *fp, const char *path,
                        custapi_error *err) {
  int64_t version, bytes;
  json_object *hash;
  if (get_int64(h, "custapi_bulk_results", &version) < 0)
    return refuse(err,
                  "%.200s is not a custapi bulk results file (its first line is not the "
                  "input's fingerprint)",
                  path);
  if (version != RESULTS_FORMAT_VERSION)
    return refuse(err, "%.200s has results format %lld; this custapi writes %d", path,
                  (long long)version, RESULTS_FORMAT_VERSION);
  if (get_int64(h, "input_bytes", &bytes) < 0 ||
      !json_object_object_get_ex(h, "input_hash", &hash) ||
      !json_object_is_type(hash, json_type_string))
    return refuse(err, "%.200s was made from standard input, which can't be resumed", path);
  char want[40];
  snprintf(want, sizeof want, "fnv1a64:%016" PRIx64, fp->hash);
  if ((uint64_t)bytes != fp->bytes || strcmp(json_object_get_string(hash), want) != 0)
    return refuse(err,
                  "%.200s was made from other input (%lld bytes, hash %.40s; this input: %" PRIu64
                  " bytes, hash %s): refusing to resume",
                  path, (long long)bytes, json_object_get_string(hash), fp->bytes, want);
  return 0;
}

/* One result line: notes it when ok. */
static int take_result(resume_index *x, json_object *r, long n, const char *path,
                       custapi_error *err) {
  int64_t line, id = 0;
  json_object *ok, *idv;
  if (get_int64(r, "line", &line) < 0 || line < 1 || !json_object_object_get_ex(r, "ok", &ok) ||
      !json_object_is_type(ok, json_type_boolean) || !json_object_object_get_ex(r, "id", &idv))
    return refuse(err, "%.200s, line %ld: not a result line", path, n);
  if (json_object_is_type(idv, json_type_int))
    id = json_object_get_int64(idv);
  if (!json_object_get_boolean(ok))
    return 0;
  if (id < 1 || id > INT32_MAX)
    return refuse(err, "%.200s, line %ld: an ok result without a customer id", path, n);
  if (line_note(x, (long)line) < 0 || id_note(x, (int32_t)id, (long)line) < 0)
    return custapi__error_oom(err);
  return 0;
}

int resume_index_read(resume_index **out, int *fresh, long *keep, FILE *in,
                      const input_fingerprint *fp, const char *path, custapi_error *err) {
  *out = NULL;
  *fresh = 1;
  *keep = 0;
  resume_index *x = custapi__calloc(1, sizeof *x);
  if (!x)
    return custapi__error_oom(err);
  char *buf = NULL;
  size_t cap = 0;
  ssize_t got;
  long n = 0;
  int rc = 0;
  while (rc == 0 && (got = getline(&buf, &cap, in)) > 0) {
    if (buf[got - 1] != '\n')
      break; /* torn by a kill: dropped, and the record sent again */
    n++;
    json_object *o = NULL;
    if (custapi__json_parse_object(&o, buf, (size_t)got - 1, err) < 0)
      rc = n == 1 ? refuse(err, "%.200s is not a custapi bulk results file", path)
                  : refuse(err, "%.200s, line %ld: not a result line", path, n);
    else if (n == 1)
      rc = check_header(o, fp, path, err);
    else
      rc = take_result(x, o, n, path, err);
    json_object_put(o);
    if (rc == 0)
      *keep += (long)got;
  }
  if (rc == 0 && ferror(in))
    rc = refuse(err, "can't read %.200s: %s", path, strerror(errno));
  free(buf); /* getline's, from libc */
  if (rc < 0) {
    resume_index_free(x);
    return rc;
  }
  *fresh = n == 0;
  *out = x;
  return 0;
}
