/*
 * A complete program using libcustapi: update one customer's SMS quota and print what the
 * server returned. Builds against the installed library with
 *
 *   cc update_customer.c $(pkg-config --cflags --libs custapi) -o update_customer
 *
 * Usage: CUSTAPI_API_KEY=... update_customer URL USERNAME ID SMS_QUOTA [rest|xmlrpc]
 */
#include <custapi/custapi.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, const custapi_error *err) {
  fprintf(stderr, "%s: %s (%s)\n", what, err->message, custapi_category_name(err->category));
  return (int)err->category; /* the same numbers as the command's exit codes */
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s URL USERNAME ID SMS_QUOTA [rest|xmlrpc]\n", argv[0]);
    return 2;
  }
  const char *key = getenv("CUSTAPI_API_KEY"); /* never from the command line */
  if (!key) {
    fprintf(stderr, "set CUSTAPI_API_KEY\n");
    return 2;
  }

  custapi_error err = CUSTAPI_ERROR_INIT;
  int32_t id;
  if (custapi_id_parse(&id, argv[3], &err) < 0)
    return fail("id", &err);

  if (custapi_global_init() < 0) /* once per process, before any thread */
    return 11;

  custapi_options options = CUSTAPI_OPTIONS_INIT;
  options.base_url = argv[1];
  options.username = argv[2];
  options.api_key = key;
  if (argc > 5 && custapi_protocol_parse(&options.protocol, argv[5]) < 0) {
    fprintf(stderr, "protocol must be rest or xmlrpc\n");
    custapi_global_shutdown();
    return 2;
  }

  int status = 0;
  custapi_client *client = NULL;
  custapi_customer *changes = NULL;
  custapi_result *result = NULL;

  if (custapi_client_new(&client, &options, &err) < 0) {
    status = fail("client", &err);
  } else if (custapi_customer_new(&changes, 0) < 0) {
    status = 11;
  } else if (custapi_customer_set(changes, "sms_quota", argv[4], &err) < 0) {
    status = fail("sms_quota", &err); /* typed by the schema: "500" becomes an integer */
  } else if (custapi_update(&result, client, id, changes, CUSTAPI_VALIDATE_PARTIAL) < 0) {
    status = fail("update", custapi_client_last_error(client)); /* errors stay on the client */
  } else {
    printf("updated customer %d over %s in %d attempt(s), HTTP %d\n", (int)id,
           custapi_result_protocol(result), custapi_result_attempts(result),
           custapi_result_http_status(result));
    const custapi_customer *returned = custapi_result_customer(result); /* borrowed */
    int64_t value;
    if (returned) {
      char *json;
      if (custapi_customer_to_json(&json, returned) == 0) {
        printf("customer: %s\n", json);
        custapi_free(json);
      }
    } else if (custapi_result_value(&value, result)) {
      printf("result: %lld\n", (long long)value); /* XML-RPC answers with an integer */
    }
  }

  custapi_result_free(result); /* every _free accepts NULL */
  custapi_customer_free(changes);
  custapi_client_free(client);
  custapi_global_shutdown();
  return status;
}
