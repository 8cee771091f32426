/* --list-properties: the schema's table, as text for a person or JSON for a program. */
#include <json-c/json.h>

#include "help.h"
#include "output.h"
#include "schema.h"

static void print_text(FILE *out) {
  for (size_t i = 0; i < schema_count(); i++) {
    const schema_property *p = schema_at(i);
    fprintf(out, "%-24s %-7s %s%s\n", p->info.name,
            p->info.type == CUSTAPI_TYPE_INTEGER ? "integer" : "string", p->info.rule,
            p->info.required ? " (required in strict mode)" : "");
    if (p->values)
      for (const char *const *v = p->values; *v; v++)
        fprintf(out, "%33s%s\n", "", *v);
  }
  fputs("read-only (refused in input unless --ignore-read-only):", out);
  for (const char *const *f = custapi_schema_read_only_fields(); *f; f++)
    fprintf(out, " %s", *f);
  fputc('\n', out);
}

static json_object *property_json(const schema_property *p) {
  json_object *o = json_object_new_object();
  json_object_object_add(o, "name", json_object_new_string(p->info.name));
  json_object_object_add(
      o, "type",
      json_object_new_string(p->info.type == CUSTAPI_TYPE_INTEGER ? "integer" : "string"));
  json_object_object_add(o, "rule", json_object_new_string(p->info.rule));
  json_object_object_add(o, "description", json_object_new_string(p->info.description));
  json_object_object_add(o, "required_in_strict", json_object_new_boolean(p->info.required));
  json_object_object_add(o, "read_only", json_object_new_boolean(0));
  json_object_object_add(
      o, "max_bytes",
      p->info.type == CUSTAPI_TYPE_STRING ? json_object_new_int((int)p->max_bytes) : NULL);
  json_object *values = NULL;
  if (p->values) {
    values = json_object_new_array();
    for (const char *const *v = p->values; *v; v++)
      json_object_array_add(values, json_object_new_string(*v));
  }
  json_object_object_add(o, "allowed_values", values);
  return o;
}

/* A read-only field: seen in responses, never sent; its type is the server's business. */
static json_object *read_only_json(const char *name) {
  json_object *o = json_object_new_object();
  json_object_object_add(o, "name", json_object_new_string(name));
  json_object_object_add(o, "type", NULL);
  json_object_object_add(
      o, "rule", json_object_new_string("read-only: refused in input unless --ignore-read-only"));
  json_object_object_add(o, "description", json_object_new_string("set by the server"));
  json_object_object_add(o, "required_in_strict", json_object_new_boolean(0));
  json_object_object_add(o, "read_only", json_object_new_boolean(1));
  json_object_object_add(o, "max_bytes", NULL);
  json_object_object_add(o, "allowed_values", NULL);
  return o;
}

void cli_print_properties(FILE *out, int json) {
  if (!json) {
    print_text(out);
    return;
  }
  json_object *o = json_object_new_object(), *list = json_object_new_array();
  json_object_object_add(o, "ok", json_object_new_boolean(1));
  for (size_t i = 0; i < schema_count(); i++)
    json_object_array_add(list, property_json(schema_at(i)));
  for (const char *const *f = custapi_schema_read_only_fields(); *f; f++)
    json_object_array_add(list, read_only_json(*f));
  json_object_object_add(o, "properties", list);
  cli_print_json(o);
}
