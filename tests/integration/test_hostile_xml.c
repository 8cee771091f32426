/*
 * Hostile XML-RPC answers (issue 12) against the custapi command, from a canned responder:
 * each of the reproduced attacks, answered to get, update, probe and bulk, ends in a protocol
 * error naming what the XML screen refused, never in a crash, a hang or a blow-up. Before the
 * screen, the <i8> answers crashed all four commands (SIGSEGV inside xmlrpc-c), the unclosed
 * elements overflowed xmlrpc-c's stack, and the UTF-16 entity bomb took 792 MB and 6 s.
 */
#include "canned.h"

#define RESPONSE(v)                                                                                \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value>" v                                \
  "</value></param></params></methodResponse>"

typedef struct attack {
  const char *name;
  char *body;
  size_t len;
  const char *refusal; /* in the error message */
} attack;

static char *repeat(const char *head, const char *unit, size_t times, size_t *len) {
  size_t h = strlen(head), u = strlen(unit);
  char *s = malloc(h + u * times + 1);
  ck_assert_ptr_nonnull(s);
  memcpy(s, head, h);
  for (size_t i = 0; i < times; i++)
    memcpy(s + h + i * u, unit, u);
  *len = h + u * times;
  s[*len] = '\0';
  return s;
}

/* ASCII text as UTF-16LE, with or without its byte-order mark. */
static char *utf16le(const char *ascii, int bom, size_t *len) {
  size_t n = strlen(ascii), o = 0;
  char *s = malloc(2 * n + 2);
  ck_assert_ptr_nonnull(s);
  if (bom)
    s[o++] = (char)0xFF, s[o++] = (char)0xFE;
  for (size_t i = 0; i < n; i++)
    s[o++] = ascii[i], s[o++] = '\0';
  *len = o;
  return s;
}

/* An entity bomb (6.8 MB expanded) that xmlrpc-c reads in UTF-16 as in UTF-8. */
#define BOMB                                                                                       \
  "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE methodResponse [\n"                      \
  "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"         \
  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"                                               \
  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"                                               \
  "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"                                               \
  "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"                                               \
  "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n]>\n"                                           \
  "<methodResponse><params><param><value><string>&f;</string></value></param></params>"            \
  "</methodResponse>"

enum { ATTACKS = 7 };

static attack make_attack(int i) {
  attack a = {0};
  switch (i) {
  case 0:
    a = (attack){"i8 overflow", strdup(RESPONSE("<i8>9223372036854775808</i8>")), 0,
                 "<i8> value out of range"};
    break;
  case 1:
    a = (attack){"i8 abc", strdup(RESPONSE("<i8>abc</i8>")), 0,
                 "<i8> value is not a decimal integer"};
    break;
  case 2: /* the reproduction: 200 000 unclosed elements, 600 KB */
    a.name = "200000 unclosed <a>";
    a.body = repeat("<?xml version=\"1.0\"?><methodResponse>", "<a>", 200000, &a.len);
    a.refusal = "an element XML-RPC does not have";
    break;
  case 3: /* the same depth in elements XML-RPC has, within the 1 MiB cap */
    a.name = "150000 unclosed XML-RPC elements";
    a.body = repeat("<?xml version=\"1.0\"?><methodResponse><params><param>",
                    "<value><array><data>", 50000, &a.len);
    a.refusal = "elements nested too deeply";
    break;
  case 4:
    a.name = "UTF-16 entity bomb with BOM";
    a.body = utf16le(BOMB, 1, &a.len);
    a.refusal = "UTF-16 byte-order mark";
    break;
  case 5:
    a.name = "UTF-16 entity bomb without BOM";
    a.body = utf16le(BOMB, 0, &a.len);
    a.refusal = "UTF-16 or UTF-32 text";
    break;
  default:
    a.name = "UTF-8 entity bomb";
    a.body = strdup(BOMB);
    a.refusal = "an encoding other than UTF-8";
    break;
  }
  if (!a.len)
    a.len = strlen(a.body);
  return a;
}

static const char *const commands[] = {"get", "update", "probe", "bulk"};

static char dir[64];

static cli_result run(const canned *k, const char *command) {
  const char *const env[] = {ITEST_KEY_ENV, NULL};
  char input[128], results[128];
  snprintf(input, sizeof input, "%s/in.jsonl", dir);
  snprintf(results, sizeof results, "%s/results", dir);
  unlink(results);
  const char *args[24] = {"--url",      k->url,   "--username", REFSERVER_TEST_USER,
                          "--protocol", "xmlrpc", "--retries",  "0",
                          "--timeout",  "20",     command};
  size_t n = 11;
  if (strcmp(command, "get") == 0 || strcmp(command, "update") == 0) {
    args[n++] = "--id";
    args[n++] = "7";
  }
  if (strcmp(command, "update") == 0)
    args[n++] = "sms_quota=9";
  if (strcmp(command, "bulk") == 0) {
    FILE *f = fopen(input, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"id\":7,\"sms_quota\":9}\n", f);
    fclose(f);
    args[n++] = "--input";
    args[n++] = input;
    args[n++] = "--results";
    args[n++] = results;
  }
  args[n] = NULL;
  return itest_run_cli(args, env);
}

/* One attack (_i / 4) answered to one command (_i % 4). */
START_TEST(hostile_answer_is_a_protocol_error) {
  attack a = make_attack(_i / 4);
  const char *command = commands[_i % 4];
  size_t head_len = 128;
  char *answer = malloc(head_len + a.len);
  ck_assert_ptr_nonnull(answer);
  int h =
      snprintf(answer, head_len,
               "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n\r\n", a.len);
  memcpy(answer + h, a.body, a.len);
  /* as many answers as the command could ask for (nothing is retried: --retries 0) */
  const char *const answers[] = {answer, answer, answer, NULL};
  const size_t lengths[] = {(size_t)h + a.len, (size_t)h + a.len, (size_t)h + a.len};
  canned k = canned_start_lengths(answers, lengths);
  cli_result r = run(&k, command);
  canned_stop(&k);
  /* bulk reports each failed line and ends "partial" (10); the others end "protocol" (9) */
  int want = strcmp(command, "bulk") == 0 ? 10 : 9;
  ck_assert_msg(r.status == want, "%s, %s: exit %d (want %d): %s", a.name, command, r.status, want,
                r.err);
  ck_assert_msg(strstr(r.err, "XML-RPC response refused") && strstr(r.err, a.refusal),
                "%s, %s: \"%s\" not in %s", a.name, command, a.refusal, r.err);
  for (const char *p = r.err; *p; p++) /* nothing of the answer echoed raw */
    ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "%s, %s: a control byte in %s", a.name,
                  command, r.err);
  itest_cli_free(&r);
  free(answer);
  free(a.body);
}
END_TEST

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/custapi-hostile-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/in.jsonl", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/results", dir);
  unlink(path);
  rmdir(dir);
}

static Suite *hostile_suite(void) {
  Suite *s = suite_create("hostile_xml");
  TCase *t = tcase_create("canned");
  tcase_add_checked_fixture(t, make_dir, remove_dir);
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, hostile_answer_is_a_protocol_error, 0, ATTACKS * 4);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return itest_main(hostile_suite); }
