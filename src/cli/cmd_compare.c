/*
 * custapi compare --id N --yes PROP=VALUE...: the same update over both protocols, every
 * difference named (the library does the work; this file only formats).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "connect.h"
#include "error.h"
#include "json_util.h"
#include "output.h"

/* Without --yes nothing is written: say what would be, as a usage error (exit 2). */
static int refuse_without_yes(const cli_args *args, int32_t id, const custapi_customer *props) {
  char *json = NULL;
  custapi_customer_to_json(&json, props);
  custapi_error err;
  custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL,
                     "compare writes to customer %d: it would apply %.300s over REST, restore "
                     "the old values, apply it over XML-RPC and leave it applied; add --yes",
                     (int)id, json ? json : "the update");
  custapi_free(json);
  return cli_fail(args, &err);
}

static int print_plan(int32_t id, const custapi_customer *props) {
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
  json_object_object_add(o, "ok", json_object_new_boolean(1));
  json_object_object_add(o, "dry_run", json_object_new_boolean(1));
  json_object_object_add(o, "id", json_object_new_int(id));
  cli_add_customer(o, "properties", props);
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    json_object_array_add(plan, json_object_new_string(steps[i]));
  json_object_object_add(o, "plan", plan);
  cli_print_json(o);
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
    printf("%-24s %-34s %-34s (was %s)\n", name, a, b, s);
  }
  size_t n = custapi_compare_difference_count(c);
  if (n == 0) {
    printf("\nagree: both protocols did the same\n");
    return;
  }
  printf("\n%zu difference%s:\n", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++)
    printf("  - %s\n", custapi_compare_difference_at(c, i)->message);
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
    json_object *o = NULL;
    if (custapi__compare_to_json_object(&o, c) == 0) {
      json_object_object_add(o, "ok", json_object_new_boolean(agree));
      if (!agree)
        json_object_object_add(o, "error", custapi__error_to_json_object(&err));
    }
    cli_print_json(o);
  }
  if (agree)
    return 0;
  fprintf(stderr, "custapi: %s\n", err.message);
  return CUSTAPI_CATEGORY_DIFFER;
}

/* A client of one protocol, from the same options. */
static int connect_as(custapi_client **out, const cli_args *args, const char *protocol,
                      custapi_error *err) {
  cli_args copy = *args;
  copy.protocol = protocol;
  return cli_connect(out, &copy, err);
}

int cli_cmd_compare(const cli_args *args) {
  custapi_error err = {0};
  custapi_customer *props = NULL;
  int32_t id;
  if (cli_require_id(&id, args, &err) < 0 || cli_customer_from_args(&props, args, &err) < 0 ||
      custapi_validate(props, args->mode, args->validate_flags, cli_warn, NULL, &err) < 0) {
    custapi_customer_free(props);
    return cli_fail(args, &err);
  }
  int code;
  if (args->dry_run)
    code = print_plan(id, props);
  else if (!args->yes)
    code = refuse_without_yes(args, id, props);
  else {
    custapi_client *rest = NULL, *xmlrpc = NULL;
    custapi_compare *c = NULL;
    if (connect_as(&rest, args, "rest", &err) < 0 || connect_as(&xmlrpc, args, "xmlrpc", &err) < 0 ||
        custapi_compare_run(&c, rest, xmlrpc, id, props, args->mode, &err) < 0)
      code = cli_fail(args, &err);
    else
      code = report(args, c, props);
    custapi_compare_free(c);
    cli_disconnect(xmlrpc);
    cli_disconnect(rest);
  }
  custapi_customer_free(props);
  return code;
}
