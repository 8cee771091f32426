/* The validator: every rule of docs/properties.md, one line per failure. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "customer.h"
#include "error.h"
#include "schema.h"
#include "suggest.h"
#include "text.h"

/* Longest excerpt of a bad value quoted in a message. */
#define QUOTE_MAX 60
#define ENUM_QUOTE_MAX 8

typedef struct check {
  const schema_property *p;
  const custapi_field *f;
  unsigned flags;
  custapi_warn_fn warn;
  void *payload;
  custapi_error *err;
} check;

static int fail(const check *k, const char *problem) {
  char quoted[QUOTE_MAX * 4 + 8];
  custapi__quote(quoted, sizeof quoted, k->f->string, k->f->string_len, QUOTE_MAX);
  return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, k->p->info.name, "%s: %s: %s (%s)",
                            k->p->info.name, problem, quoted, k->p->info.rule);
}

/* A format rule fails: an error, or in lenient mode a warning and a pass. */
static int fail_format(const check *k, const char *problem) {
  if (!(k->flags & CUSTAPI_VALIDATE_LENIENT) || !k->p->format_rule)
    return fail(k, problem);
  if (k->warn) {
    custapi_error warning = CUSTAPI_ERROR_INIT;
    fail(&(check){k->p, k->f, k->flags, NULL, NULL, &warning}, problem);
    k->warn(k->p->info.name, warning.message, k->payload);
  }
  return 0;
}

/* ---- the format rules ---- */

static int has_space(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
      return 1;
  return 0;
}

/* A domain with at least two non-empty dot-separated labels. */
static int is_dotted_domain(const char *d, size_t len) {
  if (len == 0 || d[0] == '.' || d[len - 1] == '.')
    return 0;
  int dots = 0;
  for (size_t i = 0; i < len; i++) {
    if (d[i] == '.') {
      if (d[i + 1] == '.')
        return 0;
      dots++;
    }
  }
  return dots > 0;
}

static int is_email(const char *s, size_t len) {
  const char *at = memchr(s, '@', len);
  if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1) || has_space(s, len))
    return 0;
  return is_dotted_domain(at + 1, len - (size_t)(at - s) - 1);
}

static int is_telephone(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!strchr("0123456789 +-().", s[i]) || s[i] == '\0')
      return 0;
  return 1;
}

static int starts_with_ci(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  if (len < n)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != prefix[i])
      return 0;
  }
  return 1;
}

/* http:// or https://, then [userinfo@]host[:port] with a non-empty host, no white space. */
static int is_web_url(const char *s, size_t len) {
  size_t scheme;
  if (starts_with_ci(s, len, "http://"))
    scheme = 7;
  else if (starts_with_ci(s, len, "https://"))
    scheme = 8;
  else
    return 0;
  if (has_space(s, len))
    return 0;
  const char *auth = s + scheme, *end = s + len;
  const char *stop = auth;
  while (stop < end && *stop != '/' && *stop != '?' && *stop != '#')
    stop++;
  const char *host = auth;
  for (const char *p = auth; p < stop; p++)
    if (*p == '@')
      host = p + 1;
  if (host < stop && *host == '[') {
    const char *close = memchr(host, ']', (size_t)(stop - host));
    return close && close > host + 1;
  }
  const char *port = memchr(host, ':', (size_t)(stop - host));
  const char *host_end = port ? port : stop;
  if (host_end == host)
    return 0;
  if (port)
    for (const char *p = port + 1; p < stop; p++)
      if (*p < '0' || *p > '9')
        return 0;
  return 1;
}

static int is_alnum_ascii(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return 0;
  }
  return 1;
}

static int is_enum_value(const schema_property *p, const char *s, size_t len) {
  for (const char *const *v = p->values; *v; v++)
    if (strlen(*v) == len && memcmp(*v, s, len) == 0)
      return 1;
  return 0;
}

static const char *enum_value_at(size_t index, const void *context) {
  return ((const schema_property *)context)->values[index];
}

/* Whether `word` is in `value`, ignoring case ("tech" in "Technology & Science"). */
static int contains_word(const char *value, const char *word, size_t len) {
  for (const char *v = value; len && strlen(v) >= len; v++)
    if (strncasecmp(v, word, len) == 0)
      return 1;
  return 0;
}

/*
 * A value outside an enumeration: the nearest allowed value(s) when one is close (a typo, or
 * the word inside one), else every allowed value, so the message alone says what to write.
 */
static int fail_enum(const check *k) {
  const schema_property *p = k->p;
  size_t count = 0;
  while (p->values[count])
    count++;
  char word[64];
  snprintf(word, sizeof word, "%.*s", (int)(k->f->string_len < 63 ? k->f->string_len : 63),
           k->f->string);
  char advice[CUSTAPI_ERROR_MESSAGE_MAX];
  size_t n = 0;
  const char *near = custapi__suggest(word, enum_value_at, count, p);
  for (size_t i = 0; i < count && n < sizeof advice; i++) {
    if (near ? p->values[i] != near : !contains_word(p->values[i], word, strlen(word)))
      continue;
    n += (size_t)snprintf(advice + n, sizeof advice - n, "%s\"%s\"", n ? " or " : "; did you mean ",
                          p->values[i]);
  }
  if (n && n < sizeof advice)
    n += (size_t)snprintf(advice + n, sizeof advice - n, "?");
  if (!n) { /* nothing near: every value, in the schema's order */
    n = (size_t)snprintf(advice, sizeof advice, " (one of:");
    for (size_t i = 0; i < count && n < sizeof advice; i++)
      n += (size_t)snprintf(advice + n, sizeof advice - n, "%s%s", i ? "; " : " ", p->values[i]);
    if (n < sizeof advice)
      snprintf(advice + n, sizeof advice - n, ")");
  }
  char quoted[ENUM_QUOTE_MAX * 4 + 8]; /* short: the list of values must fit the message */
  custapi__quote(quoted, sizeof quoted, k->f->string, k->f->string_len, ENUM_QUOTE_MAX);
  return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, p->info.name,
                            "%s: not an allowed value: %s%s", p->info.name, quoted, advice);
}

/* ---- per type ---- */

static int check_encoding(const check *k, const char *name) {
  size_t offset;
  uint32_t cp;
  char problem[96];
  switch (custapi__text_check(k->f->string, k->f->string_len, &offset, &cp)) {
  case TEXT_OK:
    return 0;
  case TEXT_INVALID_UTF8:
    snprintf(problem, sizeof problem, "not valid UTF-8 at byte %zu", offset);
    break;
  case TEXT_CONTROL:
    snprintf(problem, sizeof problem, "control character U+%04X at byte %zu%s", (unsigned)cp,
             offset, cp == '\r' ? " (CR is refused; use LF for line breaks)" : "");
    break;
  case TEXT_ABOVE_FFFD:
    snprintf(problem, sizeof problem,
             "character U+%04X at byte %zu is above U+FFFD, which XML-RPC can't carry",
             (unsigned)cp, offset);
    break;
  }
  if (k->p)
    return fail(k, problem);
  return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, name, "%s: %s", name, problem);
}

static int check_string(const check *k) {
  const schema_property *p = k->p;
  const char *s = k->f->string;
  size_t len = k->f->string_len;
  int rc = check_encoding(k, p->info.name);
  if (rc < 0)
    return rc;
  if (len > p->max_bytes) {
    char problem[96];
    snprintf(problem, sizeof problem, "too long, %zu bytes of at most %zu", len, p->max_bytes);
    return fail(k, problem);
  }
  if (len == 0) {
    if (p->rule == RULE_FREE_TEXT || p->rule == RULE_URL || p->rule == RULE_TELEPHONE)
      return 0; /* an empty string clears these */
    return fail(k, "must not be empty");
  }
  switch (p->rule) {
  case RULE_FREE_TEXT:
  case RULE_NON_EMPTY:
    return 0;
  case RULE_EMAIL:
    return is_email(s, len) ? 0 : fail_format(k, "not a valid address");
  case RULE_ALNUM:
    return is_alnum_ascii(s, len) ? 0 : fail(k, "only letters and digits are allowed");
  case RULE_ENUM:
    return is_enum_value(p, s, len) ? 0 : fail_enum(k);
  case RULE_TELEPHONE:
    return is_telephone(s, len) ? 0 : fail_format(k, "not a telephone number");
  case RULE_URL:
    return is_web_url(s, len) ? 0 : fail_format(k, "not an http:// or https:// URL with a host");
  case RULE_COUNTRY:
    return custapi__schema_country_known(s) ? 0 : fail_format(k, "not an assigned country code");
  case RULE_POSITIVE:
  case RULE_NON_NEGATIVE:
    break;
  }
  return custapi__error_set(k->err, CUSTAPI_CATEGORY_INTERNAL, p->info.name,
                            "%s: string property with an integer rule", p->info.name);
}

static int check_integer(const check *k) {
  const schema_property *p = k->p;
  int64_t v = k->f->integer;
  const char *problem = NULL;
  if (v < INT32_MIN || v > INT32_MAX)
    problem = "out of the signed 32-bit range";
  else if (p->rule == RULE_POSITIVE && v <= 0)
    problem = "must be greater than 0";
  else if (p->rule == RULE_NON_NEGATIVE && v < 0)
    problem = "must not be negative";
  if (!problem)
    return 0;
  return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, p->info.name, "%s: %s: %lld (%s)",
                            p->info.name, problem, (long long)v, p->info.rule);
}

static const char *value_type_words(custapi_value_type type) {
  switch (type) {
  case CUSTAPI_VALUE_STRING:
    return "a string";
  case CUSTAPI_VALUE_INTEGER:
    return "an integer";
  case CUSTAPI_VALUE_BOOLEAN:
    return "a boolean";
  case CUSTAPI_VALUE_NULL:
    return "null";
  }
  return "an unknown value";
}

static int check_known(const check *k) {
  const schema_property *p = k->p;
  custapi_value_type want =
      p->info.type == CUSTAPI_TYPE_INTEGER ? CUSTAPI_VALUE_INTEGER : CUSTAPI_VALUE_STRING;
  if (k->f->type != want)
    return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, p->info.name,
                              "%s: must be %s, not %s (%s)", p->info.name, value_type_words(want),
                              value_type_words(k->f->type), p->info.rule);
  return want == CUSTAPI_VALUE_INTEGER ? check_integer(k) : check_string(k);
}

/* A name outside the schema: refused, unless unknown names are allowed (then a string). */
static int check_other(const check *k, unsigned customer_flags) {
  const char *name = k->f->name;
  /* A read-only field that made it into the customer (a decoder's raw put) is refused here
   * whatever the flags: it would be sent. */
  int rc = custapi__schema_admit_other(
      name, customer_flags & ~(unsigned)CUSTAPI_CUSTOMER_IGNORE_READ_ONLY, k->err);
  if (rc < 0)
    return rc;
  if (k->f->type != CUSTAPI_VALUE_STRING)
    return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: unknown properties are sent as strings, not %s", name,
                              value_type_words(k->f->type));
  if ((rc = check_encoding(k, name)) < 0)
    return rc;
  if (k->f->string_len > SCHEMA_STRING_MAX)
    return custapi__error_set(k->err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: too long, %zu bytes of at most %d", name, k->f->string_len,
                              SCHEMA_STRING_MAX);
  return 0;
}

int custapi_validate_mode_as_given(custapi_validate_mode mode, const char *who,
                                   custapi_error *err) {
  assert(who);
  if (mode == CUSTAPI_VALIDATE_FILL_REQUIRED)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "%s does not support fill-required (it would read each customer "
                              "before its update): send what is given (partial), or give name, "
                              "email and hash (strict)",
                              who);
  if (mode != CUSTAPI_VALIDATE_PARTIAL && mode != CUSTAPI_VALIDATE_STRICT)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "unknown validation mode %d",
                              (int)mode);
  return 0;
}

size_t custapi_validate_missing(const char *out[3], const custapi_customer *customer) {
  assert(out && customer);
  size_t n = 0;
  for (size_t i = 0; i < custapi__schema_count() && n < 3; i++) {
    const schema_property *p = custapi__schema_at(i);
    if (p->info.required && !custapi_customer_get(customer, p->info.name))
      out[n++] = p->info.name;
  }
  return n;
}

static int check_required(const custapi_customer *customer, custapi_error *err) {
  const char *missing[3];
  size_t n = custapi_validate_missing(missing, customer);
  if (n == 0)
    return 0;
  char list[64] = "";
  for (size_t i = 0; i < n; i++) {
    strcat(list, i ? ", " : "");
    strcat(list, missing[i]);
  }
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, missing[0],
                            "%s: required in strict mode; missing: %s (strict mode needs name, "
                            "email and hash)",
                            missing[0], list);
}

int custapi_validate(const custapi_customer *customer, custapi_validate_mode mode, unsigned flags,
                     custapi_warn_fn warn, void *payload, custapi_error *err) {
  assert(customer);
  if (mode != CUSTAPI_VALIDATE_PARTIAL && mode != CUSTAPI_VALIDATE_STRICT &&
      mode != CUSTAPI_VALIDATE_FILL_REQUIRED)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "unknown validation mode %d",
                              (int)mode);
  size_t count = custapi_customer_count(customer);
  /* In every mode and for every caller (update, compare, bulk records, validate, the gateway):
   * an empty update would tell the user nothing. */
  if (count == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "%s",
                              "nothing to update: no properties given");
  for (size_t i = 0; i < count; i++) {
    const custapi_field *f = custapi_customer_at(customer, i);
    check k = {custapi__schema_find(f->name), f, flags, warn, payload, err};
    int rc = k.p ? check_known(&k) : check_other(&k, custapi__customer_flags(customer));
    if (rc < 0)
      return rc;
  }
  if (mode == CUSTAPI_VALIDATE_STRICT)
    return check_required(customer, err);
  return 0;
}
