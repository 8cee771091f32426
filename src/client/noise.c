/*
 * Noise (issue 24): a property that differs between two reads over the same protocol, with no
 * update between them, changes by itself (a timestamp, a counter, a revision): a comparison
 * reports it as noise, never as a difference. --ignore names such properties in advance.
 */
#include "noise.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "schema.h"

/* Bounded: a server that invents a new field name on every read can't grow the set forever. */
enum { NOISE_MAX = 256, NAME_MAX_LEN = 64 };

struct custapi_noise {
  char names[NOISE_MAX][NAME_MAX_LEN + 1];
  size_t count;
};

int custapi_noise_new(custapi_noise **out) {
  assert(out);
  *out = custapi__calloc(1, sizeof **out);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}

void custapi_noise_free(custapi_noise *noise) { custapi__free(noise); }

int custapi_noise_has(const custapi_noise *noise, const char *property) {
  if (!noise || !property)
    return 0;
  for (size_t i = 0; i < noise->count; i++)
    if (strcmp(noise->names[i], property) == 0)
      return 1;
  return 0;
}

size_t custapi_noise_count(const custapi_noise *noise) { return noise ? noise->count : 0; }

const char *custapi_noise_at(const custapi_noise *noise, size_t index) {
  return noise && index < noise->count ? noise->names[index] : NULL;
}

/* Adds a name known to be well formed; 0, or -1 when the set is full. */
static int add(custapi_noise *noise, const char *name) {
  if (custapi_noise_has(noise, name))
    return 0;
  if (noise->count == NOISE_MAX || strlen(name) > NAME_MAX_LEN)
    return -1;
  strcpy(noise->names[noise->count++], name);
  return 0;
}

/* A field's name as a server may send it: letters, digits, '_', '-' and '.'. */
static int name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > NAME_MAX_LEN)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = name[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-' || ch == '.'))
      return 0;
  }
  return 1;
}

int custapi_noise_ignore(custapi_noise *noise, const char *property, custapi_error *err) {
  assert(noise && property);
  char shown[80];
  if (!name_ok(property))
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "%s: not a property name (1 to %d letters, digits, '_', '-' or '.')",
                              custapi__quote(shown, sizeof shown, property, strlen(property), 40),
                              NAME_MAX_LEN);
  if (add(noise, property) < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "at most %d properties can be noise", NOISE_MAX);
  return 0;
}

/* A canonical decimal string equal to `value`. */
static int string_is_integer(const custapi_field *s, int64_t value) {
  int32_t parsed;
  return custapi__parse_int32(s->string, s->string_len, &parsed) == 0 && parsed == value;
}

int custapi__same_value(const char *name, const custapi_field *a, const custapi_field *b) {
  if (!a || !b)
    return a == b;
  if (a->type == b->type) {
    switch (a->type) {
    case CUSTAPI_VALUE_STRING:
      return a->string_len == b->string_len && memcmp(a->string, b->string, a->string_len) == 0;
    case CUSTAPI_VALUE_INTEGER:
    case CUSTAPI_VALUE_BOOLEAN:
      return a->integer == b->integer;
    case CUSTAPI_VALUE_NULL:
      return 1;
    }
  }
  const schema_property *p = custapi__schema_find(name);
  if (p && p->info.type != CUSTAPI_TYPE_INTEGER)
    return 0;
  if (a->type == CUSTAPI_VALUE_INTEGER && b->type == CUSTAPI_VALUE_STRING)
    return string_is_integer(b, a->integer);
  if (b->type == CUSTAPI_VALUE_INTEGER && a->type == CUSTAPI_VALUE_STRING)
    return string_is_integer(a, b->integer);
  return 0;
}

/* Every name of `from` that `other` shows differently (absent counts as different). */
static int learn_one_way(custapi_noise *noise, const custapi_customer *from,
                         const custapi_customer *other) {
  int learned = 0;
  for (size_t i = 0; i < custapi_customer_count(from); i++) {
    const custapi_field *f = custapi_customer_at(from, i);
    if (custapi__same_value(f->name, f, custapi_customer_get(other, f->name)) ||
        custapi_noise_has(noise, f->name) || !name_ok(f->name))
      continue;
    if (add(noise, f->name) < 0)
      break; /* full: what is not learned stays a difference, which is the safe side */
    learned++;
  }
  return learned;
}

int custapi__noise_learn(custapi_noise *noise, const custapi_customer *first,
                         const custapi_customer *second) {
  if (!noise || !first || !second)
    return 0; /* a failed read teaches nothing */
  return learn_one_way(noise, first, second) + learn_one_way(noise, second, first);
}

custapi_verdict custapi__verdict(const custapi_noise *noise, const char *name, int differs) {
  if (!differs)
    return CUSTAPI_VERDICT_AGREE;
  return custapi_noise_has(noise, name) ? CUSTAPI_VERDICT_NOISE : CUSTAPI_VERDICT_DIFFER;
}

const char *custapi_verdict_name(custapi_verdict verdict) {
  switch (verdict) {
  case CUSTAPI_VERDICT_AGREE:
    return "agree";
  case CUSTAPI_VERDICT_DIFFER:
    return "differ";
  case CUSTAPI_VERDICT_NOISE:
    return "noise";
  }
  return "unknown";
}
