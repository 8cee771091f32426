#include "records.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "input_ready.h"
#include "json_keys.h"
#include "json_util.h"
#include "record_fast.h"
#include "schema.h"

/* A growable byte buffer for one line or one CSV record. */
typedef struct bytes {
  char *data;
  size_t len, cap;
} bytes;

static int bytes_push(bytes *b, char c) {
  if (b->len + 2 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    char *grown = custapi__realloc(b->data, cap);
    if (!grown)
      return -1;
    b->data = grown;
    b->cap = cap;
  }
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
  return 0;
}

/* CSV: the cells of one record, as offsets into the record buffer. */
typedef struct cells {
  size_t *start, *len;
  size_t count, cap;
} cells;

struct custapi_records {
  FILE *in;
  custapi_bulk_format format;
  unsigned flags;
  long next_line; /* the line the next record starts on */
  bytes buf;
  cells row;
  char **columns; /* CSV header names */
  size_t column_count;
  size_t id_column;
  /* The public reader's view (custapi_records_*): the last record's line and id, and whether
   * a failure has ended the input. */
  long last_line;
  int32_t last_id;
  int failed;
  int slow_only; /* tests: every JSON Lines record through the general reader */
  int wait_fd;   /* custapi__input_wait_fd of `in` */
};

void custapi__records_free(custapi_records *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->column_count; i++)
    custapi__free(r->columns[i]);
  custapi__free(r->columns);
  custapi__free(r->buf.data);
  custapi__free(r->row.start);
  custapi__free(r->row.len);
  custapi__free(r);
}

/* Skips a UTF-8 byte order mark at the very start. */
static void skip_bom(FILE *in) {
  int a = getc(in);
  if (a == 0xEF) {
    int b = getc(in), c = getc(in);
    if (b == 0xBB && c == 0xBF)
      return;
    /* Not a BOM: the bytes are data, and invalid UTF-8 anyway; put back what stdio allows. */
    if (c != EOF)
      ungetc(c, in);
    return;
  }
  if (a != EOF)
    ungetc(a, in);
}

/* ---- JSON Lines ---- */

/* Reads one physical line (without its LF, CR before it dropped). 1, 0 at EOF, <0 too long. */
static int read_line(custapi_records *r) {
  r->buf.len = 0;
  if (bytes_push(&r->buf, '\0') < 0)
    return -2;
  r->buf.len = 0;
  int c, any = 0, rc = 0;
  /* The stream locked once per line, not by getc once per byte: its lock was most of reading. */
  flockfile(r->in);
  while ((c = getc_unlocked(r->in)) != EOF) {
    any = 1;
    if (c == '\n')
      break;
    if (r->buf.len >= CUSTAPI_RECORD_MAX) {
      rc = -1;
      break;
    }
    if (bytes_push(&r->buf, (char)c) < 0) {
      rc = -2;
      break;
    }
  }
  funlockfile(r->in);
  if (rc < 0)
    return rc;
  if (r->buf.len && r->buf.data[r->buf.len - 1] == '\r')
    r->buf.data[--r->buf.len] = '\0';
  return any ? 1 : 0;
}

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return 0;
  return 1;
}

/* Prefixes "line N: " to an error's message; not to out of memory, which is no fault of the
 * line and ends the whole run with the library's one message for it. */
static void at_line(custapi_error *err, long line) {
  if (!err || err->category == CUSTAPI_CATEGORY_INTERNAL)
    return;
  char message[CUSTAPI_ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "line %ld: %.*s", line, CUSTAPI_ERROR_MESSAGE_MAX - 32,
           err->message);
  memcpy(err->message, message, sizeof message);
}

/* A flat record read by custapi__record_fast_scan: the id, then each other member, through
 * the same rules as the general reader below. */
static int customer_from_fast(custapi_records *r, const record_fast *rec, int32_t *id,
                              custapi_customer **out, custapi_error *err) {
  int rc = custapi__json_scalar_id(id, &rec->members[rec->id].value, err);
  if (rc == 0 && custapi_customer_new(out, r->flags) < 0)
    rc = custapi__error_oom(err);
  for (size_t i = 0; rc == 0 && i < rec->count; i++)
    if (i != rec->id) /* id keys the record */
      rc = custapi__customer_set_member(*out, rec->members[i].name, &rec->members[i].value, err);
  return rc;
}

/* Any record, with json-c: every error is worded here. */
static int customer_from_json(custapi_records *r, int32_t *id, custapi_customer **out,
                              custapi_error *err) {
  json_object *obj;
  int rc = custapi__json_parse_object(&obj, r->buf.data, r->buf.len, err);
  if (rc < 0)
    return rc;
  json_object *idv;
  rc = custapi__json_refuse_repeated(obj, r->buf.data, r->buf.len, err);
  if (rc == 0 && !json_object_object_get_ex(obj, "id", &idv))
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, "id", "id: missing");
  if (rc == 0) {
    custapi_json_scalar v;
    custapi__json_scalar_of(&v, idv);
    rc = custapi__json_scalar_id(id, &v, err);
  }
  if (rc == 0 && custapi_customer_new(out, r->flags) < 0)
    rc = custapi__error_oom(err);
  if (rc == 0)
    rc = custapi__customer_set_json_members(*out, obj, "id", err); /* id keys the record */
  json_object_put(obj);
  return rc;
}

void custapi__records_set_fast_path(custapi_records *r, int on) { r->slow_only = !on; }

static records_status next_jsonl(custapi_records *r, long *line, int32_t *id,
                                 custapi_customer **customer, custapi_error *err) {
  for (;;) {
    *line = r->next_line;
    int got = read_line(r);
    if (got == 0)
      return RECORDS_END;
    r->next_line++;
    if (got == -2)
      return custapi__error_oom(err), RECORDS_FATAL;
    if (got == -1) {
      custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "line %ld: longer than %d bytes",
                         *line, CUSTAPI_RECORD_MAX);
      /* skip the rest of the line */
      int c;
      while ((c = getc(r->in)) != EOF && c != '\n')
        ;
      return RECORDS_BAD;
    }
    if (!is_blank(r->buf.data, r->buf.len))
      break;
  }
  custapi_customer *c = NULL;
  record_fast rec;
  int rc = !r->slow_only && custapi__record_fast_scan(&rec, r->buf.data, r->buf.len)
               ? customer_from_fast(r, &rec, id, &c, err)
               : customer_from_json(r, id, &c, err);
  if (rc < 0) {
    custapi_customer_free(c);
    at_line(err, *line);
    return rc == CUSTAPI_EINTERNAL ? RECORDS_FATAL : RECORDS_BAD;
  }
  *customer = c;
  return RECORDS_OK;
}

/* ---- CSV (RFC 4180: quoted cells may hold commas, quotes doubled, and line breaks) ---- */

static int cells_push(cells *c, size_t start, size_t len) {
  if (c->count == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    size_t *s = custapi__realloc(c->start, cap * sizeof *s);
    if (!s)
      return -1;
    c->start = s;
    size_t *l = custapi__realloc(c->len, cap * sizeof *l);
    if (!l)
      return -1;
    c->len = l;
    c->cap = cap;
  }
  c->start[c->count] = start;
  c->len[c->count] = len;
  c->count++;
  return 0;
}

/*
 * Reads one CSV record into r->row. 1, 0 at EOF, -1 malformed or too long (err set; the rest
 * of the record is skipped), -2 out of memory.
 */
static int read_csv_record(custapi_records *r, custapi_error *err) {
  r->buf.len = 0;
  r->row.count = 0;
  if (bytes_push(&r->buf, '\0') < 0)
    return -2;
  r->buf.len = 0;
  size_t cell_start = 0;
  int quoted = 0, after_quote = 0, any = 0, c;
  long lines = 0;
  while ((c = getc(r->in)) != EOF) {
    any = 1;
    if (quoted) {
      if (c == '"') {
        int next = getc(r->in);
        if (next == '"') {
          if (bytes_push(&r->buf, '"') < 0)
            return -2;
          continue;
        }
        if (next != EOF)
          ungetc(next, r->in);
        quoted = 0;
        after_quote = 1;
        continue;
      }
      if (c == '\r') {
        /* A line break inside a quoted cell is LF, whichever way the file writes it. */
        int next = getc(r->in);
        if (next == '\n')
          c = '\n';
        else if (next != EOF)
          ungetc(next, r->in);
      }
      if (c == '\n')
        lines++;
    } else if (c == ',' || c == '\n') {
      if (r->buf.len && c == '\n' && r->buf.data[r->buf.len - 1] == '\r' && !after_quote)
        r->buf.len--;
      if (cells_push(&r->row, cell_start, r->buf.len - cell_start) < 0)
        return -2;
      if (bytes_push(&r->buf, '\0') < 0)
        return -2;
      cell_start = r->buf.len;
      after_quote = 0;
      if (c == '\n') {
        r->next_line += lines + 1;
        return 1;
      }
      continue;
    } else if (c == '"' && r->buf.len == cell_start && !after_quote) {
      quoted = 1;
      continue;
    } else if (after_quote && c != '\r') {
      custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                         "text after a closing quote (a quote inside a quoted cell is "
                         "written \"\")");
      while ((c = getc(r->in)) != EOF && c != '\n')
        ;
      r->next_line += lines + 1;
      return -1;
    }
    if (r->buf.len >= CUSTAPI_RECORD_MAX) {
      custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "record longer than %d bytes",
                         CUSTAPI_RECORD_MAX);
      while ((c = getc(r->in)) != EOF && c != '\n')
        ;
      r->next_line += lines + 1;
      return -1;
    }
    if (bytes_push(&r->buf, (char)c) < 0)
      return -2;
  }
  if (!any)
    return 0;
  if (quoted) {
    custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "a quoted cell is never closed");
    r->next_line += lines + 1;
    return -1;
  }
  if (cells_push(&r->row, cell_start, r->buf.len - cell_start) < 0)
    return -2;
  r->next_line += lines + 1;
  return 1;
}

static const char *cell(const custapi_records *r, size_t i) { return r->buf.data + r->row.start[i]; }

/* One record that is nothing but an empty line. */
static int row_is_blank(const custapi_records *r) { return r->row.count == 1 && r->row.len[0] == 0; }

static int read_header(custapi_records *r, custapi_error *err) {
  int got;
  do {
    got = read_csv_record(r, err);
  } while (got == 1 && row_is_blank(r));
  if (got == -2)
    return custapi__error_oom(err);
  if (got == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "CSV input is empty: the first line must name the columns "
                              "(id,prop,...)");
  if (got < 0) {
    at_line(err, 1);
    return CUSTAPI_EINVALID;
  }
  r->columns = custapi__calloc(r->row.count, sizeof *r->columns);
  if (!r->columns)
    return custapi__error_oom(err);
  r->column_count = r->row.count;
  int has_id = 0;
  custapi_customer *probe;
  if (custapi_customer_new(&probe, r->flags) < 0)
    return custapi__error_oom(err);
  int rc = 0;
  for (size_t i = 0; i < r->row.count && rc == 0; i++) {
    const char *name = cell(r, i);
    if (!(r->columns[i] = custapi__strdup(name))) {
      rc = custapi__error_oom(err);
      break;
    }
    for (size_t j = 0; j < i && rc == 0; j++)
      if (strcmp(r->columns[j], name) == 0)
        rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                                "CSV header: column '%s' appears twice", name);
    if (rc < 0)
      break;
    if (strcmp(name, "id") == 0) {
      has_id = 1;
      r->id_column = i;
      continue;
    }
    if (!*name) {
      rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "CSV header: column %zu has "
                              "no name",
                              i + 1);
      break;
    }
    /* A column the schema refuses (typo, read-only) is refused once, here, not per record.
     * An integer column is probed with a valid integer, any other with text. */
    const custapi_property_info *p = custapi_schema_find(name);
    rc = custapi_customer_set(probe, name, p && p->type == CUSTAPI_TYPE_INTEGER ? "1" : "x", err);
    if (rc < 0)
      at_line(err, 1);
  }
  custapi_customer_free(probe);
  if (rc == 0 && !has_id)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, "id",
                            "CSV header: no 'id' column (the first line names the columns: "
                            "id,prop,...)");
  return rc;
}

static records_status next_csv(custapi_records *r, long *line, int32_t *id,
                               custapi_customer **customer, custapi_error *err) {
  int got;
  do {
    *line = r->next_line;
    got = read_csv_record(r, err);
  } while (got == 1 && row_is_blank(r));
  if (got == 0)
    return RECORDS_END;
  if (got == -2)
    return custapi__error_oom(err), RECORDS_FATAL;
  if (got == -1) {
    at_line(err, *line);
    return RECORDS_BAD;
  }
  int rc = 0;
  if (r->row.count != r->column_count)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                            "%zu cells, but the header names %zu columns", r->row.count,
                            r->column_count);
  if (rc == 0)
    rc = custapi__id_parse_text(id, cell(r, r->id_column), r->row.len[r->id_column], err);
  custapi_customer *c = NULL;
  if (rc == 0 && custapi_customer_new(&c, r->flags) < 0)
    rc = custapi__error_oom(err);
  for (size_t i = 0; rc == 0 && i < r->row.count; i++) {
    if (i == r->id_column || r->row.len[i] == 0)
      continue; /* an empty cell means "not sent" */
    rc = custapi__customer_set_text(c, r->columns[i], cell(r, i), r->row.len[i], err);
  }
  if (rc < 0) {
    custapi_customer_free(c);
    at_line(err, *line);
    return rc == CUSTAPI_EINTERNAL ? RECORDS_FATAL : RECORDS_BAD;
  }
  *customer = c;
  return RECORDS_OK;
}

/* ---- both ---- */

int custapi__records_new(custapi_records **out, FILE *in, custapi_bulk_format format,
                         unsigned customer_flags, custapi_error *err) {
  assert(out && in);
  *out = NULL;
  custapi_records *r = custapi__calloc(1, sizeof *r);
  if (!r)
    return custapi__error_oom(err);
  r->in = in;
  r->format = format;
  r->flags = customer_flags;
  r->next_line = 1;
  r->wait_fd = custapi__input_wait_fd(in);
  skip_bom(in);
  if (format == CUSTAPI_BULK_CSV) {
    int rc = read_header(r, err);
    if (rc < 0) {
      custapi__records_free(r);
      return rc;
    }
  }
  *out = r;
  return 0;
}

records_status custapi__records_next(custapi_records *r, long *line, int32_t *id,
                                     custapi_customer **customer, custapi_error *err) {
  assert(r && line && id && customer);
  *customer = NULL;
  *id = 0;
  return r->format == CUSTAPI_BULK_CSV ? next_csv(r, line, id, customer, err)
                                       : next_jsonl(r, line, id, customer, err);
}

int custapi__records_ready(const custapi_records *r) {
  return custapi__input_ready(r->in, r->wait_fd);
}

int custapi__records_wait_fd(const custapi_records *r) { return r->wait_fd; }

/* ---- the public reader (custapi.h) ---- */

int custapi_records_open(custapi_records **out, FILE *input, custapi_bulk_format format,
                         unsigned customer_flags, custapi_error *err) {
  assert(out && input);
  return custapi__records_new(out, input, format, customer_flags, err);
}

void custapi_records_free(custapi_records *records) { custapi__records_free(records); }

int custapi_records_next(custapi_customer **out, custapi_records *r, custapi_error *err) {
  assert(out && r);
  *out = NULL;
  if (r->failed)
    return 0;
  custapi_error own = CUSTAPI_ERROR_INIT;
  if (!err)
    err = &own;
  records_status st = custapi__records_next(r, &r->last_line, &r->last_id, out, err);
  if (st == RECORDS_OK)
    return 1;
  if (st == RECORDS_END)
    return 0;
  /* Out of memory is the reading's failure, not the record's. */
  if (st == RECORDS_FATAL || err->category == CUSTAPI_CATEGORY_INTERNAL)
    r->failed = 1;
  return err->category != CUSTAPI_CATEGORY_OK ? custapi__status_of(err->category)
                                              : CUSTAPI_EINVALID;
}

long custapi_records_line(const custapi_records *r) {
  assert(r);
  return r->last_line;
}

int32_t custapi_records_id(const custapi_records *r) {
  assert(r);
  return r->last_id;
}

int custapi_records_failed(const custapi_records *r) {
  assert(r);
  return r->failed;
}
