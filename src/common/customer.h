/* The customer model's internal side: raw setters for decoders, which apply no schema rule. */
#ifndef CUSTAPI_CUSTOMER_INTERNAL_H
#define CUSTAPI_CUSTOMER_INTERNAL_H

#include "custapi/custapi.h"

/*
 * Store a value under `name` exactly as given (replacing an earlier one), with no schema check:
 * for codecs that decode what a server returned, which may carry any field. Return 0, or
 * CUSTAPI_EINTERNAL when memory runs out (the customer is then unchanged).
 */
int custapi__customer_put_string(custapi_customer *customer, const char *name, const char *value,
                                 size_t len);
int custapi__customer_put_int(custapi_customer *customer, const char *name, int64_t value);
int custapi__customer_put_bool(custapi_customer *customer, const char *name, int value);
int custapi__customer_put_null(custapi_customer *customer, const char *name);

unsigned custapi__customer_flags(const custapi_customer *customer);

/*
 * Parses a canonical decimal integer ("5000", "-1"; not "+1", "05", "-0", " 5", "5e3", "")
 * within the signed 32-bit range. Returns 0 and stores it, -1 when the text is not such a
 * decimal, -2 when it is one but out of range.
 */
int custapi__parse_int32(const char *text, size_t len, int32_t *out);



/* custapi_customer_set with an explicit length (the text may hold a NUL, which validation
 * then refuses). */
int custapi__customer_set_text(custapi_customer *customer, const char *name, const char *text,
                               size_t len, custapi_error *err);
#endif
