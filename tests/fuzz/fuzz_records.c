/* The bulk input readers: every record either parses and validates, or is reported, never a
 * crash; the first byte picks the format and the flags. JSON Lines are read twice side by side,
 * with the fast path for flat records and with json-c only: any difference in a record's
 * outcome (status, line, id, error, or the customer's fields) aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_customer(const custapi_customer *a, const custapi_customer *b) {
  if ((a == NULL) != (b == NULL))
    abort();
  if (!a)
    return;
  if (custapi_customer_count(a) != custapi_customer_count(b))
    abort();
  for (size_t i = 0; i < custapi_customer_count(a); i++) {
    const custapi_field *x = custapi_customer_at(a, i), *y = custapi_customer_at(b, i);
    if (strcmp(x->name, y->name) != 0 || x->type != y->type || x->integer != y->integer ||
        (x->string == NULL) != (y->string == NULL) || x->string_len != y->string_len ||
        (x->string && memcmp(x->string, y->string, x->string_len) != 0))
      abort();
  }
}

/* A second reader of the same input with the fast path off (JSON Lines only), or NULL. */
typedef struct twin {
  FILE *in;
  custapi_records *reader;
} twin;

static void twin_open(twin *t, const uint8_t *data, size_t size, custapi_bulk_format format,
                      unsigned flags) {
  t->in = NULL;
  t->reader = NULL;
  if (format != CUSTAPI_BULK_JSONL || !(t->in = fmemopen((void *)data, size, "r")))
    return;
  custapi_error err;
  if (custapi__records_new(&t->reader, t->in, format, flags, &err) != 0)
    abort(); /* the first reader opened this input */
  custapi__records_set_fast_path(t->reader, 0);
}

/* The twin's reading of the record the first reader just read as (s, line, id, c, err). */
static void twin_agrees(twin *t, records_status s, long line, int32_t id, const custapi_customer *c,
                        const custapi_error *err) {
  if (!t->reader)
    return;
  long line2;
  int32_t id2;
  custapi_customer *c2;
  custapi_error err2;
  records_status s2 = custapi__records_next(t->reader, &line2, &id2, &c2, &err2);
  if (s2 != s || (s != RECORDS_END && line2 != line) || id2 != id)
    abort();
  if (s == RECORDS_BAD || s == RECORDS_FATAL) {
    if (err2.category != err->category || strcmp(err2.property, err->property) != 0 ||
        strcmp(err2.message, err->message) != 0)
      abort();
  }
  same_customer(c, c2);
  custapi_customer_free(c2);
}

static void twin_close(twin *t) {
  custapi__records_free(t->reader);
  if (t->in)
    fclose(t->in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  custapi_bulk_format format = data[0] & 1 ? CUSTAPI_BULK_CSV : CUSTAPI_BULK_JSONL;
  unsigned flags = (data[0] >> 1) & 3u;
  FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
  if (!in)
    return 0;
  custapi_records *r;
  custapi_error err;
  if (custapi__records_new(&r, in, format, flags, &err) == 0) {
    twin slow;
    twin_open(&slow, data + 1, size - 1, format, flags);
    long line, last_line = 0;
    int32_t id;
    custapi_customer *c;
    records_status s;
    for (;;) {
      s = custapi__records_next(r, &line, &id, &c, &err);
      twin_agrees(&slow, s, line, id, c, &err);
      if (s == RECORDS_END || s == RECORDS_FATAL)
        break;
      if (line < last_line)
        abort(); /* lines only go forward */
      last_line = line;
      if (s == RECORDS_OK) {
        if (id <= 0 || !c)
          abort();
        custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err);
        custapi_customer_free(c);
      }
    }
    twin_close(&slow);
    custapi__records_free(r);
  }
  fclose(in);
  return 0;
}
