/* The bulk input readers: every record either parses and validates, or is reported, never a
 * crash; the first byte picks the format and the flags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "custapi/custapi.h"
#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  custapi_bulk_format format = data[0] & 1 ? CUSTAPI_BULK_CSV : CUSTAPI_BULK_JSONL;
  unsigned flags = (data[0] >> 1) & 3u;
  FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
  if (!in)
    return 0;
  custapi_records *r;
  custapi_error err;
  if (custapi__records_new(&r, in, format, flags, &err) == 0) {
    long line, last_line = 0;
    int32_t id;
    custapi_customer *c;
    records_status s;
    while ((s = custapi__records_next(r, &line, &id, &c, &err)) != RECORDS_END) {
      if (s == RECORDS_FATAL)
        break;
      if (line < last_line)
        abort(); /* lines only go forward */
      last_line = line;
      if (s == RECORDS_OK) {
        if (id <= 0 || !c)
          abort();
        custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err);
        custapi_customer_free(c);
      }
    }
    custapi__records_free(r);
  }
  fclose(in);
  return 0;
}
