#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_support.h"

/* Set when the answer could not be built or written: the command then exits 11, whatever it
 * meant to. */
static int output_failed;

static int quiet;

void cli_set_quiet(int q) { quiet = q; }

int cli_quiet(void) { return quiet; }

/* Says once, on stderr, that stdout could not be written, and why. */
static void stdout_failed(int error) {
  static int said;
  if (!said)
    fprintf(stderr, "custapi: can't write the answer to standard output: %s\n",
            strerror(error ? error : EIO));
  said = 1;
  output_failed = 1;
}

int cli_output_failed(void) {
  /* What --output text printed is still in stdio's buffer: a full disk shows only now. */
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout))
    stdout_failed(errno);
  int failed = output_failed;
  output_failed = 0;
  return failed;
}

static const char OOM_ANSWER[] =
    "{\"ok\":false,\"error\":{\"category\":\"internal\",\"message\":\"out of memory\"}}\n";

int cli_print_json(json_object *obj) {
  size_t n = 0;
  /* json-c builds the text in memory of its own: that can run out too. */
  const char *text = obj ? json_object_to_json_string_length(
                               obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n)
                         : NULL;
  int rc = 0;
  if (!text) {
    /* Out of memory while building the answer: say so in the same one-object form. */
    fputs(OOM_ANSWER, stdout);
    fputs("custapi: out of memory\n", stderr);
    output_failed = 1;
    rc = -1;
  } else {
    /* The one way JSON reaches stdout: valid UTF-8 whatever the command line or the server
     * put in its strings. */
    custapi__text_json_put_clean(stdout, text, n);
    fputc('\n', stdout);
  }
  json_object_put(obj);
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout))
    stdout_failed(errno);
  return rc;
}

json_object *cli_json_of(int rc, char *text) {
  json_object *obj = rc == 0 && text ? json_tokener_parse(text) : NULL;
  custapi_free(text);
  return obj;
}

json_object *cli_error_object(const custapi_error *err) {
  char *text = NULL;
  int rc = custapi_error_to_json(&text, err);
  return cli_json_of(rc, text);
}

int cli_add_customer(json_object *obj, const char *key, const custapi_customer *customer) {
  char *text = NULL;
  int rc = custapi_customer_to_json(&text, customer);
  return custapi__json_add(obj, key, cli_json_of(rc, text));
}

void cli_print_customer_text(const custapi_customer *customer) {
  for (size_t i = 0; i < custapi_customer_count(customer); i++) {
    const custapi_field *f = custapi_customer_at(customer, i);
    switch (f->type) {
    case CUSTAPI_VALUE_STRING: {
      char quoted[4200];
      custapi__quote(quoted, sizeof quoted, f->string, f->string_len, 1024);
      printf("%-24s ", f->name);
      /* The server's text, for a terminal; unformatted, as it may be 4 KiB once quoted. */
      custapi__text_put_visible(stdout, quoted, strlen(quoted));
      putchar('\n');
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

/* "prefix" and the formatted text, escaped, and a line end on `out`. */
static void put_line(FILE *out, const char *prefix, const char *fmt, va_list ap)
    CUSTAPI_PRINTF(3, 0);

static void put_line(FILE *out, const char *prefix, const char *fmt, va_list ap) {
  char line[2048];
  int n = vsnprintf(line, sizeof line, fmt, ap);
  if (n < 0)
    return;
  fputs(prefix, out);
  custapi__text_put_visible(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  fputc('\n', out);
}

void cli_say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  put_line(stderr, "custapi: ", fmt, ap);
  va_end(ap);
}

void cli_text_line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  put_line(stdout, "", fmt, ap);
  va_end(ap);
}

int cli_fail(const cli_args *args, const custapi_error *err) {
  return cli_fail_update(args, err, 0);
}

int cli_fail_update(const cli_args *args, const custapi_error *err, int maybe_applied) {
  if (!args || args->output == CLI_OUTPUT_JSON) {
    json_object *o = json_object_new_object();
    int failed = custapi__json_add(o, "ok", json_object_new_boolean(0));
    json_object *e = cli_error_object(err);
    if (e && maybe_applied) /* custapi_client_maybe_applied: the update may have gone through */
      failed |= custapi__json_add(e, "maybe_applied", json_object_new_boolean(1));
    failed |= custapi__json_add(o, "error", e);
    if (cli_print_json(custapi__json_built(o, failed)) < 0)
      return CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  }
  cli_say("%s", err->message);
  return (int)err->category;
}

void cli_warn(const char *property, const char *message, void *payload) {
  (void)property;
  (void)payload;
  if (!quiet)
    cli_say("warning: %s", message);
}
