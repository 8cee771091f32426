/*
 * custapi compare --id N --yes PROP=VALUE...: the same update over both protocols, every
 * difference named (the library does the work; this file only formats).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "output.h"

/* Without --yes nothing is written: say what would be, as a usage error (exit 2). */
static int refuse_without_yes(const cli_args *args, int32_t id, const custapi_customer *props) {
  char *json = NULL;
  custapi_customer_to_json(&json, props);
  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                     "compare writes to customer %d: it would apply %.300s over REST, restore "
                     "the old values, apply it over XML-RPC and leave it applied; add --yes",
                     (int)id, json ? json : "the update");
  custapi_free(json);
  return cli_fail(args, &err);
}

/* The requests known before anything is read (the restore depends on the snapshot). */
static int plan_requests(json_object **out, custapi_client *rest, custapi_client *xmlrpc,
                         int32_t id, const custapi_customer *props, custapi_validate_mode mode,
                         custapi_error *err) {
  static const char *const steps[] = {"read the customer over REST (snapshot)",
                                      "update over REST", "read back over XML-RPC",
                                      "update over XML-RPC"};
  json_object *list = json_object_new_array();
  int failed = list == NULL;
  for (int i = 0; i < 4 && !failed; i++) {
    custapi_client *c = i < 2 ? rest : xmlrpc;
    char *text;
    int rc = i % 2 == 0 ? custapi_get_dry_run(&text, c, id)
                        : custapi_update_dry_run(&text, c, id, props, mode);
    if (rc < 0) {
      custapi_error_copy(err, custapi_client_last_error(c));
      json_object_put(list);
      return -1;
    }
    json_object *r = json_object_new_object();
    int r_failed = custapi__json_add(r, "step", json_object_new_string(steps[i]));
    r_failed |= custapi__json_add(r, "request", json_object_new_string(text));
    failed |= custapi__json_append(list, custapi__json_built(r, r_failed));
    custapi_free(text);
  }
  if (!(*out = custapi__json_built(list, failed)))
    return custapi__error_oom(err);
  return 0;
}

static int print_plan(int32_t id, const custapi_customer *props, json_object *requests) {
  static const char *const steps[] = {
      "read the customer over REST (snapshot)",
      "update over REST",
      "read back over REST and over XML-RPC",
      ("restore the snapshot's values of the touched properties over REST, and check that "
       "the restore took"),
      "update over XML-RPC (left applied)",
      "read back over REST and over XML-RPC",
      "report every difference",
  };
  json_object *o = json_object_new_object(), *plan = json_object_new_array();
  int failed = custapi__json_add(o, "ok", json_object_new_boolean(1));
  failed |= custapi__json_add(o, "dry_run", json_object_new_boolean(1));
  if (props) {
    failed |= custapi__json_add(o, "id", json_object_new_int(id));
    failed |= cli_add_customer(o, "properties", props);
  }
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    failed |= custapi__json_append(plan, json_object_new_string(steps[i]));
  failed |= custapi__json_add(o, "plan", plan);
  failed |= custapi__json_add(o, "requests", requests ? requests : json_object_new_array());
  cli_print_json(custapi__json_built(o, failed));
  return 0;
}

/* "ok (HTTP 200)" or "rejected: message" for one update. */
static void outcome_text(char *buf, size_t size, const custapi_compare *c, custapi_protocol p) {
  const custapi_error *e;
  if (custapi_compare_update_status(c, p, &e) < 0) {
    if (e->has_fault_code)
      snprintf(buf, size, "%s (fault %d)", custapi_category_name(e->category), e->fault_code);
    else if (e->http_status)
      snprintf(buf, size, "%s (HTTP %d)", custapi_category_name(e->category), e->http_status);
    else
      snprintf(buf, size, "%s", custapi_category_name(e->category));
    return;
  }
  const custapi_result *r = custapi_compare_update_result(c, p);
  int64_t v;
  if (r && custapi_result_value(&v, r))
    snprintf(buf, size, "ok (result %lld)", (long long)v);
  else
    snprintf(buf, size, "ok (HTTP %d)", r ? custapi_result_http_status(r) : 0);
}

static void value_text(char *buf, size_t size, const custapi_field *f) {
  if (!f)
    snprintf(buf, size, "-");
  else if (f->type == CUSTAPI_VALUE_STRING)
    custapi__quote(buf, size, f->string, f->string_len, 30);
  else if (f->type == CUSTAPI_VALUE_INTEGER)
    snprintf(buf, size, "%lld", (long long)f->integer);
  else if (f->type == CUSTAPI_VALUE_BOOLEAN)
    snprintf(buf, size, "%s", f->integer ? "true" : "false");
  else
    snprintf(buf, size, "null");
}

/* A table readable at a glance: each touched property as each update left it, then the list. */
static void print_text(const custapi_compare *c, const custapi_customer *props) {
  char a[128], b[128], s[128];
  printf("%-24s %-34s %-34s\n", "", "REST", "XML-RPC");
  outcome_text(a, sizeof a, c, CUSTAPI_PROTOCOL_REST);
  outcome_text(b, sizeof b, c, CUSTAPI_PROTOCOL_XMLRPC);
  printf("%-24s %-34s %-34s\n", "update", a, b);
  for (size_t i = 0; i < custapi_customer_count(props); i++) {
    const char *name = custapi_customer_at(props, i)->name;
    const custapi_customer *r = custapi_compare_read_back(c, CUSTAPI_COMPARE_AFTER_REST,
                                                          CUSTAPI_PROTOCOL_REST);
    const custapi_customer *x = custapi_compare_read_back(c, CUSTAPI_COMPARE_AFTER_XMLRPC,
                                                          CUSTAPI_PROTOCOL_REST);
    value_text(s, sizeof s, custapi_customer_get(custapi_compare_snapshot(c), name));
    value_text(a, sizeof a, r ? custapi_customer_get(r, name) : NULL);
    value_text(b, sizeof b, x ? custapi_customer_get(x, name) : NULL);
    cli_text_line("%-24s %-34s %-34s (was %s)", name, a, b, s);
  }
  size_t n = custapi_compare_difference_count(c);
  if (n == 0) {
    printf("\nagree: both protocols did the same\n");
    return;
  }
  printf("\n%zu difference%s:\n", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++)
    cli_text_line("  - %s", custapi_compare_difference_at(c, i)->message);
}

/* The differ error: "2 differences: sms_quota, the update" (fields or outcomes named). */
static void differ_error(custapi_error *err, const custapi_compare *c) {
  char names[CUSTAPI_ERROR_MESSAGE_MAX] = "";
  size_t n = custapi_compare_difference_count(c);
  for (size_t i = 0; i < n; i++) {
    const custapi_difference *d = custapi_compare_difference_at(c, i);
    const char *what = d->field ? d->field : d->message;
    if (strlen(names) + strlen(what) + 3 >= sizeof names - 80)
      break;
    if (*names)
      strcat(names, "; ");
    strcat(names, what);
  }
  custapi__error_set(err, CUSTAPI_CATEGORY_DIFFER, NULL, "REST and XML-RPC differ: %zu "
                     "difference%s: %s", n, n == 1 ? "" : "s", names);
}

static int report(const cli_args *args, const custapi_compare *c, const custapi_customer *props) {
  custapi_error err = {0};
  int agree = custapi_compare_agree(c);
  if (!agree)
    differ_error(&err, c);
  if (args->output == CLI_OUTPUT_TEXT) {
    print_text(c, props);
  } else {
    char *text = NULL;
    int rc = custapi_compare_to_json(&text, c);
    json_object *o = cli_json_of(rc, text);
    int failed = o == NULL;
    failed |= custapi__json_add(o, "ok", json_object_new_boolean(agree));
    if (!agree)
      failed |= custapi__json_add(o, "error", cli_error_object(&err));
    if (cli_print_json(custapi__json_built(o, failed)) < 0)
      return CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  }
  if (agree)
    return 0;
  cli_say("%s", err.message);
  return CUSTAPI_CATEGORY_DIFFER;
}

static int cli_cmd_compare_input(const cli_args *args);

/* A client of each protocol, from the same options. */
static int connect_both(custapi_client **rest, custapi_client **xmlrpc, const cli_args *args,
                        custapi_error *err) {
  *xmlrpc = NULL;
  if (cli_connect_as(rest, args, "rest", err) < 0)
    return -1;
  return cli_connect_as(xmlrpc, args, "xmlrpc", err);
}

/*
 * --dry-run: the settings checked as for a real run, then the plan and the exact requests
 * that do not depend on what is read (none for --input: each record's would be its update).
 */
static int dry_run(const cli_args *args, int32_t id, const custapi_customer *props) {
  custapi_client *rest = NULL, *xmlrpc = NULL;
  json_object *requests = NULL;
  custapi_error err = {0};
  int code;
  if (connect_both(&rest, &xmlrpc, args, &err) < 0 ||
      (props && plan_requests(&requests, rest, xmlrpc, id, props, args->mode, &err) < 0))
    code = cli_fail(args, &err);
  else
    code = print_plan(id, props, requests);
  cli_disconnect(xmlrpc);
  cli_disconnect(rest);
  return code;
}

/* ---- compare --input FILE: every record of a bulk file, and a summary ---- */

/* One line, all of it (a short write is finished; a failed one ends the run). */
static int results_write(int fd, const char *path, const char *text, custapi_error *err) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                                "can't write the results file %.200s: %s", path, strerror(errno));
    text += n;
    len -= (size_t)n;
  }
  return 0;
}

typedef struct file_summary {
  custapi_noise *noise; /* --ignore, and what the records teach */
  int results_fd;       /* --results, or -1 */
  long records, agreed, differed, failed;
  json_object *disagreements; /* [{"line","id","differences":[messages]}] */
  json_object *failures;      /* [{"line","id","error":{...}}] */
  int json_failed;            /* memory ran out while recording: the report is incomplete */
} file_summary;

/* A record that could not be compared; the readers' errors already name their line. */
static void note_failure(file_summary *sum, long line, int32_t id, const custapi_error *err,
                         int from_reader) {
  json_object *f = json_object_new_object();
  int failed = custapi__json_add(f, "line", json_object_new_int64(line));
  failed |= custapi__json_add_if(f, "id", custapi_id_valid(id),
                                 custapi_id_valid(id) ? json_object_new_int(id) : NULL);
  failed |= custapi__json_add(f, "error", cli_error_object(err));
  sum->json_failed |= custapi__json_append(sum->failures, custapi__json_built(f, failed));
  sum->failed++;
  if (cli_quiet())
    return;
  if (from_reader)
    cli_say("%s", err->message);
  else
    cli_say("line %ld: %s", line, err->message);
}

static void note_verdict(file_summary *sum, long line, int32_t id, const custapi_compare *c) {
  if (custapi_compare_agree(c)) {
    sum->agreed++;
    return;
  }
  sum->differed++;
  json_object *d = json_object_new_object(), *list = json_object_new_array();
  int failed = custapi__json_add(d, "line", json_object_new_int64(line));
  failed |= custapi__json_add(d, "id", json_object_new_int(id));
  for (size_t i = 0; i < custapi_compare_difference_count(c); i++)
    failed |= custapi__json_append(
        list, json_object_new_string(custapi_compare_difference_at(c, i)->message));
  failed |= custapi__json_add(d, "differences", list);
  sum->json_failed |= custapi__json_append(sum->disagreements, custapi__json_built(d, failed));
}

/* compare --results FILE: created 0600 (the lines hold customer data), never over results. */
static int results_open(int *fd, const char *path, custapi_error *err) {
  *fd = -1;
  if (strcmp(path, "-") == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--results: compare prints its summary on standard output: give "
                              "--results a file");
  int f = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  struct stat st;
  if (f < 0 || fstat(f, &st) < 0) {
    int e = errno;
    if (f >= 0)
      close(f);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "can't open the results file %.200s: %s", path, strerror(e));
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    close(f);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "the results file %.200s already holds results: remove it to "
                              "start again",
                              path);
  }
  *fd = f;
  char *header = NULL;
  int rc = custapi_compare_results_header(&header);
  if (rc < 0)
    return custapi__error_oom(err);
  rc = results_write(f, path, header, err);
  custapi__free(header);
  return rc;
}

static int compare_records(const cli_args *args, custapi_client *rest, custapi_client *xmlrpc,
                           FILE *in, file_summary *sum, custapi_error *err) {
  custapi_bulk_format format = custapi_bulk_format_for(args->input);
  if (args->format && custapi_bulk_format_parse(&format, args->format, err) < 0)
    return -1;
  custapi_records *records;
  if (custapi_records_open(&records, in, format, args->customer_flags, err) < 0)
    return -1;
  custapi_customer *props;
  int rc;
  while ((rc = custapi_records_next(&props, records, err)) != 0 &&
         !custapi_records_failed(records)) {
    long line = custapi_records_line(records);
    int32_t id = custapi_records_id(records);
    sum->records++;
    custapi_compare *c = NULL;
    char *text = NULL;
    int made = 0;
    if (rc < 0 ||
        custapi_compare_run_noise(&c, rest, xmlrpc, id, props, args->mode, sum->noise, err) < 0) {
      note_failure(sum, line, id, err, rc < 0);
      if (sum->results_fd >= 0)
        made = custapi_compare_failure_line(&text, line, id, err);
    } else {
      note_verdict(sum, line, id, c);
      if (sum->results_fd >= 0)
        made = custapi_compare_results_line(&text, c, line);
    }
    custapi_compare_free(c);
    custapi_customer_free(props);
    if (made < 0 || (text && results_write(sum->results_fd, args->results, text, err) < 0)) {
      if (made < 0)
        custapi__error_oom(err);
      custapi__free(text);
      custapi_records_free(records);
      return -1;
    }
    custapi__free(text);
  }
  int failed = custapi_records_failed(records);
  custapi_records_free(records);
  return failed ? -1 : 0;
}

static int compare_file(const cli_args *args, custapi_client *rest, custapi_client *xmlrpc) {
  custapi_error err = {0};
  FILE *in = strcmp(args->input, "-") == 0 ? stdin : fopen(args->input, "rb");
  if (!in) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_INVALID, NULL, "can't open %s", args->input);
    return cli_fail(args, &err);
  }
  file_summary sum = {NULL, -1, 0, 0, 0, 0, json_object_new_array(), json_object_new_array(), 0};
  int rc = sum.disagreements && sum.failures ? 0 : custapi__error_oom(&err);
  if (rc == 0)
    rc = cli_noise_from_args(&sum.noise, args, &err);
  if (rc == 0 && args->results)
    rc = results_open(&sum.results_fd, args->results, &err);
  if (rc == 0)
    rc = compare_records(args, rest, xmlrpc, in, &sum, &err);
  custapi_noise_free(sum.noise);
  if (sum.results_fd >= 0 && close(sum.results_fd) < 0 && rc == 0)
    rc = custapi__error_set(&err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                            "can't write the results file %.200s: %s", args->results,
                            strerror(errno));
  if (rc == 0 && sum.json_failed) /* a report with records missing would mislead */
    rc = custapi__error_oom(&err);
  if (in != stdin)
    fclose(in);
  if (rc < 0) {
    json_object_put(sum.disagreements);
    json_object_put(sum.failures);
    return cli_fail(args, &err);
  }
  int code = sum.differed ? CUSTAPI_CATEGORY_DIFFER
             : sum.failed ? CUSTAPI_CATEGORY_PARTIAL
                          : CUSTAPI_CATEGORY_OK;
  if (code)
    custapi__error_set(&err, code, NULL,
                       "%ld of %ld records differ between REST and XML-RPC, %ld could not be "
                       "compared",
                       sum.differed, sum.records, sum.failed);
  if (args->output == CLI_OUTPUT_TEXT) {
    printf("%ld records: %ld agree, %ld differ, %ld could not be compared\n", sum.records,
           sum.agreed, sum.differed, sum.failed);
    for (size_t i = 0; i < json_object_array_length(sum.disagreements); i++) {
      json_object *d = json_object_array_get_idx(sum.disagreements, i), *v;
      json_object_object_get_ex(d, "line", &v);
      printf("line %d:\n", json_object_get_int(v));
      json_object_object_get_ex(d, "differences", &v);
      for (size_t k = 0; k < json_object_array_length(v); k++)
        cli_text_line("  - %s", json_object_get_string(json_object_array_get_idx(v, k)));
    }
    json_object_put(sum.disagreements);
    json_object_put(sum.failures);
  } else {
    json_object *o = json_object_new_object();
    int failed = custapi__json_add(o, "ok", json_object_new_boolean(code == 0));
    failed |= custapi__json_add(o, "records", json_object_new_int64(sum.records));
    failed |= custapi__json_add(o, "agreed", json_object_new_int64(sum.agreed));
    failed |= custapi__json_add(o, "differed", json_object_new_int64(sum.differed));
    failed |= custapi__json_add(o, "failed", json_object_new_int64(sum.failed));
    failed |= custapi__json_add(o, "disagreements", sum.disagreements);
    failed |= custapi__json_add(o, "failures", sum.failures);
    if (code)
      failed |= custapi__json_add(o, "error", cli_error_object(&err));
    if (cli_print_json(custapi__json_built(o, failed)) < 0)
      return CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  }
  if (code)
    cli_say("%s", err.message);
  return code;
}

int cli_cmd_compare(const cli_args *args) {
  if (args->input)
    return cli_cmd_compare_input(args);
  custapi_error err = {0};
  custapi_customer *props = NULL;
  int32_t id;
  if (args->results) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                       "--results writes one line per record of --input FILE: give --input");
    return cli_fail(args, &err);
  }
  if (custapi_validate_mode_as_given(args->mode, "compare", &err) < 0 ||
      cli_require_id(&id, args, &err) < 0 || cli_customer_from_args(&props, args, &err) < 0 ||
      custapi_validate(props, args->mode, args->validate_flags, cli_warn, NULL, &err) < 0) {
    custapi_customer_free(props);
    return cli_fail(args, &err);
  }
  int code;
  if (args->dry_run)
    code = dry_run(args, id, props);
  else if (!args->yes)
    code = refuse_without_yes(args, id, props);
  else {
    custapi_client *rest = NULL, *xmlrpc = NULL;
    custapi_compare *c = NULL;
    custapi_noise *noise = NULL;
    if (cli_noise_from_args(&noise, args, &err) < 0 ||
        connect_both(&rest, &xmlrpc, args, &err) < 0 ||
        custapi_compare_run_noise(&c, rest, xmlrpc, id, props, args->mode, noise, &err) < 0)
      code = cli_fail(args, &err);
    else
      code = report(args, c, props);
    custapi_compare_free(c);
    custapi_noise_free(noise);
    cli_disconnect(xmlrpc);
    cli_disconnect(rest);
  }
  custapi_customer_free(props);
  return code;
}

/* compare --input FILE --yes: the same connection set-up, then every record of the file. */
static int cli_cmd_compare_input(const cli_args *args) {
  custapi_error err = {0};
  if (custapi_validate_mode_as_given(args->mode, "compare", &err) < 0)
    return cli_fail(args, &err);
  if (args->id || args->prop_count || args->json_path) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                       "compare --input takes its ids and properties from the file: no --id, "
                       "--json or PROP=VALUE with it");
    return cli_fail(args, &err);
  }
  if (!args->yes && !args->dry_run) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                       "compare writes every customer of %.200s: each update is applied over REST, "
                       "undone, applied over XML-RPC and left applied; add --yes",
                       args->input);
    return cli_fail(args, &err);
  }
  if (args->dry_run)
    return dry_run(args, 0, NULL);
  custapi_client *rest = NULL, *xmlrpc = NULL;
  int code;
  if (connect_both(&rest, &xmlrpc, args, &err) < 0)
    code = cli_fail(args, &err);
  else
    code = compare_file(args, rest, xmlrpc);
  cli_disconnect(xmlrpc);
  cli_disconnect(rest);
  return code;
}
