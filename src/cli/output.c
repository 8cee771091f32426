#include "output.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "json_util.h"

/* Set when the answer could not be built: the command then exits 11, whatever it meant to. */
static int output_failed;

int cli_output_failed(void) {
  int failed = output_failed;
  output_failed = 0;
  return failed;
}

static int quiet;

void cli_set_quiet(int q) { quiet = q; }

int cli_quiet(void) { return quiet; }

int cli_print_json(json_object *obj) {
  if (!obj) {
    /* Out of memory while building the answer: say so in the same one-object form. */
    fputs("{\"ok\":false,\"error\":{\"category\":\"internal\",\"message\":\"out of memory\"}}\n",
          stdout);
    fputs("custapi: out of memory\n", stderr);
    output_failed = 1;
    return -1;
  }
  /* json-c builds the text in memory of its own: that can run out too. */
  const char *text =
      json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (!text) {
    json_object_put(obj);
    return cli_print_json(NULL);
  }
  fputs(text, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  json_object_put(obj);
  return 0;
}

json_object *cli_error_object(const custapi_error *err) { return custapi__error_to_json_object(err); }

int cli_add_customer(json_object *obj, const char *key, const custapi_customer *customer) {
  json_object *c;
  if (custapi__customer_to_json_object(&c, customer) < 0)
    return -1;
  return custapi__json_add(obj, key, c);
}

void cli_print_customer_text(const custapi_customer *customer) {
  for (size_t i = 0; i < custapi_customer_count(customer); i++) {
    const custapi_field *f = custapi_customer_at(customer, i);
    switch (f->type) {
    case CUSTAPI_VALUE_STRING: {
      char quoted[4200];
      custapi__quote(quoted, sizeof quoted, f->string, f->string_len, 1024);
      printf("%-24s %s\n", f->name, quoted);
      break;
    }
    case CUSTAPI_VALUE_INTEGER:
      printf("%-24s %lld\n", f->name, (long long)f->integer);
      break;
    case CUSTAPI_VALUE_BOOLEAN:
      printf("%-24s %s\n", f->name, f->integer ? "true" : "false");
      break;
    case CUSTAPI_VALUE_NULL:
      printf("%-24s null\n", f->name);
      break;
    }
  }
}

int cli_fail(const cli_args *args, const custapi_error *err) {
  if (!args || args->output == CLI_OUTPUT_JSON) {
    json_object *o = json_object_new_object();
    int failed = custapi__json_add(o, "ok", json_object_new_boolean(0));
    failed |= custapi__json_add(o, "error", cli_error_object(err));
    if (cli_print_json(custapi__json_built(o, failed)) < 0)
      return CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  }
  fprintf(stderr, "custapi: %s\n", err->message);
  return (int)err->category;
}

void cli_warn(const char *property, const char *message, void *payload) {
  (void)property;
  (void)payload;
  if (!quiet)
    fprintf(stderr, "custapi: warning: %s\n", message);
}
