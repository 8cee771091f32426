/*
 * Divergence knobs (--diverge MODE): make one protocol behave differently from the other, so
 * that tests can show `custapi compare` catches what it claims to. Set once at start-up, read
 * by every thread afterwards.
 *   xmlrpc-drops:PROP        XML-RPC updates silently ignore PROP (and still succeed)
 *   rest-drops:PROP          the same over REST
 *   xmlrpc-reads:FIELD=TEXT  XML-RPC reads report FIELD as the string TEXT
 *   rest-reads:FIELD=TEXT    the same over REST
 *   xmlrpc-refuses:PROP      XML-RPC refuses an update carrying PROP (fault 422)
 *   rest-refuses:PROP        REST refuses an update carrying PROP (422)
 *   reads-fail-after:N       every read after the first N, over either protocol, fails with a
 *                            server error (503 / fault -32603): both read-backs fail alike
 *   noisy:FIELD              every read, over either protocol, reports FIELD as a string that
 *                            changes each time ("tick-1", "tick-2", ...): noise, as a
 *                            timestamp or a read counter is on a real install
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "refserver.h"

#define MAX_KNOBS 16

typedef enum knob_kind { KNOB_DROP, KNOB_READ, KNOB_REFUSE, KNOB_NOISY } knob_kind;

typedef struct knob {
  rs_protocol protocol;
  knob_kind kind;
  char field[64];
  char text[256];
} knob;

static knob knobs[MAX_KNOBS];
static size_t knob_count;

/* reads-fail-after:N: -1 when off; reads are counted across threads. */
static long reads_allowed = -1;
static long reads_seen;

/* noisy:FIELD: the ticks, across threads and protocols. */
static long ticks;

int rs_diverge_read_fails(void) {
  if (reads_allowed < 0)
    return 0;
  return __atomic_add_fetch(&reads_seen, 1, __ATOMIC_SEQ_CST) > reads_allowed;
}

int rs_diverge_parse(const char *mode, char *why, size_t whylen) {
  static const struct {
    const char *prefix;
    rs_protocol protocol;
    knob_kind kind;
  } forms[] = {
      {"xmlrpc-drops:", RS_PROTOCOL_XMLRPC, KNOB_DROP},
      {"rest-drops:", RS_PROTOCOL_REST, KNOB_DROP},
      {"xmlrpc-reads:", RS_PROTOCOL_XMLRPC, KNOB_READ},
      {"rest-reads:", RS_PROTOCOL_REST, KNOB_READ},
      {"xmlrpc-refuses:", RS_PROTOCOL_XMLRPC, KNOB_REFUSE},
      {"rest-refuses:", RS_PROTOCOL_REST, KNOB_REFUSE},
      {"noisy:", RS_PROTOCOL_REST, KNOB_NOISY}, /* either protocol: see rs_diverge_reads */
  };
  if (strncmp(mode, "reads-fail-after:", 17) == 0) {
    char *end;
    long n = strtol(mode + 17, &end, 10);
    if (end == mode + 17 || *end || n < 0) {
      snprintf(why, whylen, "'%s': expected a number of reads after 'reads-fail-after:'", mode);
      return -1;
    }
    reads_allowed = n;
    return 0;
  }
  if (knob_count == MAX_KNOBS) {
    snprintf(why, whylen, "at most %d divergences", MAX_KNOBS);
    return -1;
  }
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    size_t n = strlen(forms[i].prefix);
    if (strncmp(mode, forms[i].prefix, n) != 0)
      continue;
    knob *k = &knobs[knob_count];
    *k = (knob){forms[i].protocol, forms[i].kind, "", ""};
    const char *arg = mode + n;
    const char *eq = strchr(arg, '=');
    if (forms[i].kind == KNOB_READ) {
      if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof k->field ||
          strlen(eq + 1) >= sizeof k->text) {
        snprintf(why, whylen, "'%s': expected FIELD=TEXT after '%s'", mode, forms[i].prefix);
        return -1;
      }
      memcpy(k->field, arg, (size_t)(eq - arg));
      snprintf(k->text, sizeof k->text, "%s", eq + 1);
    } else {
      if (!*arg || eq || strlen(arg) >= sizeof k->field) {
        snprintf(why, whylen, "'%s': expected a property name after '%s'", mode,
                 forms[i].prefix);
        return -1;
      }
      snprintf(k->field, sizeof k->field, "%s", arg);
    }
    knob_count++;
    return 0;
  }
  snprintf(why, whylen,
           "unknown divergence '%s' (xmlrpc-drops:PROP, rest-drops:PROP, xmlrpc-reads:FIELD=TEXT, "
           "rest-reads:FIELD=TEXT, xmlrpc-refuses:PROP, rest-refuses:PROP, noisy:FIELD, "
           "reads-fail-after:N)",
           mode);
  return -1;
}

const char *rs_diverge_refused(rs_protocol protocol, const custapi_customer *changes) {
  for (size_t i = 0; i < knob_count; i++)
    if (knobs[i].protocol == protocol && knobs[i].kind == KNOB_REFUSE &&
        custapi_customer_get(changes, knobs[i].field))
      return knobs[i].field;
  return NULL;
}

void rs_diverge_drop(rs_protocol protocol, custapi_customer *changes) {
  for (size_t i = 0; i < knob_count; i++)
    if (knobs[i].protocol == protocol && knobs[i].kind == KNOB_DROP)
      custapi_customer_unset(changes, knobs[i].field);
}

int rs_diverge_reads(rs_protocol protocol, custapi_customer *customer) {
  for (size_t i = 0; i < knob_count; i++) {
    if (knobs[i].kind != KNOB_NOISY)
      continue;
    char tick[32];
    int n =
        snprintf(tick, sizeof tick, "tick-%ld", __atomic_add_fetch(&ticks, 1, __ATOMIC_SEQ_CST));
    if (custapi__customer_put_string(customer, knobs[i].field, tick, (size_t)n) < 0)
      return -1;
  }
  for (size_t i = 0; i < knob_count; i++)
    if (knobs[i].protocol == protocol && knobs[i].kind == KNOB_READ &&
        custapi__customer_put_string(customer, knobs[i].field, knobs[i].text,
                                     strlen(knobs[i].text)) < 0)
      return -1;
  return 0;
}
