/*
 * A caller's header values, checked before anything of the call is used: a value holding a
 * control byte (CR, LF, NUL, DEL or any other C0 byte but TAB) is refused, since the caller's
 * Authorization, Content-Type and Accept go upstream as they came and a bare CR or LF there
 * would start a header the caller never had checked.
 */
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gw_internal.h"

static int has_control(const char *value, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)value[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return 1;
  }
  return 0;
}

typedef struct first_bad {
  const char *name;
} first_bad;

static enum MHD_Result look(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                            const char *value, size_t value_size) {
  (void)kind, (void)key_size;
  first_bad *found = cls;
  if (value && has_control(value, value_size)) {
    found->name = key;
    return MHD_NO; /* the first is enough */
  }
  return MHD_YES;
}

const char *gw_header_with_control(struct MHD_Connection *conn) {
  first_bad found = {NULL};
  /* value_size counts a NUL inside a value, which the C string would hide. */
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, look, &found);
  return found.name;
}
