/* custapi update --id N PROP=VALUE... [--json F]: validate, send, print the outcome. */
#include <stdio.h>
#include <string.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "output.h"

static void print_text(const cli_args *args, int32_t id, const custapi_result *r,
                       const custapi_customer *customer) {
  int64_t value;
  printf("%-24s %s\n", "protocol", custapi_result_protocol(r));
  printf("%-24s %d\n", "id", (int)id);
  printf("%-24s %s\n", "ok", "true");
  printf("%-24s %d\n", "http_status", custapi_result_http_status(r));
  printf("%-24s %d\n", "attempts", custapi_result_attempts(r));
  if (custapi_result_value(&value, r))
    printf("%-24s %lld\n", "result", (long long)value);
  if (customer) {
    printf("customer:\n");
    cli_print_customer_text(customer);
  }
  (void)args;
}

static void print_json(int32_t id, const custapi_result *r, const custapi_customer *customer,
                       int want_customer) {
  int64_t value;
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "protocol", json_object_new_string(custapi_result_protocol(r)));
  failed |= custapi__json_add(o, "id", json_object_new_int(id));
  failed |= custapi__json_add(o, "ok", json_object_new_boolean(1));
  failed |= custapi__json_add(o, "http_status", json_object_new_int(custapi_result_http_status(r)));
  failed |= custapi__json_add(o, "attempts", json_object_new_int(custapi_result_attempts(r)));
  if (custapi_result_value(&value, r))
    failed |= custapi__json_add(o, "result", json_object_new_int64(value));
  if (customer)
    failed |= cli_add_customer(o, "customer", customer);
  else if (want_customer)
    failed |= custapi__json_add_null(o, "customer");
  cli_print_json(custapi__json_built(o, failed));
}

static int dry_run(const cli_args *args, custapi_client *client, int32_t id,
                   const custapi_customer *properties) {
  char *text;
  if (custapi_update_dry_run(&text, client, id, properties, args->mode) < 0)
    return cli_fail(args, custapi_client_last_error(client));
  fputs(text, stdout);
  fflush(stdout);
  custapi_free(text);
  return 0;
}

/* --read-back after an update that returned no customer (XML-RPC, or an empty REST 2xx). */
static int read_back(custapi_result **out, const cli_args *args, custapi_client *client,
                     int32_t id) {
  if (custapi_get(out, client, id) == 0)
    return 0;
  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi_error_copy(&err, custapi_client_last_error(client));
  custapi__error_read_back_failed(&err);
  return cli_fail(args, &err);
}

int cli_cmd_update(const cli_args *args) {
  custapi_error err = {0};
  custapi_customer *properties = NULL;
  custapi_client *client = NULL;
  int32_t id;
  if (cli_require_id(&id, args, &err) < 0 || cli_customer_from_args(&properties, args, &err) < 0 ||
      /* Invalid properties (nothing to update included) are told before any connection
       * setting is looked at; custapi_update checks them again, and warns (lenient). */
      custapi_validate(properties, args->mode, args->validate_flags, NULL, NULL, &err) < 0 ||
      cli_connect(&client, args, &err) < 0) {
    custapi_customer_free(properties);
    return cli_fail(args, &err);
  }
  int code;
  if (args->dry_run) {
    code = dry_run(args, client, id, properties);
  } else {
    custapi_result *r = NULL, *back = NULL;
    if (custapi_update(&r, client, id, properties, args->mode) < 0) {
      code = cli_fail_update(args, custapi_client_last_error(client),
                             custapi_client_maybe_applied(client));
    } else {
      const custapi_customer *customer = custapi_result_customer(r);
      code = 0;
      if (!customer && args->read_back) {
        code = read_back(&back, args, client, id);
        customer = back ? custapi_result_customer(back) : NULL;
      }
      if (code == 0) {
        if (args->output == CLI_OUTPUT_TEXT)
          print_text(args, id, r, customer);
        else
          print_json(id, r, customer, !custapi_result_value(&(int64_t){0}, r));
      }
    }
    custapi_result_free(back);
    custapi_result_free(r);
  }
  custapi_customer_free(properties);
  cli_disconnect(client);
  return code;
}
