/* custapi validate: check properties as an update would, and print them normalised. */
#include "cli_support.h"
#include "commands.h"
#include "output.h"

int cli_cmd_validate(const cli_args *args) {
  custapi_error err = {0};
  custapi_customer *customer = NULL;
  if (args->id) {
    int32_t id;
    if (custapi_id_parse(&id, args->id, &err) < 0)
      return cli_fail(args, &err);
  }
  if (cli_customer_from_args(&customer, args, &err) < 0 ||
      custapi_validate(customer, args->mode, args->validate_flags, cli_warn, NULL, &err) < 0) {
    custapi_customer_free(customer);
    return cli_fail(args, &err);
  }
  if (args->output == CLI_OUTPUT_TEXT) {
    cli_print_customer_text(customer);
  } else {
    json_object *o = json_object_new_object();
    int failed = custapi__json_add(o, "ok", json_object_new_boolean(1));
    failed |= cli_add_customer(o, "properties", customer);
    cli_print_json(custapi__json_built(o, failed));
  }
  custapi_customer_free(customer);
  return 0;
}
