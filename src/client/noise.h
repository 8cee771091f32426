/*
 * Noise: the properties that change by themselves. The one equality of two read values and the
 * one verdict of a property (agree, differ, noise), which compare and the gateway's --shadow
 * both take, so that they can't disagree on what counts as a difference.
 */
#ifndef CUSTAPI_NOISE_H
#define CUSTAPI_NOISE_H

#include "custapi/custapi.h"

/*
 * Same value? 5 and "5" are the same for an integer property (and for fields outside the
 * schema, whose types the protocols may render differently); "ZA" and "za" are not. Two
 * absent fields are the same; an absent one and a present one are not.
 */
int custapi__same_value(const char *name, const custapi_field *a, const custapi_field *b);

/*
 * Learns from two reads over the same protocol with no update between them: every field whose
 * values differ is noise from then on. Returns how many names it learned, or CUSTAPI_EINTERNAL
 * when memory ran out (what was learned before stays).
 */
int custapi__noise_learn(custapi_noise *noise, const custapi_customer *first,
                         const custapi_customer *second);

/* The verdict of property `name` that a comparison found different (`differs`) or not. */
custapi_verdict custapi__verdict(const custapi_noise *noise, const char *name, int differs);

#include "utc.h"

#endif
