/*
 * Customers in SQLite. One connection behind one mutex: ":memory:" is private to a connection,
 * and the server's threads must all see the same data.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "refserver.h"
#include "schema.h"

struct rs_store {
  sqlite3 *db;
  pthread_mutex_t lock;
  char *select_sql;
};

/* The read-only fields the real API returns besides the schema's properties. */
static const struct {
  const char *name;
  int integer;
} extra_columns[] = {{"enterprise_id", 1}, {"is_department", 0}, {"country_code", 0}, {"fax", 0}};
#define EXTRA_COUNT (sizeof extra_columns / sizeof extra_columns[0])

/* The seed's industries come from the schema's own list (docs/properties.md), not a copy. */
static const char *seed_industry(int32_t id) {
  const char *const *values = custapi__schema_values("industry");
  size_t n = 0;
  while (values[n])
    n++;
  return values[(size_t)id % n];
}

void rs_seed_hash(char out[17], int32_t id) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  uint64_t x = (uint64_t)(uint32_t)id * 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 16; i++) {
    /* splitmix64: deterministic, well spread, no library state */
    x += 0x9E3779B97F4A7C15u;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    out[i] = alphabet[z % (sizeof alphabet - 1)];
  }
  out[16] = '\0';
}

/* A dynamic string for building SQL from the schema's names (which are plain identifiers). */
typedef struct sbuf {
  char *s;
  size_t len, cap;
  int failed;
} sbuf;

static void sb_add(sbuf *b, const char *text) {
  size_t n = strlen(text);
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *grown = realloc(b->s, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->s = grown;
    b->cap = cap;
  }
  memcpy(b->s + b->len, text, n + 1);
  b->len += n;
}

static char *sb_take(sbuf *b) {
  if (b->failed) {
    free(b->s);
    return NULL;
  }
  return b->s;
}

static int exec_sql(sqlite3 *db, const char *sql, char *why, size_t whylen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(why, whylen, "sqlite: %s", msg ? msg : "error");
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int create_table(sqlite3 *db, char *why, size_t whylen) {
  sbuf b = {0};
  sb_add(&b, "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY");
  for (size_t i = 0; i < EXTRA_COUNT; i++) {
    sb_add(&b, ", ");
    sb_add(&b, extra_columns[i].name);
    sb_add(&b, extra_columns[i].integer ? " INTEGER NOT NULL" : " TEXT NOT NULL");
  }
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const custapi_property_info *p = custapi_schema_at(i);
    sb_add(&b, ", ");
    sb_add(&b, p->name);
    sb_add(&b, p->type == CUSTAPI_TYPE_INTEGER ? " INTEGER NOT NULL" : " TEXT NOT NULL");
  }
  sb_add(&b, ")");
  char *sql = sb_take(&b);
  if (!sql) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  int rc = exec_sql(db, sql, why, whylen);
  free(sql);
  return rc;
}

/* Plausible, schema-valid values for seeded customer `id`. */
static void seed_value(const char *name, int32_t id, sqlite3_stmt *st, int col) {
  char text[128];
  const char *s = NULL;
  long long n = -1;
  if (strcmp(name, "name") == 0)
    snprintf(text, sizeof text, "Customer %d", id), s = text;
  else if (strcmp(name, "email") == 0)
    snprintf(text, sizeof text, "customer%d@example.com", id), s = text;
  else if (strcmp(name, "hash") == 0)
    rs_seed_hash(text, id), s = text;
  else if (strcmp(name, "status") == 0)
    s = "on";
  else if (strcmp(name, "deleted") == 0 || strcmp(name, "is_department") == 0)
    s = "no";
  else if (strcmp(name, "email_package_id") == 0 || strcmp(name, "transactions_package_id") == 0 ||
           strcmp(name, "enterprise_id") == 0)
    n = 1;
  else if (strcmp(name, "email_quota") == 0)
    n = 1000 + id;
  else if (strcmp(name, "sms_quota") == 0)
    n = id % 50;
  else if (strcmp(name, "transactions_quota") == 0)
    n = 100;
  else if (strcmp(name, "address") == 0)
    snprintf(text, sizeof text, "%d Long Street", id), s = text;
  else if (strcmp(name, "state_provinces") == 0)
    s = "Western Cape";
  else if (strcmp(name, "postal_code") == 0)
    s = "8001";
  else if (strcmp(name, "telephone") == 0)
    snprintf(text, sizeof text, "+27 21 555 %04d", id % 10000), s = text;
  else if (strcmp(name, "website_url") == 0)
    snprintf(text, sizeof text, "https://example.com/customers/%d", id), s = text;
  else if (strcmp(name, "country") == 0 || strcmp(name, "country_code") == 0)
    s = "ZA";
  else if (strcmp(name, "industry") == 0)
    s = seed_industry(id);
  else if (strcmp(name, "unique_id") == 0)
    snprintf(text, sizeof text, "cust-%06d", id), s = text;
  else
    s = ""; /* fax, and any property added to the schema later */
  if (s)
    sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64(st, col, n);
}

static int seed(sqlite3 *db, int count, char *why, size_t whylen) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM customers", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    snprintf(why, whylen, "sqlite: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
  }
  long long existing = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (existing > 0 || count <= 0)
    return 0;

  sbuf b = {0}, v = {0};
  sb_add(&b, "INSERT INTO customers (id");
  sb_add(&v, ") VALUES (?");
  for (size_t i = 0; i < EXTRA_COUNT; i++) {
    sb_add(&b, ", "), sb_add(&b, extra_columns[i].name), sb_add(&v, ", ?");
  }
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    sb_add(&b, ", "), sb_add(&b, custapi_schema_at(i)->name), sb_add(&v, ", ?");
  }
  sb_add(&v, ")");
  char *values = sb_take(&v);
  if (values)
    sb_add(&b, values);
  free(values);
  char *sql = sb_take(&b);
  if (!sql || !values) {
    free(sql);
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  free(sql);
  if (rc != SQLITE_OK || exec_sql(db, "BEGIN", why, whylen) < 0) {
    snprintf(why, whylen, "sqlite: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
  }
  for (int32_t id = 1; id <= count; id++) {
    int col = 1;
    sqlite3_bind_int(st, col++, id);
    for (size_t i = 0; i < EXTRA_COUNT; i++)
      seed_value(extra_columns[i].name, id, st, col++);
    for (size_t i = 0; i < custapi_schema_count(); i++)
      seed_value(custapi_schema_at(i)->name, id, st, col++);
    if (sqlite3_step(st) != SQLITE_DONE) {
      snprintf(why, whylen, "sqlite: seeding: %s", sqlite3_errmsg(db));
      sqlite3_finalize(st);
      exec_sql(db, "ROLLBACK", why + strlen(why), 0);
      return -1;
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return exec_sql(db, "COMMIT", why, whylen);
}

static char *build_select(void) {
  sbuf b = {0};
  sb_add(&b, "SELECT id");
  for (size_t i = 0; i < EXTRA_COUNT; i++)
    sb_add(&b, ", "), sb_add(&b, extra_columns[i].name);
  for (size_t i = 0; i < custapi_schema_count(); i++)
    sb_add(&b, ", "), sb_add(&b, custapi_schema_at(i)->name);
  sb_add(&b, " FROM customers WHERE id = ?");
  return sb_take(&b);
}

int rs_store_open(rs_store **out, const char *path, int seed_count, char *why, size_t whylen) {
  *out = NULL;
  rs_store *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  pthread_mutex_init(&s->lock, NULL);
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK) {
    snprintf(why, whylen, "can't open database '%s': %s", path,
             s->db ? sqlite3_errmsg(s->db) : "out of memory");
    rs_store_close(s);
    return -1;
  }
  sqlite3_busy_timeout(s->db, 5000);
  if (create_table(s->db, why, whylen) < 0 || seed(s->db, seed_count, why, whylen) < 0) {
    rs_store_close(s);
    return -1;
  }
  s->select_sql = build_select();
  if (!s->select_sql) {
    snprintf(why, whylen, "out of memory");
    rs_store_close(s);
    return -1;
  }
  *out = s;
  return 0;
}

void rs_store_close(rs_store *s) {
  if (!s)
    return;
  sqlite3_close(s->db);
  pthread_mutex_destroy(&s->lock);
  free(s->select_sql);
  free(s);
}

/* Stores column `col` of the row into the customer under `name`. */
static int put_column(custapi_customer *c, sqlite3_stmt *st, int col, const char *name) {
  if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
    return custapi__customer_put_int(c, name, sqlite3_column_int64(st, col));
  const unsigned char *text = sqlite3_column_text(st, col);
  size_t len = (size_t)sqlite3_column_bytes(st, col);
  return custapi__customer_put_string(c, name, text ? (const char *)text : "", text ? len : 0);
}

static rs_store_status get_locked(rs_store *s, int32_t id, custapi_customer **out) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, s->select_sql, -1, &st, NULL) != SQLITE_OK)
    return RS_STORE_ERROR;
  sqlite3_bind_int(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? RS_STORE_NOT_FOUND : RS_STORE_ERROR;
  }
  custapi_customer *c = NULL;
  int failed = custapi_customer_new(&c, 0) < 0;
  int col = 0;
  failed = failed || custapi__customer_put_int(c, "id", sqlite3_column_int64(st, col++)) < 0;
  for (size_t i = 0; i < EXTRA_COUNT && !failed; i++)
    failed = put_column(c, st, col++, extra_columns[i].name) < 0;
  for (size_t i = 0; i < custapi_schema_count() && !failed; i++)
    failed = put_column(c, st, col++, custapi_schema_at(i)->name) < 0;
  sqlite3_finalize(st);
  if (failed) {
    custapi_customer_free(c);
    return RS_STORE_ERROR;
  }
  *out = c;
  return RS_STORE_OK;
}

rs_store_status rs_store_get(rs_store *s, int32_t id, custapi_customer **out) {
  *out = NULL;
  pthread_mutex_lock(&s->lock);
  rs_store_status rc = get_locked(s, id, out);
  pthread_mutex_unlock(&s->lock);
  return rc;
}

/* Within the transaction: 1 when the customer exists and (if a hash is sent) it matches. */
static rs_store_status check_hash(rs_store *s, int32_t id, const custapi_customer *changes) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT hash FROM customers WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return RS_STORE_ERROR;
  sqlite3_bind_int(st, 1, id);
  int rc = sqlite3_step(st);
  rs_store_status result = RS_STORE_OK;
  if (rc == SQLITE_DONE)
    result = RS_STORE_NOT_FOUND;
  else if (rc != SQLITE_ROW)
    result = RS_STORE_ERROR;
  else {
    const custapi_field *hash = custapi_customer_get(changes, "hash");
    const char *stored = (const char *)sqlite3_column_text(st, 0);
    size_t stored_len = (size_t)sqlite3_column_bytes(st, 0);
    if (hash && (hash->type != CUSTAPI_VALUE_STRING || !stored || stored_len != hash->string_len ||
                 memcmp(stored, hash->string, stored_len) != 0))
      result = RS_STORE_HASH_MISMATCH;
  }
  sqlite3_finalize(st);
  return result;
}

static char *build_update(const custapi_customer *changes) {
  sbuf b = {0};
  sb_add(&b, "UPDATE customers SET ");
  int first = 1;
  for (size_t i = 0; i < custapi_customer_count(changes); i++) {
    const custapi_field *f = custapi_customer_at(changes, i);
    if (!custapi_schema_find(f->name))
      continue; /* never reached: the handlers admit schema properties only */
    sb_add(&b, first ? "" : ", ");
    sb_add(&b, f->name);
    sb_add(&b, " = ?");
    first = 0;
    if (strcmp(f->name, "country") == 0)
      sb_add(&b, ", country_code = ?");
  }
  sb_add(&b, " WHERE id = ?");
  char *sql = sb_take(&b);
  if (sql && first) {
    free(sql);
    return NULL;
  }
  return sql;
}

static rs_store_status apply(rs_store *s, int32_t id, const custapi_customer *changes) {
  if (custapi_customer_count(changes) == 0)
    return RS_STORE_OK; /* everything was dropped (a divergence knob): a silent no-op */
  char *sql = build_update(changes);
  if (!sql)
    return RS_STORE_ERROR;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  free(sql);
  if (rc != SQLITE_OK)
    return RS_STORE_ERROR;
  int col = 1;
  for (size_t i = 0; i < custapi_customer_count(changes); i++) {
    const custapi_field *f = custapi_customer_at(changes, i);
    if (!custapi_schema_find(f->name))
      continue;
    int copies = strcmp(f->name, "country") == 0 ? 2 : 1;
    for (int k = 0; k < copies; k++, col++) {
      if (f->type == CUSTAPI_VALUE_INTEGER)
        sqlite3_bind_int64(st, col, f->integer);
      else
        sqlite3_bind_text(st, col, f->string ? f->string : "", (int)f->string_len,
                          SQLITE_TRANSIENT);
    }
  }
  sqlite3_bind_int(st, col, id);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? RS_STORE_OK : RS_STORE_ERROR;
}

rs_store_status rs_store_update(rs_store *s, int32_t id, const custapi_customer *changes) {
  char why[256];
  pthread_mutex_lock(&s->lock);
  rs_store_status rc = RS_STORE_ERROR;
  if (exec_sql(s->db, "BEGIN IMMEDIATE", why, sizeof why) == 0) {
    rc = check_hash(s, id, changes);
    if (rc == RS_STORE_OK)
      rc = apply(s, id, changes);
    if (rc == RS_STORE_OK && exec_sql(s->db, "COMMIT", why, sizeof why) < 0)
      rc = RS_STORE_ERROR;
    if (rc != RS_STORE_OK)
      exec_sql(s->db, "ROLLBACK", why, sizeof why);
  }
  pthread_mutex_unlock(&s->lock);
  return rc;
}
