/*
 * custapi report's view of one line (report_json.c): the line is checked by the library's
 * strict JSON checker, then cut into tokens in one pass, without an allocation per value, so
 * that a million lines take seconds (json-c's tree of each line took most of the time).
 */
#ifndef CUSTAPI_CLI_REPORT_JSON_H
#define CUSTAPI_CLI_REPORT_JSON_H

#include <stddef.h>
#include <stdint.h>

/* A value: kind '{', '[', '"' (string), '0' (number), 't', 'f' or 'n' (null). */
typedef struct rj_token {
  char kind;
  const char *text; /* the value as written (a string with its quotes) */
  size_t len;
  int size; /* members of an object, items of an array */
  int next; /* the index after this value and everything inside it */
} rj_token;

typedef struct rj_line {
  rj_token *tokens;
  int count, capacity;
  const char *problem; /* why the last rj_parse refused the line (static text) */
  char key[64];        /* the member holding the problem, or "" */
} rj_line;

/* 0 when text[0..len) is one JSON object (RFC 8259, as custapi__json_check), else -1 with
 * line->problem set; -2 when memory ran out. */
int rj_parse(rj_line *line, const char *text, size_t len);
void rj_free(rj_line *line);

/* The value of member `name` of object `obj` (the last when repeated), or -1. */
int rj_member(const rj_line *line, int obj, const char *name);
/* The items of an array: rj_item(line, array, -1) is the first; pass the last to get the next
 * (call it as many times as the array's size). */
int rj_item(const rj_line *line, int array, int previous);
/* 1 when the value at `index` is of that kind. */
int rj_is(const rj_line *line, int index, char kind);
/* A string's text, escapes decoded, into buf (cut to size); NULL when not a string. */
const char *rj_string(const rj_line *line, int index, char *buf, size_t size);
/* 1 and *out when the value is an integer (no fraction, no exponent) within 64 bits. */
int rj_int(const rj_line *line, int index, int64_t *out);

#endif
