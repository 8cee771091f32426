#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const category_names[] = {
    "ok",        "differ", "usage",    "invalid",  "auth",    "not_found",
    "rejected",  "transport", "server", "protocol", "partial", "internal",
    "busy",
};

const char *custapi_category_name(custapi_category category) {
  if ((unsigned)category < sizeof category_names / sizeof category_names[0])
    return category_names[category];
  return "unknown";
}

/*
 * A caller's error has the fields of its version (0: the first layout, version 1) and no more:
 * the library writes those only, and never `version`. Version 1's fields are all there are
 * today; a field added in version 2 is written only when layout_of(err) >= 2.
 */
static unsigned layout_of(const custapi_error *err) { return err->version ? err->version : 1u; }

void custapi__error_note_maybe_applied(custapi_error *err) {
  static const char note[] = "; the update may have been applied (its request went out, its "
                             "answer did not come back): read the customer to know";
  if (!err || strstr(err->message, "may have been applied"))
    return; /* the codec said it already */
  size_t len = strlen(err->message), n = sizeof note - 1;
  if (len + n >= sizeof err->message)
    len = sizeof err->message - 1 - n; /* the note matters more than the end of the detail */
  memcpy(err->message + len, note, n + 1);
}

void custapi_error_clear(custapi_error *err) {
  if (!err || layout_of(err) < 1)
    return;
  err->category = CUSTAPI_CATEGORY_OK;
  err->http_status = 0;
  err->has_fault_code = 0;
  err->fault_code = 0;
  memset(err->property, 0, sizeof err->property);
  memset(err->message, 0, sizeof err->message);
}

static void one_line(char *s) {
  for (; *s; s++)
    if (*s == '\n' || *s == '\r' || *s == '\t')
      *s = ' ';
}

int custapi__error_set(custapi_error *err, custapi_category category, const char *property,
                       const char *fmt, ...) {
  if (err) {
    custapi_error_clear(err);
    err->category = category;
    if (property)
      snprintf(err->property, sizeof err->property, "%s", property);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    one_line(err->message);
  }
  return custapi__status_of(category);
}

int custapi__error_oom(custapi_error *err) {
  return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "out of memory");
}

int custapi__error_copy(custapi_error *dst, const custapi_error *src) {
  if (!src)
    return CUSTAPI_EINTERNAL;
  if (dst && dst != src && layout_of(dst) >= 1) {
    /* field by field: `dst` may be smaller than this library's custapi_error */
    dst->category = src->category;
    dst->http_status = src->http_status;
    dst->has_fault_code = src->has_fault_code;
    dst->fault_code = src->fault_code;
    memcpy(dst->property, src->property, sizeof dst->property);
    memcpy(dst->message, src->message, sizeof dst->message);
  }
  return custapi__status_of(src->category);
}

int custapi_error_copy(custapi_error *dst, const custapi_error *src) {
  return custapi__error_copy(dst, src);
}

char *custapi__quote(char *buf, size_t bufsize, const char *text, size_t len, size_t max) {
  size_t o = 0;
  if (bufsize < 8) {
    if (bufsize)
      buf[0] = '\0';
    return buf;
  }
  buf[o++] = '"';
  size_t i = 0;
  for (; i < len && i < max; i++) {
    unsigned char c = (unsigned char)text[i];
    /* Stop before a UTF-8 sequence that would not fit whole. */
    if (c >= 0xC0) {
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (i + need > max || i + need > len)
        break;
    }
    char esc[8];
    size_t n;
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      n = 2;
    } else if (c == '\n') {
      memcpy(esc, "\\n", 2);
      n = 2;
    } else if (c == '\t') {
      memcpy(esc, "\\t", 2);
      n = 2;
    } else if (c == '\r') {
      memcpy(esc, "\\r", 2);
      n = 2;
    } else if (c < 0x20 || c == 0x7F) {
      n = (size_t)snprintf(esc, sizeof esc, "\\x%02X", c);
    } else {
      esc[0] = (char)c;
      n = 1;
    }
    if (o + n + 5 >= bufsize)
      break;
    memcpy(buf + o, esc, n);
    o += n;
  }
  buf[o++] = '"';
  if (i < len && o + 3 < bufsize) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
  return buf;
}

void custapi__error_read_back_failed(custapi_error *err) {
  char message[CUSTAPI_ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "the update was applied, but reading it back failed: %.400s",
           err->message);
  memcpy(err->message, message, sizeof message);
}
