/* The customer model: an ordered set of typed fields, with the schema's typing on the way in. */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "customer.h"
#include "error.h"
#include "schema.h"

typedef struct slot {
  custapi_field field; /* name and string are owned by the customer */
  size_t order;        /* schema position for known names, else after them by first insertion */
} slot;

struct custapi_customer {
  unsigned flags;
  slot *slots;
  size_t count, capacity;
  size_t next_sequence;
};

/* Orders unknown names after every schema property, in the order they were first set. */
#define UNKNOWN_ORDER_BASE 1000

int custapi_customer_new(custapi_customer **out, unsigned flags) {
  assert(out);
  *out = NULL;
  custapi_customer *c = custapi__calloc(1, sizeof *c);
  if (!c)
    return CUSTAPI_EINTERNAL;
  c->flags = flags;
  *out = c;
  return 0;
}

static void slot_release(slot *s) {
  custapi__free((char *)s->field.name);
  custapi__free((char *)s->field.string);
}

void custapi_customer_free(custapi_customer *customer) {
  if (!customer)
    return;
  for (size_t i = 0; i < customer->count; i++)
    slot_release(&customer->slots[i]);
  custapi__free(customer->slots);
  custapi__free(customer);
}

unsigned custapi__customer_flags(const custapi_customer *customer) { return customer->flags; }

int custapi__customer_answer_id(const custapi_customer *c, int64_t *id) {
  const custapi_field *f = custapi_customer_get(c, "id");
  int32_t parsed;
  if (f && f->type == CUSTAPI_VALUE_INTEGER) {
    *id = f->integer;
    return 1;
  }
  if (f && f->type == CUSTAPI_VALUE_STRING &&
      custapi__parse_int32(f->string, f->string_len, &parsed) == 0) {
    *id = parsed;
    return 1;
  }
  return 0;
}

static slot *find_slot(const custapi_customer *c, const char *name) {
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->slots[i].field.name, name) == 0)
      return &c->slots[i];
  return NULL;
}

/*
 * Stores a field; takes ownership of `string` (which may be NULL) whatever happens. The slot of
 * an existing name keeps its place; a new one is inserted where its order puts it.
 */
static int put(custapi_customer *c, const char *name, custapi_value_type type, char *string,
               size_t string_len, int64_t integer) {
  slot *existing = find_slot(c, name);
  if (existing) {
    custapi__free((char *)existing->field.string);
    existing->field.type = type;
    existing->field.string = string;
    existing->field.string_len = string_len;
    existing->field.integer = integer;
    return 0;
  }
  char *name_copy = custapi__strdup(name);
  if (!name_copy) {
    custapi__free(string);
    return CUSTAPI_EINTERNAL;
  }
  if (c->count == c->capacity) {
    size_t capacity = c->capacity ? c->capacity * 2 : 8;
    slot *grown = custapi__realloc(c->slots, capacity * sizeof *grown);
    if (!grown) {
      custapi__free(name_copy);
      custapi__free(string);
      return CUSTAPI_EINTERNAL;
    }
    c->slots = grown;
    c->capacity = capacity;
  }
  const schema_property *p = custapi__schema_find(name);
  size_t order = p ? custapi__schema_index(p) : UNKNOWN_ORDER_BASE + c->next_sequence++;
  size_t at = c->count;
  while (at > 0 && c->slots[at - 1].order > order)
    at--;
  memmove(&c->slots[at + 1], &c->slots[at], (c->count - at) * sizeof *c->slots);
  c->slots[at] = (slot){{name_copy, type, string, string_len, integer}, order};
  c->count++;
  return 0;
}

int custapi__customer_put_string(custapi_customer *c, const char *name, const char *value,
                                 size_t len) {
  char *copy = custapi__strndup(value, len);
  if (!copy)
    return CUSTAPI_EINTERNAL;
  return put(c, name, CUSTAPI_VALUE_STRING, copy, len, 0);
}

int custapi__customer_put_int(custapi_customer *c, const char *name, int64_t value) {
  return put(c, name, CUSTAPI_VALUE_INTEGER, NULL, 0, value);
}

int custapi__customer_put_bool(custapi_customer *c, const char *name, int value) {
  return put(c, name, CUSTAPI_VALUE_BOOLEAN, NULL, 0, value ? 1 : 0);
}

int custapi__customer_put_null(custapi_customer *c, const char *name) {
  return put(c, name, CUSTAPI_VALUE_NULL, NULL, 0, 0);
}

int custapi_customer_unset(custapi_customer *c, const char *name) {
  assert(c && name);
  slot *s = find_slot(c, name);
  if (!s)
    return 0;
  slot_release(s);
  size_t at = (size_t)(s - c->slots);
  memmove(s, s + 1, (c->count - at - 1) * sizeof *s);
  c->count--;
  return 1;
}

int custapi_customer_dup(custapi_customer **out, const custapi_customer *customer) {
  assert(out && customer);
  custapi_customer *copy;
  if (custapi_customer_new(&copy, customer->flags) < 0) {
    *out = NULL;
    return CUSTAPI_EINTERNAL;
  }
  for (size_t i = 0; i < customer->count; i++) {
    const custapi_field *f = &customer->slots[i].field;
    char *string = NULL;
    if (f->string && !(string = custapi__strndup(f->string, f->string_len))) {
      custapi_customer_free(copy);
      *out = NULL;
      return CUSTAPI_EINTERNAL;
    }
    if (put(copy, f->name, f->type, string, f->string_len, f->integer) < 0) {
      custapi_customer_free(copy);
      *out = NULL;
      return CUSTAPI_EINTERNAL;
    }
  }
  *out = copy;
  return 0;
}

size_t custapi_customer_count(const custapi_customer *c) {
  assert(c);
  return c->count;
}

const custapi_field *custapi_customer_at(const custapi_customer *c, size_t index) {
  assert(c);
  return index < c->count ? &c->slots[index].field : NULL;
}

const custapi_field *custapi_customer_get(const custapi_customer *c, const char *name) {
  assert(c && name);
  slot *s = find_slot(c, name);
  return s ? &s->field : NULL;
}

/* ---- setting through the schema ---- */

static int check_name(const char *name, custapi_error *err) {
  if (name[0] == '\0')
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "empty property name");
  return 0;
}

/* Stores a string for a known string property, upper-casing a country code. */
static int put_known_string(custapi_customer *c, const schema_property *p, const char *text,
                            size_t len, custapi_error *err) {
  char *copy = custapi__strndup(text, len);
  if (!copy)
    return custapi__error_oom(err);
  if (p->rule == RULE_COUNTRY)
    for (char *s = copy; *s; s++)
      *s = (char)toupper((unsigned char)*s);
  if (put(c, p->info.name, CUSTAPI_VALUE_STRING, copy, len, 0) < 0)
    return custapi__error_oom(err);
  return 0;
}

static int integer_text_error(const schema_property *p, const char *text, size_t len, int why,
                              custapi_error *err) {
  char quoted[96];
  custapi__quote(quoted, sizeof quoted, text, len, 40);
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, p->info.name, "%s: %s: %s (%s)",
                            p->info.name,
                            why == -2 ? "out of the signed 32-bit range" : "not an integer",
                            quoted, p->info.rule);
}

static int put_known_integer_text(custapi_customer *c, const schema_property *p, const char *text,
                                  size_t len, custapi_error *err) {
  int32_t value;
  int rc = custapi__parse_int32(text, len, &value);
  if (rc < 0)
    return integer_text_error(p, text, len, rc, err);
  if (put(c, p->info.name, CUSTAPI_VALUE_INTEGER, NULL, 0, value) < 0)
    return custapi__error_oom(err);
  return 0;
}

static int put_other_string(custapi_customer *c, const char *name, const char *text, size_t len,
                            custapi_error *err) {
  if (custapi__customer_put_string(c, name, text, len) < 0)
    return custapi__error_oom(err);
  return 0;
}

int custapi__customer_set_text(custapi_customer *c, const char *name, const char *text,
                               size_t len, custapi_error *err) {
  int rc = check_name(name, err);
  if (rc < 0)
    return rc;
  const schema_property *p = custapi__schema_find(name);
  if (!p) {
    rc = custapi__schema_admit_other(name, c->flags, err);
    return rc <= 0 ? rc : put_other_string(c, name, text, len, err);
  }
  if (p->info.type == CUSTAPI_TYPE_INTEGER)
    return put_known_integer_text(c, p, text, len, err);
  return put_known_string(c, p, text, len, err);
}

int custapi_customer_set(custapi_customer *c, const char *name, const char *text,
                         custapi_error *err) {
  assert(c && name && text);
  return custapi__customer_set_text(c, name, text, strlen(text), err);
}

int custapi_customer_set_int(custapi_customer *c, const char *name, int64_t value,
                             custapi_error *err) {
  assert(c && name);
  int rc = check_name(name, err);
  if (rc < 0)
    return rc;
  const schema_property *p = custapi__schema_find(name);
  if (!p) {
    rc = custapi__schema_admit_other(name, c->flags, err);
    if (rc <= 0)
      return rc;
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)value);
    return put_other_string(c, name, text, (size_t)n, err);
  }
  if (p->info.type != CUSTAPI_TYPE_INTEGER)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: must be a string, not an integer (%s)", name, p->info.rule);
  if (value < INT32_MIN || value > INT32_MAX)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: out of the signed 32-bit range: %lld (%s)", name,
                              (long long)value, p->info.rule);
  if (put(c, name, CUSTAPI_VALUE_INTEGER, NULL, 0, value) < 0)
    return custapi__error_oom(err);
  return 0;
}

/* ---- what a server may send ---- */

int custapi__answer_member_check(const char *name, custapi_answer_kind kind, const char *context,
                                 custapi_error *err) {
  const schema_property *p = custapi__schema_find(name);
  if (!p)
    return 0;
  int integer = p->info.type == CUSTAPI_TYPE_INTEGER;
  if (kind == (integer ? CUSTAPI_ANSWER_INT32 : CUSTAPI_ANSWER_STRING))
    return 0;
  return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, name, "response: \"%s\" is not %s%s",
                            name, integer ? "a 32-bit integer" : "a string", context);
}

int custapi__answer_count_check(size_t count, const char *context, custapi_error *err) {
  if (count <= CUSTAPI_CUSTOMER_MAX_MEMBERS)
    return 0;
  return custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                            "response: customer has more than %d members%s",
                            CUSTAPI_CUSTOMER_MAX_MEMBERS, context);
}
