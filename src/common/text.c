#include "text.h"

size_t text_decode(const unsigned char *s, size_t len, uint32_t *cp) {
  unsigned char c = s[0];
  size_t n;
  uint32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    *cp = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    *cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    *cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (len < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    *cp = (*cp << 6) | (s[i] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
    return 0;
  return n;
}

static int is_refused_control(uint32_t cp) {
  if (cp == '\t' || cp == '\n')
    return 0;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

text_problem text_check(const char *text, size_t len, size_t *offset, uint32_t *code_point) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t n = text_decode(s + i, len - i, &cp);
    text_problem problem = TEXT_OK;
    if (n == 0)
      problem = TEXT_INVALID_UTF8;
    else if (is_refused_control(cp))
      problem = TEXT_CONTROL;
    else if (cp > 0xFFFD)
      problem = TEXT_ABOVE_FFFD;
    if (problem != TEXT_OK) {
      *offset = i;
      *code_point = n ? cp : 0;
      return problem;
    }
    i += n;
  }
  return TEXT_OK;
}
