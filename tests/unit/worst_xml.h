/*
 * The costliest XML-RPC answers we can think of within the transport's 1 MiB cap, for the
 * bounded-work test (test_xmlrpc.c) and for measuring by hand (docs/security.md): each fills
 * the cap with what makes xmlrpc-c or our conversion work hardest while passing the screen
 * where it can (element count, depth, struct members with colliding or equal names, long
 * strings, character references, long numbers, base64, comments, attributes).
 */
#ifndef CUSTAPI_WORST_XML_H
#define CUSTAPI_WORST_XML_H

#include <stdio.h>
#include <string.h>

#define WORST_CAP (1024u * 1024u) /* the transport's default response cap */

#define WORST_HEAD "<?xml version=\"1.0\"?><methodResponse><params><param><value>"
#define WORST_TAIL "</value></param></params></methodResponse>"

typedef struct worst_buf {
  char *p;
  size_t len, cap;
} worst_buf;

static void worst_put(worst_buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n < b->cap) {
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
  }
}

/* Appends `unit` while the result, with `reserve` bytes after it, stays within WORST_CAP. */
static void worst_fill(worst_buf *b, const char *unit, size_t reserve) {
  size_t u = strlen(unit);
  while (b->len + u + reserve <= WORST_CAP)
    worst_put(b, unit);
}

/* A struct member name for i: 13 blocks of "Ez" or "FY", which collide in xmlrpc-c's hash. */
static void worst_colliding_name(char *out, unsigned i) {
  for (int k = 0; k < 13; k++)
    memcpy(out + 2 * k, (i >> k) & 1 ? "FY" : "Ez", 2);
  out[26] = '\0';
}

/* WORST_HEAD open, then `unit` as often as fits, then close WORST_TAIL. */
static void worst_filled(worst_buf *b, const char *open, const char *unit, const char *close) {
  worst_put(b, WORST_HEAD);
  worst_put(b, open);
  worst_fill(b, unit, strlen(close) + strlen(WORST_TAIL));
  worst_put(b, close);
  worst_put(b, WORST_TAIL);
}

#define WORST_CASES 12

/*
 * Case `which` into b (b->cap > WORST_CAP); its name in *name. Returns b->len (<= WORST_CAP).
 */
static size_t worst_case(worst_buf *b, int which, const char **name) {
  b->len = 0;
  b->p[0] = '\0';
  char unit[256];
  switch (which) {
  case 0:
    *name = "20000 elements (the limit), then a long string";
    worst_put(b, WORST_HEAD "<array><data>");
    for (int i = 0; i < 19993; i++)
      worst_put(b, "<value/>");
    worst_put(b, "<value>");
    worst_fill(b, "x", strlen("</value></data></array>" WORST_TAIL));
    worst_put(b, "</value></data></array>" WORST_TAIL);
    break;
  case 1:
    *name = "struct of 6665 members whose names collide in xmlrpc-c's hash";
    worst_put(b, WORST_HEAD "<struct>");
    for (unsigned i = 0; i < 6665; i++) {
      char n[32];
      worst_colliding_name(n, i);
      snprintf(unit, sizeof unit, "<member><name>%s</name><value/></member>", n);
      worst_put(b, unit);
    }
    worst_put(b, "</struct>" WORST_TAIL);
    break;
  case 2:
    *name = "struct of 4998 members of one name";
    worst_put(b, WORST_HEAD "<struct>");
    for (unsigned i = 0; i < 4998; i++)
      worst_put(b, "<member><name>a</name><value><i4>1</i4></value></member>");
    worst_put(b, "</struct>" WORST_TAIL);
    break;
  case 3:
    *name = "struct of 6665 distinct members, long names";
    worst_put(b, WORST_HEAD "<struct>");
    for (unsigned i = 0; i < 6665; i++) {
      snprintf(unit, sizeof unit, "<member><name>%0100u</name><value>v</value></member>", i);
      worst_put(b, unit);
    }
    worst_put(b, "</struct>" WORST_TAIL);
    break;
  case 4:
    *name = "one 1 MiB string";
    worst_filled(b, "<string>", "\xe4\xb8\xad", "</string>");
    break;
  case 5:
    *name = "one string of 131000 character references";
    worst_filled(b, "<string>", "&#xfffd;", "</string>");
    break;
  case 6:
    *name = "a struct member holding 1 MiB of CR LF (xmlrpc-c rewrites CRs)";
    worst_filled(b, "<struct><member><name>n</name><value>", "&#13;\r\n",
                 "</value></member></struct>");
    break;
  case 7:
    *name = "a <double> of 1 MiB of digits";
    worst_filled(b, "<struct><member><name>d</name><value><double>1.", "3",
                 "</double></value></member></struct>");
    break;
  case 8:
    *name = "a <base64> of 1 MiB";
    worst_filled(b, "<struct><member><name>b</name><value><base64>", "QUJD",
                 "</base64></value></member></struct>");
    break;
  case 9:
    *name = "19 nested arrays (the depth limit), 1 MiB of comments";
    worst_put(b, "<?xml version=\"1.0\"?><methodResponse><params><param>");
    for (int i = 0; i < 19; i++)
      worst_put(b, "<value><array><data>");
    worst_put(b, "<value>");
    worst_fill(b, "<!-- - -->", strlen("</value></param></params></methodResponse>") + 19 * 23);
    worst_put(b, "</value>");
    for (int i = 0; i < 19; i++)
      worst_put(b, "</data></array></value>");
    worst_put(b, "</param></params></methodResponse>");
    break;
  case 10:
    *name = "20000 elements of 4 attributes each";
    worst_put(b, WORST_HEAD "<array><data>");
    for (int i = 0; i < 19993; i++)
      worst_put(b, "<value a='&#65;' b='' c='' d=''/>");
    worst_put(b, "</data></array>" WORST_TAIL);
    break;
  default:
    *name = "9996 zero-padded <i4> values (20000 elements)";
    worst_put(b, WORST_HEAD "<array><data>");
    for (int i = 0; i < 9996; i++)
      worst_put(b,
                "<value><i4>+0000000000000000000000000000000000000000000000000000001</i4></value>");
    worst_put(b, "</data></array>" WORST_TAIL);
    break;
  }
  return b->len;
}

#endif
