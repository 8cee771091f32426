#include "resume_plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json_keys.h"
#include "json_util.h"

/* What the results file says of one input line: its last result. */
typedef struct line_result {
  long line;
  long seq;   /* the result's place in the file (1, 2, ...): the order things were applied */
  int32_t id; /* 0 when the result had none */
  int ok;
  int tries; /* the runs that took the line: its "tries", or its results counted */
} line_result;

/* Per id with an ok result: how far the skipping of its lines has gone. */
typedef struct id_state {
  int32_t id;    /* 0: an empty slot (ids are positive) */
  int resending; /* one of its lines is sent again: so is every later one */
  long last_seq; /* the seq of its last line skipped so far */
} id_state;

struct resume_plan {
  line_result *lines; /* sorted by line, one per line once read */
  size_t count, cap;
  long read;     /* result lines read, before each line's last was kept */
  id_state *ids; /* open addressing */
  size_t id_cap;
};

void custapi__resume_plan_free(resume_plan *p) {
  if (!p)
    return;
  custapi__free(p->lines);
  custapi__free(p->ids);
  custapi__free(p);
}

long custapi__resume_plan_results(const resume_plan *p) { return (long)p->count; }

/* ---- planning ---- */

static id_state *id_slot(id_state *ids, size_t cap, int32_t id) {
  size_t i = ((uint32_t)id * 2654435761u) & (cap - 1);
  while (ids[i].id && ids[i].id != id)
    i = (i + 1) & (cap - 1);
  return &ids[i];
}

static const line_result *find_line(const resume_plan *p, long line) {
  size_t lo = 0, hi = p->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->lines[mid].line < line)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->count && p->lines[lo].line == line ? &p->lines[lo] : NULL;
}

static int by_long(const void *a, const void *b);

long custapi__resume_plan_lines_read(const resume_plan *p) { return p->read; }

int custapi__resume_plan_tries(const resume_plan *p, long line) {
  const line_result *r = find_line(p, line);
  return r ? r->tries : 0;
}

int custapi__resume_plan_kept(long **seqs, size_t *n, const resume_plan *p) {
  *n = p->count;
  *seqs = custapi__malloc((p->count ? p->count : 1) * sizeof **seqs);
  if (!*seqs)
    return -1;
  for (size_t i = 0; i < p->count; i++)
    (*seqs)[i] = p->lines[i].seq;
  qsort(*seqs, p->count, sizeof **seqs, by_long);
  return 0;
}

int custapi__resume_plan_skip(resume_plan *p, long line, int32_t id, int max_tries) {
  /* Given up on: never sent again, and not in its id's way (the id goes on as if the line were
   * not in the input). Before the id's rules, which a line without a valid id never reaches. */
  const line_result *given_up = max_tries > 0 ? find_line(p, line) : NULL;
  if (given_up && !given_up->ok && given_up->tries >= max_tries)
    return 2;
  if (!custapi_id_valid(id) || !p->id_cap)
    return 0;
  id_state *s = id_slot(p->ids, p->id_cap, id);
  if (!s->id) /* no ok result for this id: every line of it is sent */
    return 0;
  if (s->resending)
    return 0;
  const line_result *r = find_line(p, line);
  /* Applied after the id's lines skipped so far: what it set is still there. */
  if (r && r->ok && r->id == id && r->seq > s->last_seq) {
    s->last_seq = r->seq;
    return 1;
  }
  s->resending = 1;
  return 0;
}

/* ---- reading ---- */

static int by_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static int by_line_then_seq(const void *a, const void *b) {
  const line_result *x = a, *y = b;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the results by line, keeps each line's last, and notes the ids with an ok one. */
static int plan_build(resume_plan *p) {
  if (p->count)
    qsort(p->lines, p->count, sizeof *p->lines, by_line_then_seq);
  size_t kept = 0, ok_ids = 0;
  int results_of_line = 0;
  p->read = (long)p->count;
  for (size_t i = 0; i < p->count; i++) {
    results_of_line++;
    if (i + 1 < p->count && p->lines[i + 1].line == p->lines[i].line)
      continue; /* a later result of the same line replaces it */
    p->lines[kept] = p->lines[i];
    /* a file compacted keeps one line per input line: its "tries" says how many runs it had */
    if (p->lines[kept].tries < results_of_line)
      p->lines[kept].tries = results_of_line;
    results_of_line = 0;
    ok_ids += p->lines[kept++].ok;
  }
  p->count = kept;
  size_t cap = 16;
  while (cap < ok_ids * 2)
    cap *= 2;
  if (!(p->ids = custapi__calloc(cap, sizeof *p->ids)))
    return -1;
  p->id_cap = cap;
  for (size_t i = 0; i < p->count; i++)
    if (p->lines[i].ok)
      id_slot(p->ids, cap, p->lines[i].id)->id = p->lines[i].id;
  return 0;
}

static int plan_add(resume_plan *p, long line, long seq, int32_t id, int ok, int tries) {
  if (p->count == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 1024;
    line_result *grown = custapi__realloc(p->lines, cap * sizeof *grown);
    if (!grown)
      return -1;
    p->lines = grown;
    p->cap = cap;
  }
  p->lines[p->count++] = (line_result){line, seq, id, ok, tries};
  return 0;
}

#define refuse(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static int get_int64(json_object *o, const char *key, int64_t *out) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
    return -1;
  *out = json_object_get_int64(v);
  return 0;
}

static int check_header(json_object *h, const input_fingerprint *fp, const char *path,
                        custapi_error *err) {
  int64_t version, bytes;
  json_object *hash;
  if (get_int64(h, "custapi_bulk_results", &version) < 0)
    return refuse(err,
                  "%.200s is not a custapi bulk results file (its first line is not the "
                  "input's fingerprint): refusing to touch it",
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
                  " bytes, hash %s): refusing to resume; give this input a new --results file "
                  "(or move %.200s away to start it afresh)",
                  path, (long long)bytes, json_object_get_string(hash), fp->bytes, want, path);
  return 0;
}

/* One result line of the file (its n-th line). */
static int take_result(resume_plan *p, json_object *r, long n, const input_fingerprint *fp,
                       const char *path, custapi_error *err) {
  int64_t line, id = 0, tries = 0;
  json_object *ok, *idv, *triesv;
  if (get_int64(r, "line", &line) < 0 || line < 1 || !json_object_object_get_ex(r, "ok", &ok) ||
      !json_object_is_type(ok, json_type_boolean) || !json_object_object_get_ex(r, "id", &idv))
    return refuse(err, "%.200s, line %ld: not a result line", path, n);
  /* Checked before anything is sized by it: a hand-edited number must not drive memory. */
  if ((uint64_t)line > fp->lines)
    return refuse(err,
                  "%.200s, line %ld: input line %lld is beyond the input's %" PRIu64
                  " lines: these results are not of this input",
                  path, n, (long long)line, fp->lines);
  if (json_object_is_type(idv, json_type_int))
    id = json_object_get_int64(idv);
  int is_ok = json_object_get_boolean(ok);
  if (is_ok && !custapi_id_valid(id))
    return refuse(err, "%.200s, line %ld: an ok result without a customer id", path, n);
  if (!custapi_id_valid(id))
    id = 0;
  if (json_object_object_get_ex(r, "tries", &triesv) &&
      (get_int64(r, "tries", &tries) < 0 || tries < 1 || tries > INT32_MAX))
    return refuse(err, "%.200s, line %ld: \"tries\" is not a count of runs", path, n);
  if (plan_add(p, (long)line, n, (int32_t)id, is_ok, (int)tries) < 0)
    return custapi__error_oom(err);
  return 0;
}

/* One complete line (without its "\n"), the n-th of the file. */
static int take_line(resume_plan *p, const char *text, size_t len, long n,
                     const input_fingerprint *fp, const char *path, custapi_error *err) {
  json_object *o = NULL;
  char repeated[80];
  int rc = custapi__json_parse_object(&o, text, len, err);
  if (rc == 0 && custapi__json_repeated_key(o, text, len, repeated, sizeof repeated) != 0)
    rc = -1;
  if (rc < 0 && err && err->category == CUSTAPI_CATEGORY_INTERNAL)
    ; /* out of memory: said as such */
  else if (rc < 0)
    rc = n == 1 ? refuse(err,
                         "%.200s is not a custapi bulk results file (its first line is not "
                         "the input's fingerprint): refusing to touch it",
                         path)
                : refuse(err, "%.200s, line %ld: not a result line", path, n);
  else if (n == 1)
    rc = check_header(o, fp, path, err);
  else
    rc = take_result(p, o, n, fp, path, err);
  json_object_put(o);
  return rc;
}

/* Whether `text` could be the start of `whole` (a kill while one write(2) was landing). */
static int is_start_of(const char *text, size_t len, const char *whole) {
  size_t n = strlen(whole);
  return memcmp(text, whole, len < n ? len : n) == 0;
}

/* An unterminated last line: dropped only when it is what a kill leaves. */
static int check_torn(const char *text, size_t len, long n, const input_fingerprint *fp,
                      const char *path, custapi_error *err) {
  if (n == 0) {
    char header[160];
    if (custapi__results_header(header, sizeof header, fp) > 0 && len < strlen(header) &&
        is_start_of(text, len, header))
      return 0;
    return refuse(err,
                  "%.200s is not a custapi bulk results file (it does not start with the "
                  "input's fingerprint): refusing to touch it",
                  path);
  }
  if (is_start_of(text, len, "{\"line\":"))
    return 0;
  return refuse(err,
                "%.200s, line %ld: an unfinished line that is not a result line: refusing "
                "to change the file",
                path, n + 1);
}

int custapi__resume_plan_read(resume_plan **out, int *fresh, long *keep, FILE *in,
                              const input_fingerprint *fp, const char *path, custapi_error *err) {
  *out = NULL;
  *fresh = 1;
  *keep = 0;
  resume_plan *p = custapi__calloc(1, sizeof *p);
  if (!p)
    return custapi__error_oom(err);
  char *buf = NULL;
  size_t cap = 0;
  ssize_t got;
  long n = 0;
  int rc = 0;
  while (rc == 0 && (got = getline(&buf, &cap, in)) > 0) {
    if (buf[got - 1] != '\n') {
      rc = check_torn(buf, (size_t)got, n, fp, path, err);
      break; /* dropped, and its record sent again */
    }
    n++;
    rc = take_line(p, buf, (size_t)got - 1, n, fp, path, err);
    if (rc == 0)
      *keep += (long)got;
  }
  if (rc == 0 && ferror(in))
    rc = refuse(err, "can't read %.200s: %s", path, strerror(errno));
  free(buf); /* getline's, from libc */
  if (rc == 0 && plan_build(p) < 0)
    rc = custapi__error_oom(err);
  if (rc < 0) {
    custapi__resume_plan_free(p);
    return rc;
  }
  *fresh = n == 0;
  *out = p;
  return 0;
}
