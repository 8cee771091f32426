/*
 * compare: the same update over REST and over XML-RPC, each read back over both protocols, and
 * every difference named. The order matters (issue 6): the restore between the two updates
 * puts the touched properties back, so that a property one protocol silently drops cannot hide
 * behind the value the other protocol already wrote.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "customer.h"
#include "error.h"
#include "json_util.h"
#include "noise.h"
#include "schema.h"
#include "transport.h"

enum { STAGES = 2, READERS = 2 };

typedef struct difference_slot {
  custapi_difference public_view;
  char *field;
  char *message;
} difference_slot;

/* One call's outcome: 0 or a negative status, with its error. */
typedef struct outcome {
  int status;
  custapi_error error;
} outcome;

struct custapi_compare {
  int32_t id;
  custapi_customer *snapshot;
  custapi_result *update[READERS];          /* indexed by custapi_protocol */
  outcome update_outcome[READERS];
  custapi_result *read[STAGES][READERS];     /* read-backs, [stage][reader] */
  outcome read_outcome[STAGES][READERS];
  outcome restore_outcome;
  custapi_result *restore_check; /* the read after the restore (its differences point in) */
  int stopped_at_restore;
  difference_slot *differences;
  size_t difference_count, difference_capacity;
  /* Differences of noise properties, moved out of `differences` once the analysis is done. */
  difference_slot *noisy;
  size_t noisy_count;
  custapi_noise *noise, *own_noise; /* the set in use; own_noise when the caller gave none */
  custapi_result *reread[READERS];  /* the second read of each protocol, to learn noise */
  custapi_customer *update_set;     /* the properties the updates carried */
  char at[32];                      /* when the comparison started (UTC) */
  long elapsed_ms[READERS];         /* each protocol's update */
  int out_of_memory;
  custapi_error internal; /* the first internal failure of a call, if any */
};

static const char *const stage_names[STAGES] = {"after_rest", "after_xmlrpc"};
static const char *const protocol_words[READERS] = {"REST", "XML-RPC"};

static outcome not_run(void) {
  outcome o = {CUSTAPI_EINTERNAL, {0}};
  custapi__error_set(&o.error, CUSTAPI_CATEGORY_INTERNAL, NULL, "not run");
  return o;
}

void custapi_compare_free(custapi_compare *c) {
  if (!c)
    return;
  custapi_customer_free(c->snapshot);
  for (int p = 0; p < READERS; p++) {
    custapi_result_free(c->update[p]);
    for (int s = 0; s < STAGES; s++)
      custapi_result_free(c->read[s][p]);
  }
  custapi_result_free(c->restore_check);
  for (int p = 0; p < READERS; p++)
    custapi_result_free(c->reread[p]);
  for (size_t i = 0; i < c->difference_count; i++) {
    custapi__free(c->differences[i].field);
    custapi__free(c->differences[i].message);
  }
  custapi__free(c->differences);
  for (size_t i = 0; i < c->noisy_count; i++) {
    custapi__free(c->noisy[i].field);
    custapi__free(c->noisy[i].message);
  }
  custapi__free(c->noisy);
  custapi_noise_free(c->own_noise);
  custapi_customer_free(c->update_set);
  custapi__free(c);
}

/* ---- recording differences ---- */

static void add_difference(custapi_compare *c, custapi_difference_kind kind, const char *field,
                           const char *stage, const custapi_field *rest,
                           const custapi_field *xmlrpc, const char *fmt, ...)
    CUSTAPI_PRINTF(7, 8);

static void add_difference(custapi_compare *c, custapi_difference_kind kind, const char *field,
                           const char *stage, const custapi_field *rest,
                           const custapi_field *xmlrpc, const char *fmt, ...) {
  if (c->difference_count == c->difference_capacity) {
    size_t capacity = c->difference_capacity ? c->difference_capacity * 2 : 8;
    difference_slot *grown = custapi__realloc(c->differences, capacity * sizeof *grown);
    if (!grown) {
      c->out_of_memory = 1;
      return;
    }
    c->differences = grown;
    c->difference_capacity = capacity;
  }
  char message[CUSTAPI_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  difference_slot *d = &c->differences[c->difference_count];
  d->field = field ? custapi__strdup(field) : NULL;
  d->message = custapi__strdup(message);
  if ((field && !d->field) || !d->message) {
    custapi__free(d->field);
    custapi__free(d->message);
    c->out_of_memory = 1;
    return;
  }
  d->public_view = (custapi_difference){kind, d->field, stage, d->message, rest, xmlrpc};
  c->difference_count++;
}

/* ---- comparing values, normalising representation only ---- */

/* A short rendering of a value for messages: 5, "ZA", null, absent. */
static const char *render(char *buf, size_t size, const custapi_field *f) {
  if (!f)
    return "absent";
  switch (f->type) {
  case CUSTAPI_VALUE_STRING:
    return custapi__quote(buf, size, f->string, f->string_len, 40);
  case CUSTAPI_VALUE_INTEGER:
    snprintf(buf, size, "%lld", (long long)f->integer);
    return buf;
  case CUSTAPI_VALUE_BOOLEAN:
    return f->integer ? "true" : "false";
  case CUSTAPI_VALUE_NULL:
    return "null";
  }
  return "?";
}

static const custapi_field *field_of(const custapi_customer *c, const char *name) {
  return c ? custapi_customer_get(c, name) : NULL;
}

/* Calls `visit` once for each name present in any of the customers (NULLs skipped). */
static void for_each_name(const custapi_customer *const *customers, size_t n,
                          void (*visit)(custapi_compare *, const char *, void *),
                          custapi_compare *c, void *payload) {
  for (size_t k = 0; k < n; k++) {
    if (!customers[k])
      continue;
    for (size_t i = 0; i < custapi_customer_count(customers[k]); i++) {
      const char *name = custapi_customer_at(customers[k], i)->name;
      int seen = 0;
      for (size_t j = 0; j < k && !seen; j++)
        seen = customers[j] && custapi_customer_get(customers[j], name);
      if (!seen)
        visit(c, name, payload);
    }
  }
}

/* ---- the analysis ---- */

static void compare_outcomes(custapi_compare *c, const char *what, const char *stage,
                             const outcome *rest, const outcome *xmlrpc) {
  if (rest->status == 0 && xmlrpc->status == 0)
    return;
  if (rest->status == 0 || xmlrpc->status == 0) {
    int failed = rest->status == 0 ? CUSTAPI_PROTOCOL_XMLRPC : CUSTAPI_PROTOCOL_REST;
    const outcome *o = failed == CUSTAPI_PROTOCOL_REST ? rest : xmlrpc;
    add_difference(c, CUSTAPI_DIFFERENCE_OUTCOME, NULL, stage, NULL, NULL,
                   "%s succeeded over %s but failed over %s: %s: %s", what,
                   protocol_words[1 - failed], protocol_words[failed],
                   custapi_category_name(o->error.category), o->error.message);
  } else if (rest->error.category != xmlrpc->error.category) {
    add_difference(c, CUSTAPI_DIFFERENCE_ERROR_CATEGORY, NULL, stage, NULL, NULL,
                   "%s failed differently: REST %s (%s), XML-RPC %s (%s)", what,
                   custapi_category_name(rest->error.category), rest->error.message,
                   custapi_category_name(xmlrpc->error.category), xmlrpc->error.message);
  }
}

static const custapi_customer *read_back(const custapi_compare *c, int stage, int reader) {
  return c->read[stage][reader] ? custapi_result_customer(c->read[stage][reader]) : NULL;
}

/* What each update did to a field, seen by the REST reader against the snapshot. */
static void compare_changes(custapi_compare *c, const char *name, void *payload) {
  (void)payload;
  const custapi_field *before = field_of(c->snapshot, name);
  const custapi_field *by_rest = field_of(read_back(c, 0, CUSTAPI_PROTOCOL_REST), name);
  const custapi_field *by_xmlrpc = field_of(read_back(c, 1, CUSTAPI_PROTOCOL_REST), name);
  int rest_changed = !custapi__same_value(name, before, by_rest);
  int xmlrpc_changed = !custapi__same_value(name, before, by_xmlrpc);
  char a[160], b[160], s[160];
  if (rest_changed && !xmlrpc_changed)
    add_difference(c, CUSTAPI_DIFFERENCE_CHANGED_BY_ONE, name, NULL, by_rest, by_xmlrpc,
                   "%s: the REST update changed it (%s to %s), the XML-RPC update did not", name,
                   render(s, sizeof s, before), render(a, sizeof a, by_rest));
  else if (!rest_changed && xmlrpc_changed)
    add_difference(c, CUSTAPI_DIFFERENCE_CHANGED_BY_ONE, name, NULL, by_rest, by_xmlrpc,
                   "%s: the XML-RPC update changed it (%s to %s), the REST update did not", name,
                   render(s, sizeof s, before), render(b, sizeof b, by_xmlrpc));
  else if (rest_changed && !custapi__same_value(name, by_rest, by_xmlrpc))
    add_difference(c, CUSTAPI_DIFFERENCE_VALUE, name, NULL, by_rest, by_xmlrpc,
                   "%s: the REST update wrote %s, the XML-RPC update wrote %s", name,
                   render(a, sizeof a, by_rest), render(b, sizeof b, by_xmlrpc));
}

/* The two readers of one state. */
static void compare_readers(custapi_compare *c, const char *name, void *payload) {
  int stage = *(const int *)payload;
  const custapi_field *r = field_of(read_back(c, stage, CUSTAPI_PROTOCOL_REST), name);
  const custapi_field *x = field_of(read_back(c, stage, CUSTAPI_PROTOCOL_XMLRPC), name);
  if (custapi__same_value(name, r, x))
    return;
  char a[160], b[160];
  add_difference(c, CUSTAPI_DIFFERENCE_READ_BACK, name, stage_names[stage], r, x,
                 "%s: read back %s over REST but %s over XML-RPC (%s)", name,
                 render(a, sizeof a, r), render(b, sizeof b, x),
                 stage == 0 ? "after the REST update" : "after the XML-RPC update");
}

static void analyse(custapi_compare *c) {
  compare_outcomes(c, "the update", NULL, &c->update_outcome[CUSTAPI_PROTOCOL_REST],
                   &c->update_outcome[CUSTAPI_PROTOCOL_XMLRPC]);
  for (int s = 0; s < STAGES; s++) {
    char what[64];
    snprintf(what, sizeof what, "the read-back %s",
             s == 0 ? "after the REST update" : "after the XML-RPC update");
    const outcome *r = &c->read_outcome[s][CUSTAPI_PROTOCOL_REST];
    const outcome *x = &c->read_outcome[s][CUSTAPI_PROTOCOL_XMLRPC];
    if (r->status < 0 && x->status < 0 && r->error.category == x->error.category)
      /* Failing alike is agreement for an update, but two failed reads compared nothing. */
      add_difference(c, CUSTAPI_DIFFERENCE_OUTCOME, NULL, stage_names[s], NULL, NULL,
                     "%s failed over both protocols, so nothing was compared: %s: %s", what,
                     custapi_category_name(r->error.category), r->error.message);
    else
      compare_outcomes(c, what, stage_names[s], r, x);
  }
  const custapi_customer *changes[] = {c->snapshot, read_back(c, 0, CUSTAPI_PROTOCOL_REST),
                                       read_back(c, 1, CUSTAPI_PROTOCOL_REST)};
  if (changes[1] && changes[2])
    for_each_name(changes, 3, compare_changes, c, NULL);
  for (int s = 0; s < STAGES; s++) {
    const custapi_customer *readers[] = {read_back(c, s, CUSTAPI_PROTOCOL_REST),
                                         read_back(c, s, CUSTAPI_PROTOCOL_XMLRPC)};
    if (readers[0] && readers[1])
      for_each_name(readers, 2, compare_readers, c, &s);
  }
}

/* ---- running it ---- */

/*
 * An internal failure (out of memory) of a call says nothing about the protocols: two reads
 * that both ran out of memory "agree", and a restore that did is no divergence. Remember it,
 * so that the comparison as a whole fails with it instead of reporting a verdict.
 */
static void note_internal(custapi_compare *c, const outcome *o) {
  if (o->status < 0 && o->error.category == CUSTAPI_CATEGORY_INTERNAL && !c->internal.category)
    c->internal = o->error;
}

static outcome capture(custapi_compare *c, custapi_client *client, int status) {
  outcome o = {status, {0}};
  if (status < 0)
    custapi__error_copy(&o.error, custapi_client_last_error(client));
  note_internal(c, &o);
  return o;
}

static void read_both(custapi_compare *c, custapi_client *clients[READERS], int stage) {
  for (int p = 0; p < READERS; p++)
    c->read_outcome[stage][p] =
        capture(c, clients[p], custapi_get(&c->read[stage][p], clients[p], c->id));
}

/*
 * The snapshot's values of the properties the update touches, as a customer that validates;
 * properties the snapshot did not have are left alone.
 */
static int restore_set(custapi_customer **out, const custapi_customer *snapshot,
                       const custapi_customer *touched, custapi_error *err) {
  if (custapi_customer_new(out, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN) < 0)
    return custapi__error_oom(err);
  for (size_t i = 0; i < custapi_customer_count(touched); i++) {
    const custapi_field *f = custapi_customer_get(snapshot, custapi_customer_at(touched, i)->name);
    if (!f)
      continue;
    int rc = 0;
    if (f->type == CUSTAPI_VALUE_STRING)
      rc = custapi__customer_set_text(*out, f->name, f->string, f->string_len, err);
    else if (f->type == CUSTAPI_VALUE_INTEGER)
      rc = custapi_customer_set_int(*out, f->name, f->integer, err);
    else
      rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, f->name,
                              "%s: the snapshot's value can't be written back", f->name);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* Restores the touched properties over REST and checks, by reading back, that it took. */
static int restore(custapi_compare *c, custapi_client *rest, const custapi_customer *touched) {
  custapi_customer *set = NULL;
  custapi_error err = {0};
  int rc = restore_set(&set, c->snapshot, touched, &err);
  if (rc == 0 && custapi_customer_count(set) == 0) {
    custapi_customer_free(set);
    return 0; /* nothing the snapshot had was touched */
  }
  custapi_result *r = NULL, *check = NULL;
  if (rc == 0) {
    rc = custapi_update(&r, rest, c->id, set, CUSTAPI_VALIDATE_PARTIAL);
    if (rc == 0)
      rc = custapi_get(&check, rest, c->id);
    if (rc < 0)
      custapi__error_copy(&err, custapi_client_last_error(rest));
  }
  c->restore_outcome = (outcome){rc, err};
  note_internal(c, &c->restore_outcome);
  int took = 1;
  if (rc < 0) {
    add_difference(c, CUSTAPI_DIFFERENCE_RESTORE, NULL, "restore", NULL, NULL,
                   "the restore over REST failed, so the comparison stopped: %s: %s",
                   custapi_category_name(err.category), err.message);
  } else {
    const custapi_customer *now = custapi_result_customer(check);
    for (size_t i = 0; i < custapi_customer_count(set); i++) {
      const custapi_field *want = custapi_customer_at(set, i);
      const custapi_field *got = field_of(now, want->name);
      if (custapi__same_value(want->name, want, got))
        continue;
      char a[160], b[160];
      add_difference(c, CUSTAPI_DIFFERENCE_RESTORE, want->name, "restore", got, NULL,
                     "%s: the restore over REST did not take (wrote %s, read %s), so the "
                     "comparison stopped",
                     want->name, render(a, sizeof a, want), render(b, sizeof b, got));
      if (took) /* the outcome says so too: the calls succeeded, the restore did not */
        c->restore_outcome.status = custapi__error_set(
            &c->restore_outcome.error, CUSTAPI_CATEGORY_DIFFER, want->name,
            "%s: the restore over REST did not take (wrote %s, read %s)", want->name, a, b);
      took = 0;
      rc = -1;
    }
  }
  custapi_result_free(r);
  c->restore_check = check; /* kept: a restore difference points at its fields */
  custapi_customer_free(set);
  return rc < 0 ? -1 : 0;
}

/* Whether any difference names a field (only those can be noise). */
static int field_differs(const custapi_compare *c) {
  for (size_t i = 0; i < c->difference_count; i++)
    if (c->differences[i].field)
      return 1;
  return 0;
}

/*
 * Reads once more over each protocol, right after the last read-backs with no update between:
 * what changed is noise. Then moves the differences of noise properties out of the list. A
 * restore difference stays whatever its field: the comparison stopped on it.
 */
static void separate_noise(custapi_compare *c, custapi_client *clients[READERS]) {
  if (!field_differs(c))
    return;
  for (int p = 0; p < READERS; p++) {
    outcome o = capture(c, clients[p], custapi_get(&c->reread[p], clients[p], c->id));
    if (o.status == 0 && custapi__noise_learn(c->noise, read_back(c, 1, p),
                                              custapi_result_customer(c->reread[p])) < 0)
      c->out_of_memory = 1;
  }
  size_t kept = 0, noisy = 0;
  for (size_t i = 0; i < c->difference_count; i++)
    noisy += c->differences[i].field &&
             c->differences[i].public_view.kind != CUSTAPI_DIFFERENCE_RESTORE &&
             custapi_noise_has(c->noise, c->differences[i].field);
  if (!noisy)
    return;
  c->noisy = custapi__calloc(noisy, sizeof *c->noisy);
  if (!c->noisy) {
    c->out_of_memory = 1;
    return;
  }
  for (size_t i = 0; i < c->difference_count; i++) {
    difference_slot *d = &c->differences[i];
    if (d->field && d->public_view.kind != CUSTAPI_DIFFERENCE_RESTORE &&
        custapi_noise_has(c->noise, d->field))
      c->noisy[c->noisy_count++] = *d;
    else
      c->differences[kept++] = *d;
  }
  c->difference_count = kept;
}

/* One update, timed (its elapsed time for the results line, whatever its outcome). */
static void update_timed(custapi_compare *c, custapi_client *client, int p,
                         const custapi_customer *properties, custapi_validate_mode mode) {
  uint64_t start = custapi__now_ms();
  int status = custapi_update(&c->update[p], client, c->id, properties, mode);
  c->elapsed_ms[p] = (long)(custapi__now_ms() - start);
  c->update_outcome[p] = capture(c, client, status);
}

int custapi_compare_run(custapi_compare **out, custapi_client *rest, custapi_client *xmlrpc,
                        int32_t id, const custapi_customer *properties, custapi_validate_mode mode,
                        custapi_error *err) {
  return custapi_compare_run_noise(out, rest, xmlrpc, id, properties, mode, NULL, err);
}

int custapi_compare_run_noise(custapi_compare **out, custapi_client *rest, custapi_client *xmlrpc,
                              int32_t id, const custapi_customer *properties,
                              custapi_validate_mode mode, custapi_noise *noise,
                              custapi_error *err) {
  assert(out && rest && xmlrpc && properties);
  *out = NULL;
  /* Checked before anything is read or written, on both sides. */
  if (custapi__client_protocol(rest) != CUSTAPI_PROTOCOL_REST ||
      custapi__client_protocol(xmlrpc) != CUSTAPI_PROTOCOL_XMLRPC)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "compare needs a REST client first and an XML-RPC client second");
  unsigned flags = custapi__client_validate_flags(rest);
  if (custapi__client_validate_flags(xmlrpc) != flags)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "compare needs two clients with the same validate_flags (the "
                              "same update must be checked the same way for both)");
  /* The same update is sent twice and undone once: exactly what was given, never filled. */
  int rc = custapi_validate_mode_as_given(mode, "compare", err);
  if (rc < 0)
    return rc;
  /* The clients' own flags, as each update will be checked (lenient or not). */
  rc = custapi_validate(properties, mode, flags, NULL, NULL, err);
  if (rc < 0)
    return rc;
  custapi_compare *c = custapi__calloc(1, sizeof *c);
  if (!c)
    return custapi__error_oom(err);
  c->id = id;
  custapi__utc_now(c->at, sizeof c->at);
  c->noise = noise;
  if (!noise && custapi_noise_new(&c->own_noise) < 0) {
    custapi__free(c);
    return custapi__error_oom(err);
  }
  if (!noise)
    c->noise = c->own_noise;
  for (int p = 0; p < READERS; p++) {
    c->update_outcome[p] = not_run();
    for (int s = 0; s < STAGES; s++)
      c->read_outcome[s][p] = not_run();
  }
  c->restore_outcome = not_run();
  custapi_client *clients[READERS] = {rest, xmlrpc};

  /* The snapshot, over REST; without it nothing can be restored, so nothing is written. */
  custapi_result *snap = NULL;
  if (custapi_get(&snap, rest, id) < 0) {
    rc = custapi__error_copy(err, custapi_client_last_error(rest));
    custapi_compare_free(c);
    return rc;
  }
  if (!custapi_result_customer(snap)) { /* a read always has one: defensive */
    custapi_result_free(snap);
    custapi_compare_free(c);
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                              "the snapshot read returned no customer");
  }
  rc = custapi_customer_dup(&c->snapshot, custapi_result_customer(snap));
  if (rc == 0)
    rc = custapi_customer_dup(&c->update_set, properties);
  custapi_result_free(snap);
  if (rc < 0) {
    custapi_compare_free(c);
    return custapi__error_oom(err);
  }

  update_timed(c, rest, CUSTAPI_PROTOCOL_REST, properties, mode);
  read_both(c, clients, 0);
  if (restore(c, rest, properties) < 0) {
    c->stopped_at_restore = 1;
  } else {
    update_timed(c, xmlrpc, CUSTAPI_PROTOCOL_XMLRPC, properties, mode);
    read_both(c, clients, 1);
    analyse(c);
    separate_noise(c, clients);
  }
  if (c->out_of_memory) {
    custapi_compare_free(c);
    return custapi__error_oom(err);
  }
  if (c->internal.category) {
    rc = custapi__error_copy(err, &c->internal);
    custapi_compare_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* ---- reading the report ---- */

int custapi_compare_agree(const custapi_compare *c) {
  assert(c);
  return c->difference_count == 0;
}

size_t custapi_compare_difference_count(const custapi_compare *c) {
  assert(c);
  return c->difference_count;
}

const custapi_difference *custapi_compare_difference_at(const custapi_compare *c, size_t i) {
  assert(c);
  return i < c->difference_count ? &c->differences[i].public_view : NULL;
}

const custapi_customer *custapi_compare_snapshot(const custapi_compare *c) {
  assert(c);
  return c->snapshot;
}

static int valid_protocol(custapi_protocol p) {
  return p == CUSTAPI_PROTOCOL_REST || p == CUSTAPI_PROTOCOL_XMLRPC;
}

int custapi_compare_update_status(const custapi_compare *c, custapi_protocol p,
                                  const custapi_error **err) {
  assert(c && valid_protocol(p));
  if (err)
    *err = &c->update_outcome[p].error;
  return c->update_outcome[p].status;
}

const custapi_result *custapi_compare_update_result(const custapi_compare *c, custapi_protocol p) {
  assert(c && valid_protocol(p));
  return c->update[p];
}

const custapi_customer *custapi_compare_read_back(const custapi_compare *c,
                                                  custapi_compare_stage stage,
                                                  custapi_protocol reader) {
  assert(c && valid_protocol(reader) && (stage == 0 || stage == 1));
  return read_back(c, (int)stage, (int)reader);
}

static const char *const kind_names[] = {"outcome",   "error_category", "changed_by_one",
                                         "value",     "read_back",      "restore"};

/* {"ok":true,...} for a call that succeeded, {"ok":false,"error":{...}} for one that failed;
 * NULL when memory runs out. */
static json_object *outcome_json(const outcome *o, const custapi_result *r) {
  json_object *j = json_object_new_object();
  int failed = custapi__json_add(j, "ok", json_object_new_boolean(o->status == 0));
  if (o->status < 0)
    return custapi__json_built(
        j, failed | custapi__json_add(j, "error", custapi__error_to_json_object(&o->error)));
  if (r) {
    int64_t value;
    failed |=
        custapi__json_add(j, "http_status", json_object_new_int(custapi_result_http_status(r)));
    failed |= custapi__json_add(j, "attempts", json_object_new_int(custapi_result_attempts(r)));
    if (custapi_result_value(&value, r))
      failed |= custapi__json_add(j, "result", json_object_new_int64(value));
  }
  return custapi__json_built(j, failed);
}

static json_object *read_json(const custapi_compare *c, int stage, int reader) {
  const custapi_customer *customer = read_back(c, stage, reader);
  if (!customer)
    return outcome_json(&c->read_outcome[stage][reader], NULL);
  json_object *j;
  return custapi__customer_to_json_object(&j, customer) < 0 ? NULL : j;
}

/* A field of a difference: its value, or a JSON null when it has none (absent, or null). */
static int add_field(json_object *obj, const char *key, const custapi_field *f) {
  int present = f && f->type != CUSTAPI_VALUE_NULL;
  return custapi__json_add_if(obj, key, present, present ? custapi__field_to_json_object(f) : NULL);
}

static json_object *difference_json(const custapi_difference *d) {
  json_object *j = json_object_new_object();
  int failed = custapi__json_add(j, "kind", json_object_new_string(kind_names[d->kind]));
  failed |= custapi__json_add_if(j, "field", d->field != NULL,
                                 d->field ? json_object_new_string(d->field) : NULL);
  failed |= custapi__json_add_if(j, "stage", d->stage != NULL,
                                 d->stage ? json_object_new_string(d->stage) : NULL);
  failed |= add_field(j, "rest", d->rest);
  failed |= add_field(j, "xmlrpc", d->xmlrpc);
  failed |= custapi__json_add(j, "message", json_object_new_string(d->message));
  return custapi__json_built(j, failed);
}

/* {"rest":..., "xmlrpc":...} of two values made by the caller (each may be NULL: failed). */
static json_object *pair_json(json_object *rest, json_object *xmlrpc) {
  json_object *j = json_object_new_object();
  int failed = custapi__json_add(j, "rest", rest);
  failed |= custapi__json_add(j, "xmlrpc", xmlrpc);
  return custapi__json_built(j, failed);
}

int custapi__compare_to_json_object(json_object **out, const custapi_compare *c) {
  *out = NULL;
  json_object *o = json_object_new_object(), *snapshot = NULL;
  int failed = custapi__json_add(o, "id", json_object_new_int(c->id));
  failed |= custapi__json_add(o, "agree", json_object_new_boolean(custapi_compare_agree(c)));
  failed |= custapi__customer_to_json_object(&snapshot, c->snapshot) < 0;
  failed |= custapi__json_add(o, "snapshot", snapshot);
  failed |= custapi__json_add(o, "updates",
                              pair_json(outcome_json(&c->update_outcome[0], c->update[0]),
                                        outcome_json(&c->update_outcome[1], c->update[1])));
  failed |= custapi__json_add(o, "restore", outcome_json(&c->restore_outcome, NULL));
  json_object *reads = json_object_new_object();
  for (int s = 0; s < STAGES; s++)
    failed |= custapi__json_add(reads, stage_names[s],
                                pair_json(read_json(c, s, CUSTAPI_PROTOCOL_REST),
                                          read_json(c, s, CUSTAPI_PROTOCOL_XMLRPC)));
  failed |= custapi__json_add(o, "read_backs", reads);
  json_object *list = json_object_new_array();
  for (size_t i = 0; i < c->difference_count; i++)
    failed |= custapi__json_append(list, difference_json(&c->differences[i].public_view));
  failed |= custapi__json_add(o, "differences", list);
  if (c->noisy_count) {
    json_object *noise = json_object_new_array();
    for (size_t i = 0; i < c->noisy_count; i++)
      failed |= custapi__json_append(noise, difference_json(&c->noisy[i].public_view));
    failed |= custapi__json_add(o, "noise", noise);
  }
  if (failed) {
    json_object_put(o);
    return CUSTAPI_EINTERNAL;
  }
  *out = o;
  return 0;
}

int custapi_compare_to_json(char **out, const custapi_compare *c) {
  assert(out && c);
  *out = NULL;
  json_object *o;
  if (custapi__compare_to_json_object(&o, c) < 0)
    return CUSTAPI_EINTERNAL;
  *out = custapi__json_to_string(o, NULL);
  json_object_put(o);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}

/* ---- verdicts and the results file (compare --results) ---- */

static int names_field(const difference_slot *list, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (list[i].field && strcmp(list[i].field, name) == 0)
      return 1;
  return 0;
}

custapi_verdict custapi_compare_verdict(const custapi_compare *c, const char *property) {
  assert(c && property);
  if (names_field(c->differences, c->difference_count, property))
    return custapi__verdict(NULL, property, 1);
  if (names_field(c->noisy, c->noisy_count, property))
    return custapi__verdict(c->noise, property, 1);
  return custapi__verdict(c->noise, property, 0);
}

/* Turns a built object into its line: text, a line break, a NUL. */
static int as_line(char **out, json_object *o) {
  *out = NULL;
  if (!o)
    return CUSTAPI_EINTERNAL;
  size_t len = 0;
  char *text = custapi__json_to_string(o, &len);
  json_object_put(o);
  char *line = text ? custapi__realloc(text, len + 2) : NULL;
  if (!line) {
    custapi__free(text);
    return CUSTAPI_EINTERNAL;
  }
  line[len] = '\n';
  line[len + 1] = '\0';
  *out = line;
  return 0;
}

int custapi_compare_results_header(char **out) {
  assert(out);
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "custapi_compare_results", json_object_new_int(1));
  failed |= custapi__json_add(o, "custapi_version", json_object_new_string(custapi_version()));
  return as_line(out, custapi__json_built(o, failed));
}

/* {"ok":..,"category":..,"http_status":..,"fault_code":..}: one update's outcome. */
static json_object *outcome_brief(const outcome *o, const custapi_result *r) {
  json_object *j = json_object_new_object();
  int failed = custapi__json_add(j, "ok", json_object_new_boolean(o->status == 0));
  failed |= custapi__json_add(j, "category",
                              json_object_new_string(custapi_category_name(
                                  o->status == 0 ? CUSTAPI_CATEGORY_OK : o->error.category)));
  int status = o->status == 0 ? (r ? custapi_result_http_status(r) : 0) : o->error.http_status;
  failed |= custapi__json_add_if(j, "http_status", status != 0,
                                 status ? json_object_new_int(status) : NULL);
  int fault = o->status < 0 && o->error.has_fault_code;
  failed |= custapi__json_add_if(j, "fault_code", fault,
                                 fault ? json_object_new_int(o->error.fault_code) : NULL);
  return custapi__json_built(j, failed);
}

/* A field's value, or JSON null when absent. */
static int add_value(json_object *p, const char *key, const custapi_customer *customer,
                     const char *name) {
  const custapi_field *f = field_of(customer, name);
  return custapi__json_add_if(p, key, f != NULL, f ? custapi__field_to_json_object(f) : NULL);
}

static int add_property(json_object *list, const custapi_compare *c, const char *name) {
  for (size_t i = 0; i < json_object_array_length(list); i++) {
    json_object *seen, *p = json_object_array_get_idx(list, i);
    if (json_object_object_get_ex(p, "name", &seen) &&
        strcmp(json_object_get_string(seen), name) == 0)
      return 0;
  }
  json_object *p = json_object_new_object();
  int failed = custapi__json_add(p, "name", json_object_new_string(name));
  failed |= add_value(p, "before", c->snapshot, name);
  failed |= add_value(p, "after_rest", read_back(c, 0, CUSTAPI_PROTOCOL_REST), name);
  failed |= add_value(p, "after_xmlrpc", read_back(c, 1, CUSTAPI_PROTOCOL_XMLRPC), name);
  failed |= custapi__json_add(
      p, "verdict", json_object_new_string(custapi_verdict_name(custapi_compare_verdict(c, name))));
  return custapi__json_append(list, custapi__json_built(p, failed));
}

int custapi_compare_results_line(char **out, const custapi_compare *c, long line) {
  assert(out && c);
  json_object *o = json_object_new_object(), *elapsed = json_object_new_object();
  int failed = custapi__json_add(o, "line", json_object_new_int64(line));
  failed |= custapi__json_add(o, "id", json_object_new_int(c->id));
  failed |= custapi__json_add(o, "at", json_object_new_string(c->at));
  failed |= custapi__json_add(elapsed, "rest", json_object_new_int64(c->elapsed_ms[0]));
  failed |= custapi__json_add(elapsed, "xmlrpc", json_object_new_int64(c->elapsed_ms[1]));
  failed |= custapi__json_add(o, "elapsed_ms", elapsed);
  failed |= custapi__json_add(
      o, "verdict", json_object_new_string(custapi_compare_agree(c) ? "agree" : "differ"));
  failed |= custapi__json_add(o, "outcomes",
                              pair_json(outcome_brief(&c->update_outcome[0], c->update[0]),
                                        outcome_brief(&c->update_outcome[1], c->update[1])));
  /* The touched properties, then every other one a difference or noise names. */
  json_object *list = json_object_new_array(), *others = json_object_new_array();
  const custapi_customer *touched = c->update_set;
  for (size_t i = 0; touched && i < custapi_customer_count(touched); i++)
    failed |= add_property(list, c, custapi_customer_at(touched, i)->name);
  for (size_t i = 0; i < c->difference_count; i++)
    if (c->differences[i].field)
      failed |= add_property(list, c, c->differences[i].field);
    else
      failed |= custapi__json_append(others, json_object_new_string(c->differences[i].message));
  for (size_t i = 0; i < c->noisy_count; i++)
    failed |= add_property(list, c, c->noisy[i].field);
  failed |= custapi__json_add(o, "properties", list);
  failed |= custapi__json_add(o, "other_differences", others);
  return as_line(out, custapi__json_built(o, failed));
}

int custapi_compare_failure_line(char **out, long line, int32_t id, const custapi_error *error) {
  assert(out && error);
  char at[32];
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "line", json_object_new_int64(line));
  failed |= custapi__json_add_if(o, "id", custapi_id_valid(id),
                                 custapi_id_valid(id) ? json_object_new_int(id) : NULL);
  failed |= custapi__json_add(o, "at", json_object_new_string(custapi__utc_now(at, sizeof at)));
  failed |= custapi__json_add(o, "verdict", json_object_new_string("failed"));
  failed |= custapi__json_add(o, "error", custapi__error_to_json_object(error));
  return as_line(out, custapi__json_built(o, failed));
}
