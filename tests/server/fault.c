/* Fault modes: parsed strictly, so that a typo refuses to start instead of injecting nothing. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refserver.h"

typedef struct mode_info {
  const char *name;
  rs_fault_kind kind;
  int takes_arg; /* 1: "name:ARG" is required */
} mode_info;

static const mode_info modes[] = {
    {"http500", RS_FAULT_HTTP500, 0},   {"html500", RS_FAULT_HTML500, 0},
    {"http503", RS_FAULT_HTTP503, 0},   {"http429", RS_FAULT_HTTP429, 0},
    {"reset", RS_FAULT_RESET, 0},       {"delay", RS_FAULT_DELAY, 1},
    {"badjson", RS_FAULT_BADJSON, 0},   {"badxml", RS_FAULT_BADXML, 0},
    {"huge", RS_FAULT_HUGE, 0},         {"wrongshape", RS_FAULT_WRONGSHAPE, 0},
    {"xmlfault", RS_FAULT_XMLFAULT, 1}, {"redirect", RS_FAULT_REDIRECT, 0},
    {"doctype", RS_FAULT_DOCTYPE, 0},
};

const char *rs_fault_name(rs_fault_kind kind) {
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (modes[i].kind == kind)
      return modes[i].name;
  return "none";
}

/* A canonical decimal in [min, max]: no sign unless min < 0, no spaces, no leading zeros. */
static int parse_long(long *out, const char *s, size_t len, long min, long max) {
  char buf[32];
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  const char *digits = buf[0] == '-' ? buf + 1 : buf;
  if (*digits == '\0' || (digits[0] == '0' && digits[1] != '\0'))
    return -1;
  for (const char *p = digits; *p; p++)
    if (*p < '0' || *p > '9')
      return -1;
  errno = 0;
  long v = strtol(buf, NULL, 10);
  if (errno || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int rs_fault_parse(rs_fault *out, long *count, const char *text, char *why, size_t whylen) {
  const char *colon = strchr(text, ':');
  size_t name_len = colon ? (size_t)(colon - text) : strlen(text);
  const mode_info *m = NULL;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strlen(modes[i].name) == name_len && strncmp(modes[i].name, text, name_len) == 0)
      m = &modes[i];
  if (!m) {
    snprintf(why, whylen,
             "unknown fault mode '%.*s' (http500, html500, http503, http429, reset, delay:MS, "
             "badjson, badxml, huge, wrongshape, xmlfault:CODE, redirect, doctype)",
             (int)name_len, text);
    return -1;
  }
  out->kind = m->kind;
  out->arg = 0;
  const char *rest = colon ? colon + 1 : NULL;
  if (m->takes_arg) {
    if (!rest) {
      snprintf(why, whylen, "fault mode '%s' needs an argument: %s:%s", m->name, m->name,
               m->kind == RS_FAULT_DELAY ? "MS" : "CODE");
      return -1;
    }
    const char *next = strchr(rest, ':');
    size_t arg_len = next ? (size_t)(next - rest) : strlen(rest);
    long min = m->kind == RS_FAULT_DELAY ? 0 : INT_MIN,
         max = m->kind == RS_FAULT_DELAY ? 600000 : INT_MAX;
    if (parse_long(&out->arg, rest, arg_len, min, max) < 0) {
      snprintf(why, whylen, "fault mode '%s': bad %s '%.*s' (an integer%s)", m->name,
               m->kind == RS_FAULT_DELAY ? "delay" : "fault code", (int)arg_len, rest,
               m->kind == RS_FAULT_DELAY ? " of milliseconds, 0..600000" : "");
      return -1;
    }
    rest = next ? next + 1 : NULL;
  }
  if (count)
    *count = 0;
  if (rest) {
    long n;
    if (!count || parse_long(&n, rest, strlen(rest), 1, LONG_MAX) < 0) {
      snprintf(why, whylen, "fault '%s': bad %s '%s'", text, count ? "request count" : "suffix",
               rest);
      return -1;
    }
    *count = n;
  }
  return 0;
}
