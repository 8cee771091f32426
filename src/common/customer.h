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

/* The id a customer decoded from an answer names: 1 with *id when its "id" member is an integer
 * or a canonical decimal string, else 0 (no id, or one that is no number). */
int custapi__customer_answer_id(const custapi_customer *customer, int64_t *id);

/*
 * Parses a canonical decimal integer ("5000", "-1"; not "+1", "05", "-0", " 5", "5e3", "")
 * within the signed 32-bit range. Returns 0 and stores it, -1 when the text is not such a
 * decimal, -2 when it is one but out of range.
 */
int custapi__parse_int32(const char *text, size_t len, int32_t *out);

/*
 * The one wording of a refused customer id (invalid, property "id"): `why` says what is wrong
 * ("not positive", "out of range", "not an integer"), `shown` is the value as given. Every
 * reader of ids (the command's --id, bulk records, JSON, the client) words it through here.
 */
int custapi__id_refuse(custapi_error *err, const char *why, const char *shown);

/* 0 when custapi_id_valid(id), else the refusal above (CUSTAPI_EINVALID). */
int custapi__id_check(int64_t id, custapi_error *err);
/* custapi_id_parse of text[0..len), which may hold a NUL (from JSON's \u0000 or a raw byte of
 * a CSV cell): refused like any other character that is not a digit. */
int custapi__id_parse_text(int32_t *out, const char *text, size_t len, custapi_error *err);

/*
 * The most members a customer may have, in a server's answer or in JSON input: far above the two
 * dozen fields of a real customer, and low enough to bound the model's work (each new field is
 * looked up among the ones before it).
 */
#define CUSTAPI_CUSTOMER_MAX_MEMBERS 1000

/* How a server sent one member's value, as far as the schema's types are concerned. */
typedef enum custapi_answer_kind {
  CUSTAPI_ANSWER_INT32,  /* an integer within signed 32 bits: a JSON integer, an <int> or <i4> */
  CUSTAPI_ANSWER_STRING, /* a string */
  CUSTAPI_ANSWER_OTHER   /* anything else: a fraction, an exponent, a wider or larger integer, a
                            boolean, null, an array, a struct, ... */
} custapi_answer_kind;

/*
 * Whether a server may send a value of `kind` under `name`: a schema property only as its type
 * (an integer property a 32-bit integer, a string property a string); any other name (read-only
 * and unknown fields) anything. Both codecs ask this of every member they decode. Returns 0, or
 * CUSTAPI_EPROTOCOL with a message naming the property (`response: "sms_quota" is not a 32-bit
 * integer`), followed by `context` (e.g. "; the update may have been applied").
 */
int custapi__answer_member_check(const char *name, custapi_answer_kind kind, const char *context,
                                 custapi_error *err);

/* 0 when a customer in a server's answer may have `count` members, else CUSTAPI_EPROTOCOL. */
int custapi__answer_count_check(size_t count, const char *context, custapi_error *err);

/* custapi_customer_set with an explicit length (the text may hold a NUL, which validation
 * then refuses). */
int custapi__customer_set_text(custapi_customer *customer, const char *name, const char *text,
                               size_t len, custapi_error *err);
#endif
