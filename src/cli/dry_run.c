#include "dry_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_support.h"
#include "connect.h"
#include "output.h"

static void print_request(const char *comment, char *text) {
  if (comment)
    printf("# %s\n", comment);
  fputs(text, stdout);
  custapi_free(text);
}

int cli_dry_run_get(const cli_args *args, custapi_client *client, int32_t id) {
  char *text;
  if (custapi_get_dry_run(&text, client, id) < 0)
    return cli_fail(args, custapi_client_last_error(client));
  print_request(NULL, text);
  fflush(stdout);
  return 0;
}

/* One protocol's probe request as text, from a client of that protocol. */
static int probe_request(char **out, const cli_args *args, const char *protocol,
                         custapi_error *err) {
  custapi_client *client = NULL;
  *out = NULL;
  if (cli_connect_as(&client, args, protocol, err) < 0)
    return -1;
  int rc = custapi_probe_dry_run(out, client);
  if (rc < 0)
    custapi_error_copy(err, custapi_client_last_error(client));
  cli_disconnect(client);
  return rc;
}

int cli_dry_run_probe(const cli_args *args) {
  /* Both made before either is printed: a failure prints only its own answer. */
  char *rest = NULL, *xmlrpc = NULL;
  custapi_error err = {0};
  if (probe_request(&rest, args, "rest", &err) < 0 ||
      probe_request(&xmlrpc, args, "xmlrpc", &err) < 0) {
    custapi_free(rest);
    return cli_fail(args, &err);
  }
  print_request("probe over rest", rest);
  putchar('\n');
  print_request("probe over xmlrpc", xmlrpc);
  fflush(stdout);
  return 0;
}

static custapi_bulk_format input_format(const cli_args *a) {
  custapi_bulk_format f = CUSTAPI_BULK_JSONL; /* --format was checked when it was given */
  if (a->format)
    custapi_bulk_format_parse(&f, a->format, NULL);
  else if (strcmp(a->input, "-") != 0)
    f = custapi_bulk_format_for(a->input);
  return f;
}

int cli_dry_run_bulk(const cli_args *args, custapi_client *client) {
  custapi_error err = {0};
  FILE *in = strcmp(args->input, "-") == 0 ? stdin : fopen(args->input, "rb");
  if (!in) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_INVALID, NULL, "can't open the input %.200s: %s",
                       args->input, strerror(errno));
    return cli_fail(args, &err);
  }
  custapi_records *records;
  if (custapi_records_open(&records, in, input_format(args), args->customer_flags, &err) < 0) {
    if (in != stdin)
      fclose(in);
    return cli_fail(args, &err);
  }
  long bad = 0, printed = 0;
  int rc, fatal = 0;
  custapi_customer *props;
  while ((rc = custapi_records_next(&props, records, &err)) != 0 &&
         !(fatal = custapi_records_failed(records))) {
    long line = custapi_records_line(records);
    int32_t id = custapi_records_id(records);
    char *text = NULL;
    if (rc > 0 && custapi_update_dry_run(&text, client, id, props, args->mode) < 0) {
      custapi_error_copy(&err, custapi_client_last_error(client));
      if (err.category != CUSTAPI_CATEGORY_INTERNAL) { /* as a real run names the record */
        char message[CUSTAPI_ERROR_MESSAGE_MAX];
        snprintf(message, sizeof message, "line %ld: id %d: %.400s", line, (int)id, err.message);
        memcpy(err.message, message, sizeof message);
      }
      rc = -1;
    }
    if (rc < 0 && err.category == CUSTAPI_CATEGORY_INTERNAL) {
      custapi_customer_free(props);
      fatal = 1; /* out of memory is the run's failure, not the record's */
      break;
    }
    if (rc < 0) {
      cli_say("%s", err.message);
      bad++;
    } else {
      char comment[64];
      snprintf(comment, sizeof comment, "line %ld", line);
      if (printed++)
        putchar('\n');
      print_request(comment, text);
    }
    custapi_customer_free(props);
  }
  custapi_records_free(records);
  if (in != stdin)
    fclose(in);
  fflush(stdout);
  if (fatal)
    return cli_fail(args, &err);
  if (!bad)
    return 0;
  fprintf(stderr, "custapi: bulk --dry-run: %ld of %ld records would be refused before sending\n",
          bad, bad + printed);
  return CUSTAPI_CATEGORY_PARTIAL;
}
