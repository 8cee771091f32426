/* --list-properties: the schema's table, as text for a person or JSON for a program. */
#include <json-c/json.h>

#include "cli_support.h"
#include "help.h"
#include "output.h"

static void print_text(FILE *out) {
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const custapi_property_info *p = custapi_schema_at(i);
    const char *const *values = custapi_schema_values(p->name);
    fprintf(out, "%-24s %-7s %s%s\n", p->name,
            p->type == CUSTAPI_TYPE_INTEGER ? "integer" : "string", p->rule,
            p->required ? " (required in strict mode)" : "");
    if (values)
      for (const char *const *v = values; *v; v++)
        fprintf(out, "%33s%s\n", "", *v);
  }
  fputs("read-only (refused in input unless --ignore-read-only):", out);
  for (const char *const *f = custapi_schema_read_only_fields(); *f; f++)
    fprintf(out, " %s", *f);
  fputc('\n', out);
}

static json_object *property_json(const custapi_property_info *p) {
  const char *const *allowed = custapi_schema_values(p->name);
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "name", json_object_new_string(p->name));
  failed |= custapi__json_add(
      o, "type", json_object_new_string(p->type == CUSTAPI_TYPE_INTEGER ? "integer" : "string"));
  failed |= custapi__json_add(o, "rule", json_object_new_string(p->rule));
  failed |= custapi__json_add(o, "description", json_object_new_string(p->description));
  failed |= custapi__json_add(o, "required_in_strict", json_object_new_boolean(p->required));
  failed |= custapi__json_add(o, "read_only", json_object_new_boolean(0));
  failed |= custapi__json_add_if(o, "max_bytes", p->type == CUSTAPI_TYPE_STRING,
                                 p->type == CUSTAPI_TYPE_STRING
                                     ? json_object_new_int((int)custapi_schema_max_bytes(p->name))
                                     : NULL);
  if (allowed) {
    json_object *values = json_object_new_array();
    int values_failed = values == NULL;
    for (const char *const *v = allowed; *v && !values_failed; v++)
      values_failed |= custapi__json_append(values, json_object_new_string(*v));
    failed |= custapi__json_add(o, "allowed_values", custapi__json_built(values, values_failed));
  } else {
    failed |= custapi__json_add_null(o, "allowed_values");
  }
  return custapi__json_built(o, failed);
}

/* A read-only field: seen in responses, never sent; its type is the server's business. */
static json_object *read_only_json(const char *name) {
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "name", json_object_new_string(name));
  failed |= custapi__json_add_null(o, "type");
  failed |= custapi__json_add(
      o, "rule", json_object_new_string("read-only: refused in input unless --ignore-read-only"));
  failed |= custapi__json_add(o, "description", json_object_new_string("set by the server"));
  failed |= custapi__json_add(o, "required_in_strict", json_object_new_boolean(0));
  failed |= custapi__json_add(o, "read_only", json_object_new_boolean(1));
  failed |= custapi__json_add_null(o, "max_bytes");
  failed |= custapi__json_add_null(o, "allowed_values");
  return custapi__json_built(o, failed);
}

void cli_print_properties(FILE *out, int json) {
  if (!json) {
    print_text(out);
    return;
  }
  json_object *o = json_object_new_object(), *list = json_object_new_array();
  int failed = custapi__json_add(o, "ok", json_object_new_boolean(1));
  int list_failed = list == NULL;
  for (size_t i = 0; i < custapi_schema_count() && !list_failed; i++)
    list_failed |= custapi__json_append(list, property_json(custapi_schema_at(i)));
  for (const char *const *f = custapi_schema_read_only_fields(); *f && !list_failed; f++)
    list_failed |= custapi__json_append(list, read_only_json(*f));
  failed |= custapi__json_add(o, "properties", custapi__json_built(list, list_failed));
  cli_print_json(custapi__json_built(o, failed));
}
