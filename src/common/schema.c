#include "schema.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "suggest.h"

static const char *const status_values[] = {"on", "off", "suspended", "deleted", NULL};
static const char *const deleted_values[] = {"yes", "no", NULL};
static const char *const industry_values[] = {
    "Personal Use",
    "Agriculture & Environmental",
    "Automotive",
    "Business & Consulting Services",
    "E-commerce",
    "Education & Training",
    "Financial Institutions",
    "Governmental Organisations",
    "Hospitality, Travel & Tourism",
    "Industry, Trade & Manufacture",
    "Lifestyle, Arts & Entertainment",
    "Logistic Services",
    "Publishing & Media",
    "Agencies & Marketing",
    "Medical & Healthcare",
    "Non Governmental Organisations",
    "Property & Real Estate",
    "Retail & Wholesale",
    "Technology & Science",
    NULL,
};

#define S CUSTAPI_TYPE_STRING
#define I CUSTAPI_TYPE_INTEGER
#define TEXT SCHEMA_STRING_MAX

/* Order: the seed page's table, with hash (named as required in its text) after email. */
static const schema_property properties[] = {
    {{"name", S, 1, "a non-empty string", "Name"}, RULE_NON_EMPTY, NULL, TEXT, 0},
    {{"email", S, 1, "local@domain, one @, a dotted domain, no spaces, at most 254 bytes",
      "Email address"},
     RULE_EMAIL, NULL, SCHEMA_EMAIL_MAX, 1},
    {{"hash", S, 1, "non-empty, ASCII letters and digits", "The customer's hash, as stored"},
     RULE_ALNUM, NULL, TEXT, 0},
    {{"status", S, 0, "one of: on, off, suspended, deleted", "Status"},
     RULE_ENUM, status_values, TEXT, 0},
    {{"deleted", S, 0, "one of: yes, no", "Customer deleted"}, RULE_ENUM, deleted_values, TEXT, 0},
    {{"email_package_id", I, 0, "an integer > 0", "Package identifier"}, RULE_POSITIVE, NULL, 0, 0},
    {{"email_quota", I, 0, "an integer >= 0", "Prepaid email quota"}, RULE_NON_NEGATIVE, NULL, 0, 0},
    {{"sms_quota", I, 0, "an integer >= 0", "Prepaid SMS quota"}, RULE_NON_NEGATIVE, NULL, 0, 0},
    {{"transactions_package_id", I, 0, "an integer > 0", "Transactions package identifier"},
     RULE_POSITIVE, NULL, 0, 0},
    {{"transactions_quota", I, 0, "an integer >= 0", "Transactions prepaid quota"},
     RULE_NON_NEGATIVE, NULL, 0, 0},
    {{"address", S, 0, "free text", "Address"}, RULE_FREE_TEXT, NULL, TEXT, 0},
    {{"state_provinces", S, 0, "free text", "State or province"}, RULE_FREE_TEXT, NULL, TEXT, 0},
    {{"postal_code", S, 0, "free text", "Postal or ZIP code"}, RULE_FREE_TEXT, NULL, TEXT, 0},
    {{"telephone", S, 0, "digits, spaces and + - ( ) . only", "Telephone number"},
     RULE_TELEPHONE, NULL, TEXT, 1},
    {{"website_url", S, 0, "empty, or an absolute http:// or https:// URL with a host",
      "Website URL"},
     RULE_URL, NULL, TEXT, 1},
    {{"country", S, 0, "an ISO 3166-1 alpha-2 code (or XK)", "Two-character country code"},
     RULE_COUNTRY, NULL, TEXT, 1},
    {{"industry", S, 0, "one of the 19 industry values (docs/properties.md lists them)",
      "Customer industry"},
     RULE_ENUM, industry_values, TEXT, 0},
    {{"unique_id", S, 0, "free text", "Unique customer identifier"}, RULE_FREE_TEXT, NULL, TEXT, 0},
};

#undef S
#undef I
#undef TEXT

static const char *const read_only_fields[] = {"id", "enterprise_id", "is_department",
                                               "country_code", "fax", NULL};

size_t custapi__schema_count(void) { return sizeof properties / sizeof properties[0]; }

const schema_property *custapi__schema_at(size_t index) {
  return index < custapi__schema_count() ? &properties[index] : NULL;
}

/*
 * The properties in name order, for a binary search: decoders look up every member a server
 * sends, so a lookup costs O(log n) string comparisons whatever the member. Built once from the
 * table above, which stays the one place that names the properties.
 */
#define PROPERTY_COUNT (sizeof properties / sizeof properties[0])
static const schema_property *by_name[PROPERTY_COUNT];
static pthread_once_t by_name_once = PTHREAD_ONCE_INIT;

static int compare_by_name(const void *a, const void *b) {
  const schema_property *const *pa = a, *const *pb = b;
  return strcmp((*pa)->info.name, (*pb)->info.name);
}

static void sort_by_name(void) {
  for (size_t i = 0; i < PROPERTY_COUNT; i++)
    by_name[i] = &properties[i];
  qsort(by_name, PROPERTY_COUNT, sizeof by_name[0], compare_by_name);
}

const schema_property *custapi__schema_find(const char *name) {
  pthread_once(&by_name_once, sort_by_name);
  size_t low = 0, high = PROPERTY_COUNT;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    int order = strcmp(name, by_name[mid]->info.name);
    if (order == 0)
      return by_name[mid];
    if (order < 0)
      high = mid;
    else
      low = mid + 1;
  }
  return NULL;
}

size_t custapi__schema_index(const schema_property *property) { return (size_t)(property - properties); }

int custapi__schema_is_read_only(const char *name) {
  for (const char *const *f = read_only_fields; *f; f++)
    if (strcmp(*f, name) == 0)
      return 1;
  return 0;
}

int custapi__schema_admit_other(const char *name, unsigned customer_flags, custapi_error *err) {
  if (custapi__schema_is_read_only(name)) {
    if (customer_flags & CUSTAPI_CUSTOMER_IGNORE_READ_ONLY)
      return 0;
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: read-only field, can't be updated (drop it, or ignore "
                              "read-only fields)",
                              name);
  }
  if (customer_flags & CUSTAPI_CUSTOMER_ALLOW_UNKNOWN)
    return 1;
  const char *suggestion = custapi__schema_suggest(name);
  if (suggestion)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                              "%s: unknown property; did you mean '%s'?", name, suggestion);
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, name,
                            "%s: unknown property (not one of the %zu properties of an update)",
                            name, custapi__schema_count());
}

static const char *property_name_at(size_t index, const void *context) {
  (void)context;
  return properties[index].info.name;
}

const char *custapi__schema_suggest(const char *name) {
  return custapi__suggest(name, property_name_at, custapi__schema_count(), NULL);
}

/* The public view of the table. */
size_t custapi_schema_count(void) { return custapi__schema_count(); }

const custapi_property_info *custapi_schema_at(size_t index) {
  const schema_property *p = custapi__schema_at(index);
  return p ? &p->info : NULL;
}

const custapi_property_info *custapi_schema_find(const char *name) {
  const schema_property *p = name ? custapi__schema_find(name) : NULL;
  return p ? &p->info : NULL;
}

const char *const *custapi_schema_values(const char *name) {
  return name ? custapi__schema_values(name) : NULL;
}

const char *const *custapi_schema_read_only_fields(void) { return read_only_fields; }

const char *const *custapi__schema_values(const char *name) {
  const schema_property *p = custapi__schema_find(name);
  return p ? p->values : NULL;
}

size_t custapi_schema_max_bytes(const char *name) {
  const schema_property *p = custapi__schema_find(name);
  return p && p->info.type == CUSTAPI_TYPE_STRING ? p->max_bytes : 0;
}
