/* custapi get --id N: read one customer. */
#include <stdio.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "dry_run.h"
#include "output.h"

int cli_cmd_get(const cli_args *args) {
  custapi_error err = {0};
  custapi_client *client = NULL;
  int32_t id;
  if (args->prop_count || args->json_path) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                       "get takes only --id N (no properties)");
    return cli_fail(args, &err);
  }
  if (cli_require_id(&id, args, &err) < 0 || cli_connect(&client, args, &err) < 0)
    return cli_fail(args, &err);
  custapi_result *r = NULL;
  int code = 0;
  if (args->dry_run) {
    code = cli_dry_run_get(args, client, id);
  } else if (custapi_get(&r, client, id) < 0) {
    code = cli_fail(args, custapi_client_last_error(client));
  } else if (args->output == CLI_OUTPUT_TEXT) {
    printf("%-24s %s\n", "protocol", custapi_result_protocol(r));
    printf("%-24s %d\n", "id", (int)id);
    cli_print_customer_text(custapi_result_customer(r));
  } else {
    json_object *o = json_object_new_object();
    int failed =
        custapi__json_add(o, "protocol", json_object_new_string(custapi_result_protocol(r)));
    failed |= custapi__json_add(o, "id", json_object_new_int(id));
    failed |= custapi__json_add(o, "ok", json_object_new_boolean(1));
    failed |= cli_add_customer(o, "customer", custapi_result_customer(r));
    cli_print_json(custapi__json_built(o, failed));
  }
  custapi_result_free(r);
  cli_disconnect(client);
  return code;
}
