/*
 * The fast path of JSON Lines records (src/client/record_fast.c) changes nothing but speed:
 * every input below is read twice, with the fast path and with json-c only, under each
 * combination of customer flags, and the two readings must agree record by record (status,
 * line, id, every field of the customer in order, or the error's category, property and
 * message). Each case also says whether the fast path takes its first line, so that a case
 * meant for the general reader can't silently become a fast one, or the other way round.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"
#include "record_fast.h"
#include "records.h"

typedef struct record_case {
  const char *input;
  size_t len; /* 0: strlen(input) */
  int fast;   /* 1 when the fast path takes the first line */
} record_case;

/* A long string is built for these in build_cases. */
static char many_members[80 * 1100], long_name[200], long_name_ok[200], most_members[80 * 70];

#define NUL_INPUT "{\"id\":1,\"name\":\"a\0b\"}\n"

static const record_case cases[] = {
    /* plain records */
    {"{\"id\":17,\"sms_quota\":5}\n", 0, 1},
    {"{\"id\":\"17\",\"name\":\"Ann\",\"country\":\"ZA\"}\n", 0, 1},
    {"{\"id\":42,\"sms_quota\":5,\"name\":\"Ann\",\"email\":\"ann/x@b.example\"}\n", 0, 1},
    {"{\"name\":\"id last\",\"id\":3}\n", 0, 1},
    {"{\"id\":1,\"country\":\"za\"}\n", 0, 1},
    {"{\"id\":1}\n", 0, 1},
    {"{\"id\":1,\"name\":\"\"}\n", 0, 1},
    {"{\"id\":1,\"name\":\" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}\"}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":0}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":-2147483648}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":\"5\"}\n", 0, 1},
    {"{\"id\":2147483647,\"email_quota\":2147483647}\n", 0, 1},
    /* member rules, worded alike */
    {"{\"id\":1,\"sms_quota\":2147483648}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":-2147483649}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":999999999999999999}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":-999999999999999999}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":\"05\"}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":\"2147483648\"}\n", 0, 1},
    {"{\"id\":1,\"sms_quota\":-1}\n", 0, 1},
    {"{\"id\":1,\"name\":5}\n", 0, 1},
    {"{\"id\":1,\"status\":\"maybe\"}\n", 0, 1},
    {"{\"id\":1,\"emial\":\"x\"}\n", 0, 1},
    {"{\"id\":1,\"favourite\":7}\n", 0, 1},
    {"{\"id\":1,\"favourite\":-7,\"a b\":\"c\"}\n", 0, 1},
    {"{\"id\":1,\"enterprise_id\":5}\n", 0, 1},
    {"{\"id\":1,\"enterprise_id\":\"x\",\"name\":\"Ann\"}\n", 0, 1},
    {"{\"id\":1,\"id_\":1}\n", 0, 1},
    /* the id */
    {"{\"id\":0}\n", 0, 1},
    {"{\"id\":-5}\n", 0, 1},
    {"{\"id\":2147483648}\n", 0, 1},
    {"{\"id\":999999999999999999}\n", 0, 1},
    {"{\"id\":\"007\"}\n", 0, 1},
    {"{\"id\":\"0\"}\n", 0, 1},
    {"{\"id\":\"-1\"}\n", 0, 1},
    {"{\"id\":\"\"}\n", 0, 1},
    {"{\"id\":\"12a\"}\n", 0, 1},
    {"{\"id\":\" 1\"}\n", 0, 1},
    {"{\"id\":\"2147483648\"}\n", 0, 1},
    {"{\"name\":\"x\"}\n", 0, 0},
    {"{}\n", 0, 0},
    {"{\"ID\":1}\n", 0, 0},
    {"{\"id\":true}\n", 0, 0},
    {"{\"id\":null,\"name\":\"x\"}\n", 0, 0},
    {"{\"id\":1.0}\n", 0, 0},
    {"{\"id\":[1]}\n", 0, 0},
    {"{\"id\":{\"id\":1}}\n", 0, 0},
    {"{\"id\":-0}\n", 0, 0},
    {"{\"id\":01}\n", 0, 0},
    {"{\"id\":+1}\n", 0, 0},
    {"{\"id\":\"\\u0031\"}\n", 0, 0},
    {"{\"\\u0069d\":1}\n", 0, 0},
    {"{\"id\":\"1\\u0000\"}\n", 0, 0},
    /* integers the fast path leaves to json-c and the checker */
    {"{\"id\":1,\"sms_quota\":-0}\n", 0, 0},
    {"{\"id\":1,\"favourite\":-0}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":007}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":+1}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":1.0}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":1.}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":.5}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":1e3}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":1E3}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":-}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":1000000000000000000}\n", 0, 0},
    {"{\"id\":1,\"favourite\":9223372036854775807}\n", 0, 0},
    {"{\"id\":1,\"favourite\":-9223372036854775808}\n", 0, 0},
    {"{\"id\":1,\"favourite\":9223372036854775808}\n", 0, 0},
    {"{\"id\":1,\"favourite\":99999999999999999999}\n", 0, 0},
    {"{\"id\":1000000000000000000}\n", 0, 0},
    {"{\"id\":1,\"sms_quota\":NaN}\n", 0, 0},
    /* other JSON types */
    {"{\"id\":1,\"name\":null}\n", 0, 0},
    {"{\"id\":1,\"status\":true}\n", 0, 0},
    {"{\"id\":1,\"favourite\":false}\n", 0, 0},
    {"{\"id\":1,\"enterprise_id\":null}\n", 0, 0},
    {"{\"id\":1,\"enterprise_id\":{\"a\":[1,2]}}\n", 0, 0},
    {"{\"id\":1,\"x\":{\"a\":1}}\n", 0, 0},
    {"{\"id\":1,\"x\":[]}\n", 0, 0},
    /* escapes, bytes beyond ASCII, control characters */
    {"{\"id\":1,\"name\":\"a\\\"b\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"\\u0041nn\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"a\\/b\"}\n", 0, 0},
    {"{\"id\":1,\"n\\u0061me\":\"Ann\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"\xc3\xa9l\xc3\xa8ve\"}\n", 0, 0},
    {"{\"id\":1,\"na\xc3\xafve\":\"x\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"\xff\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"\xed\xa0\x80\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"a\tb\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"a\x7f\"}\n", 0, 0},
    {"{\"id\":1,\"name\":\"a\x01\"}\n", 0, 0},
    {NUL_INPUT, sizeof NUL_INPUT - 1, 0},
    /* repeated names, however written */
    {"{\"id\":1,\"id\":2}\n", 0, 0},
    {"{\"id\":1,\"name\":\"a\",\"name\":\"b\"}\n", 0, 0},
    {"{\"id\":1,\"favourite\":\"a\",\"favourite\":1}\n", 0, 0},
    {"{\"id\":1,\"\\u006eame\":\"a\",\"name\":\"b\"}\n", 0, 0},
    /* names: empty, the longest taken here, one more, many members */
    {"{\"\":1,\"id\":1}\n", 0, 0},
    {long_name_ok, 0, 1},
    {long_name, 0, 0},
    {most_members, 0, 1},
    {many_members, 0, 0},
    /* white space and line ends */
    {" { \"id\" : 1 , \"name\" : \"a b\" } \n", 0, 1},
    {"\t{\t\"id\"\t:\t1\t}\t\n", 0, 1},
    {"{\"id\":1,\r\"name\":\"x\"\r}\r\r\n", 0, 1},
    {"{\"id\":1}\r\n{\"id\":2}\r\n", 0, 1},
    {"{\n", 0, 0},
    {"{\"id\":1,\"name\":\"x\"\f}\n", 0, 0},
    {"{\"id\":1,\"name\":\"x\"\v}\n", 0, 0},
    {"{\"id\":1}\xc2\xa0\n", 0, 0},
    {"\n \t\n{\"id\":1}\n\n", 0, 0},
    {"\r\n{\"id\":1}\n", 0, 0},
    /* a byte order mark: skipped at the start of the input, an error on any other line */
    {"\xEF\xBB\xBF{\"id\":1}\n", 0, 1},
    {"{\"id\":1}\n\xEF\xBB\xBF{\"id\":2}\n", 0, 1},
    /* syntax */
    {"{\"id\":1}x\n", 0, 0},
    {"{\"id\":1}}\n", 0, 0},
    {"{\"id\":1},\n", 0, 0},
    {"{\"id\":1} {\"id\":2}\n", 0, 0},
    {"{\"id\":1,}\n", 0, 0},
    {"{,\"id\":1}\n", 0, 0},
    {"{\"id\" 1}\n", 0, 0},
    {"{\"id\"::1}\n", 0, 0},
    {"{\"id\":1 \"name\":\"x\"}\n", 0, 0},
    {"{'id':1}\n", 0, 0},
    {"{id:1}\n", 0, 0},
    {"[{\"id\":1}]\n", 0, 0},
    {"\"id\"\n", 0, 0},
    {"1\n", 0, 0},
    {"null\n", 0, 0},
    {"not json\n", 0, 0},
    /* a line cut in the middle (the input ends there) */
    {"{\"id\":1,\"name\":\"An", 0, 0},
    {"{\"id\":1,\"na", 0, 0},
    {"{\"id\":1", 0, 0},
    {"{\"id\":", 0, 0},
    {"{\"id\"", 0, 0},
    {"{", 0, 0},
    {"{\"id\":1}", 0, 1},
    {"{\"id\":12,\"sms_quota\":3}\n{\"id\":1,\"name\":\"Ann", 0, 1},
};

static void build_cases(void) {
  char name[100];
  memset(name, 'n', 63);
  name[63] = '\0';
  snprintf(long_name_ok, sizeof long_name_ok, "{\"id\":1,\"%s\":\"x\"}\n", name);
  memset(name, 'n', 64);
  name[64] = '\0';
  snprintf(long_name, sizeof long_name, "{\"id\":1,\"%s\":\"x\"}\n", name);
  /* 64 members (the most the fast path takes), and 1001 (more than a customer may have) */
  size_t n = (size_t)sprintf(most_members, "{\"id\":1");
  for (int i = 1; i < RECORD_FAST_MAX_MEMBERS; i++)
    n += (size_t)sprintf(most_members + n, ",\"m%d\":%d", i, i);
  strcpy(most_members + n, "}\n");
  n = (size_t)sprintf(many_members, "{\"id\":1");
  for (int i = 1; i <= 1000; i++)
    n += (size_t)sprintf(many_members + n, ",\"m%d\":\"%d\"", i, i);
  strcpy(many_members + n, "}\n");
}

/* One record's outcome, copied out of the reader. */
typedef struct outcome {
  records_status status;
  long line;
  int32_t id;
  custapi_customer *customer;
  custapi_error err;
} outcome;

#define MAX_RECORDS 8

/* Reads every record of the input; returns how many outcomes (the last being the end). */
static size_t read_all(const record_case *rc, unsigned flags, int fast, outcome *out) {
  size_t len = rc->len ? rc->len : strlen(rc->input);
  FILE *in = fmemopen((void *)rc->input, len, "r");
  ck_assert_ptr_nonnull(in);
  custapi_records *reader;
  custapi_error err = CUSTAPI_ERROR_INIT;
  ck_assert_int_eq(custapi__records_new(&reader, in, CUSTAPI_BULK_JSONL, flags, &err), 0);
  custapi__records_set_fast_path(reader, fast);
  size_t n = 0;
  for (;;) {
    ck_assert_uint_lt(n, MAX_RECORDS);
    outcome *o = &out[n++];
    o->err = (custapi_error)CUSTAPI_ERROR_INIT;
    o->status = custapi__records_next(reader, &o->line, &o->id, &o->customer, &o->err);
    if (o->status == RECORDS_END || o->status == RECORDS_FATAL)
      break;
  }
  custapi__records_free(reader);
  fclose(in);
  return n;
}

static void same_customer(const custapi_customer *a, const custapi_customer *b, const char *at) {
  ck_assert_msg((a == NULL) == (b == NULL), "%s: a customer from one reader only", at);
  if (!a)
    return;
  ck_assert_msg(custapi_customer_count(a) == custapi_customer_count(b), "%s: %zu fields, %zu", at,
                custapi_customer_count(a), custapi_customer_count(b));
  for (size_t i = 0; i < custapi_customer_count(a); i++) {
    const custapi_field *x = custapi_customer_at(a, i), *y = custapi_customer_at(b, i);
    ck_assert_msg(strcmp(x->name, y->name) == 0, "%s: field %zu: %s, %s", at, i, x->name, y->name);
    ck_assert_msg(x->type == y->type, "%s: %s: type %d, %d", at, x->name, x->type, y->type);
    ck_assert_msg(x->integer == y->integer, "%s: %s: %lld, %lld", at, x->name,
                  (long long)x->integer, (long long)y->integer);
    ck_assert_msg((x->string == NULL) == (y->string == NULL), "%s: %s: string", at, x->name);
    if (x->string)
      ck_assert_msg(x->string_len == y->string_len &&
                        memcmp(x->string, y->string, x->string_len) == 0,
                    "%s: %s: \"%s\", \"%s\"", at, x->name, x->string, y->string);
  }
}

static void same_outcomes(const record_case *rc, unsigned flags) {
  outcome fast[MAX_RECORDS], slow[MAX_RECORDS];
  size_t nf = read_all(rc, flags, 1, fast), ns = read_all(rc, flags, 0, slow);
  char at[160];
  snprintf(at, sizeof at, "input %.100s (flags %u)", rc->input, flags);
  ck_assert_msg(nf == ns, "%s: %zu records, %zu", at, nf, ns);
  for (size_t i = 0; i < nf; i++) {
    const outcome *f = &fast[i], *s = &slow[i];
    ck_assert_msg(f->status == s->status, "%s: record %zu: status %d, %d (%s | %s)", at, i,
                  f->status, s->status, f->err.message, s->err.message);
    ck_assert_msg(f->line == s->line && f->id == s->id, "%s: line %ld id %d, line %ld id %d", at,
                  f->line, f->id, s->line, s->id);
    ck_assert_msg(f->err.category == s->err.category, "%s: category %d, %d", at, f->err.category,
                  s->err.category);
    ck_assert_msg(strcmp(f->err.property, s->err.property) == 0, "%s: property %s, %s", at,
                  f->err.property, s->err.property);
    ck_assert_msg(strcmp(f->err.message, s->err.message) == 0, "%s: \"%s\" vs \"%s\"", at,
                  f->err.message, s->err.message);
    same_customer(f->customer, s->customer, at);
    custapi_customer_free(f->customer);
    custapi_customer_free(s->customer);
  }
}

/* Whether the fast path takes the input's first line as the reader sees it: after a leading
 * byte order mark, without its LF and the CR before it. */
static int fast_takes_first_line(const record_case *rc) {
  size_t len = rc->len ? rc->len : strlen(rc->input);
  const char *text = rc->input;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    text += 3, len -= 3;
  const char *lf = memchr(text, '\n', len);
  size_t n = lf ? (size_t)(lf - text) : len;
  if (n && text[n - 1] == '\r')
    n--;
  char *line = malloc(n + 1);
  ck_assert_ptr_nonnull(line);
  memcpy(line, text, n);
  line[n] = '\0';
  record_fast rec;
  int took = custapi__record_fast_scan(&rec, line, n);
  free(line);
  return took;
}

START_TEST(fast_and_general_readers_agree) {
  build_cases();
  static const unsigned flags[] = {
      0, CUSTAPI_CUSTOMER_ALLOW_UNKNOWN, CUSTAPI_CUSTOMER_IGNORE_READ_ONLY,
      CUSTAPI_CUSTOMER_ALLOW_UNKNOWN | CUSTAPI_CUSTOMER_IGNORE_READ_ONLY};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ck_assert_msg(fast_takes_first_line(&cases[i]) == cases[i].fast, "case %zu (%.100s): fast %d",
                  i, cases[i].input, !cases[i].fast);
    for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
      same_outcomes(&cases[i], flags[f]);
  }
}
END_TEST

/* What the fast path reads, it reads as json-c does: the members in order, strings as written
 * (NUL-terminated in the line), integers exact to 18 digits. */
START_TEST(fast_scan_reads_members_in_place) {
  char line[] = " {\"id\" : \"17\",\"sms_quota\":-999999999999999999 ,\"name\":\"\"}\t";
  record_fast rec;
  ck_assert_int_eq(custapi__record_fast_scan(&rec, line, strlen(line)), 1);
  ck_assert_uint_eq(rec.count, 3);
  ck_assert_uint_eq(rec.id, 0);
  ck_assert_str_eq(rec.members[0].name, "id");
  ck_assert_int_eq(rec.members[0].value.type, json_type_string);
  ck_assert_str_eq(rec.members[0].value.text, "17");
  ck_assert_str_eq(rec.members[1].name, "sms_quota");
  ck_assert_int_eq(rec.members[1].value.type, json_type_int);
  ck_assert(rec.members[1].value.integer == -999999999999999999);
  ck_assert_uint_eq(rec.members[2].value.len, 0);
  ck_assert_str_eq(rec.members[2].value.text, "");
  /* a line declined is left as it was, for the general reader */
  char declined[] = "{\"id\":1,\"name\":\"x\",\"x\":true}";
  ck_assert_int_eq(custapi__record_fast_scan(&rec, declined, strlen(declined)), 0);
  ck_assert_str_eq(declined, "{\"id\":1,\"name\":\"x\",\"x\":true}");
}
END_TEST

int main(void) {
  Suite *s = suite_create("records_fast");
  TCase *t = tcase_create("agree");
  tcase_add_test(t, fast_and_general_readers_agree);
  tcase_add_test(t, fast_scan_reads_members_in_place);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
