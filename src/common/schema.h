/*
 * The property table of docs/properties.md. Everything else (the model's typing, the validator,
 * the codecs' encoding, help text and docs) is derived from this table, never repeated.
 */
#ifndef CUSTAPI_SCHEMA_H
#define CUSTAPI_SCHEMA_H

#include <stddef.h>

#include "custapi/custapi.h"

/* The rule a string or integer property obeys beyond its type. */
typedef enum schema_rule {
  RULE_FREE_TEXT,   /* any allowed string, empty clears it */
  RULE_NON_EMPTY,   /* any allowed string but "" */
  RULE_EMAIL,       /* local@domain, one @, a dotted domain, no spaces */
  RULE_ALNUM,       /* non-empty, ASCII letters and digits */
  RULE_ENUM,        /* exactly one of `values` */
  RULE_TELEPHONE,   /* digits, spaces and + - ( ) . only */
  RULE_URL,         /* empty, or an absolute http:// or https:// URL with a host */
  RULE_COUNTRY,     /* an assigned ISO 3166-1 alpha-2 code or XK */
  RULE_POSITIVE,    /* integer > 0 */
  RULE_NON_NEGATIVE /* integer >= 0 */
} schema_rule;

typedef struct schema_property {
  custapi_property_info info; /* public view: name, type, required, rule text, description */
  schema_rule rule;
  const char *const *values; /* RULE_ENUM: NULL-terminated list */
  size_t max_bytes;          /* strings: length cap in bytes */
  int format_rule;           /* 1: lenient mode turns a failure into a warning */
} schema_property;

/* The schema's properties in their stable order; index of a property is its position. */
size_t custapi__schema_count(void);
const schema_property *custapi__schema_at(size_t index);
const schema_property *custapi__schema_find(const char *name);
/* Position of a property in the schema (for stable ordering). */
size_t custapi__schema_index(const schema_property *property);

/* Read-only fields seen in responses: id, enterprise_id, is_department, country_code, fax. */
int custapi__schema_is_read_only(const char *name);

/* The known name closest to `name` (for "did you mean"), or NULL if none is close. */
const char *custapi__schema_suggest(const char *name);

/*
 * What a name outside the schema gets, decided and worded here only (the model when a name is
 * set, the validator when a customer is checked): 1 to keep it (an allowed unknown name, sent
 * as a string), 0 to drop it (a read-only field that `customer_flags` say to ignore), or
 * CUSTAPI_EINVALID naming it (read-only, or unknown with a "did you mean").
 */
int custapi__schema_admit_other(const char *name, unsigned customer_flags, custapi_error *err);

/* Country codes: 1 if `code` (exactly two upper-case ASCII letters) is assigned or XK. */
int custapi__schema_country_known(const char *code);
size_t custapi__schema_country_count(void);

/* The allowed values of an enumerated property (NULL-terminated), or NULL. */
const char *const *custapi__schema_values(const char *name);

#define SCHEMA_EMAIL_MAX 254
#define SCHEMA_STRING_MAX 1024

#endif
