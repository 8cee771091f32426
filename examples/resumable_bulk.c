/*
 * A resumable bulk run with libcustapi, as `custapi bulk --results FILE [--resume]` does it:
 * every record of INPUT (JSON Lines, or CSV by a .csv name) updated over REST, each outcome
 * appended to RESULTS as one line a kill can't tear apart; run it again with --resume after an
 * interruption and it sends only what is not yet applied. Builds against the installed library:
 *
 *   cc resumable_bulk.c $(pkg-config --cflags --libs custapi) -o resumable_bulk
 *
 * Usage: CUSTAPI_API_KEY=... resumable_bulk URL USERNAME INPUT RESULTS [--resume]
 */
#include <custapi/custapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
  custapi_bulk_results *results;
  custapi_error write_error;
} run;

/* Each outcome, as it completes: one line in the results file. */
static int on_done(const custapi_bulk_outcome *outcome, void *payload) {
  run *r = payload;
  if (outcome->status != 0 && outcome->attempts == 0) /* refused before sending */
    fprintf(stderr, "%s\n", outcome->error->message); /* it names its line already */
  else if (outcome->status != 0)
    fprintf(stderr, "line %ld: id %d: %s\n", outcome->line, (int)outcome->id,
            outcome->error->message);
  return custapi_bulk_results_write(r->results, outcome, &r->write_error); /* <0 stops the run */
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s URL USERNAME INPUT RESULTS [--resume]\n", argv[0]);
    return 2;
  }
  const char *key = getenv("CUSTAPI_API_KEY"); /* never from the command line */
  if (!key) {
    fprintf(stderr, "set CUSTAPI_API_KEY\n");
    return 2;
  }
  unsigned flags = argc > 5 && strcmp(argv[5], "--resume") == 0 ? CUSTAPI_BULK_RESULTS_RESUME : 0;
  if (custapi_global_init() < 0)
    return 11;

  custapi_options options = CUSTAPI_OPTIONS_INIT;
  options.base_url = argv[1];
  options.username = argv[2];
  options.api_key = key;

  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi_client *client = NULL;
  custapi_bulk_input *input = NULL;
  run r = {NULL, {0}};
  int status = 0;
  if (custapi_client_new(&client, &options, &err) < 0 ||
      custapi_bulk_input_open(&input, argv[3], NULL, &err) < 0 || /* format by the name */
      custapi_bulk_results_open(&r.results, argv[4], input, flags, &err) < 0) {
    fprintf(stderr, "%s\n", err.message); /* e.g. another run holds the results file */
    status = (int)err.category;
  } else {
    custapi_bulk_options bulk = CUSTAPI_BULK_OPTIONS_INIT;
    bulk.format = custapi_bulk_input_format(input);
    bulk.done = on_done;
    bulk.done_payload = &r;
    bulk.skip = custapi_bulk_results_skip; /* on --resume: what the results say is applied */
    bulk.skip_payload = r.results;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    int rc = custapi_bulk_run(&sum, client, custapi_bulk_input_stream(input), &bulk);
    printf("%ld records: %ld succeeded, %ld failed, %ld skipped\n", sum.records, sum.succeeded,
           sum.failed, sum.skipped);
    if (rc < 0 && rc != CUSTAPI_EPARTIAL) {
      const custapi_error *why =
          r.write_error.message[0] ? &r.write_error : custapi_client_last_error(client);
      fprintf(stderr, "%s\n", why->message);
    }
    status = -rc; /* 0, or the category: 10 (partial) when some records failed */
  }
  custapi_bulk_results_free(r.results); /* closes and unlocks the file */
  custapi_bulk_input_free(input);
  custapi_client_free(client);
  custapi_global_shutdown();
  return status;
}
