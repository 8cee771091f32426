/*
 * Append-only files of the gateway: the record (--record, one `bulk` line per update as
 * the install accepted) and the shadow report. Opened by gw_files.c, 0600; each line is one
 * write(2) on an O_APPEND descriptor, so lines from concurrent calls never interleave.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "json_util.h"

int gw_append_line(int fd, const char *text, size_t len) {
  char *line = custapi__malloc(len + 1);
  if (!line)
    return -1;
  memcpy(line, text, len);
  line[len] = '\n';
  ssize_t n;
  do
    n = write(fd, line, len + 1);
  while (n < 0 && errno == EINTR);
  custapi__free(line);
  return n == (ssize_t)(len + 1) ? 0 : -1;
}

const char *gw_authorization_token(const char *authorization) {
  if (!authorization)
    return NULL;
  const char *sp = strchr(authorization, ' ');
  if (!sp)
    return authorization;
  while (*sp == ' ')
    sp++;
  return *sp ? sp : authorization;
}

int gw_redacted_copy(custapi_customer **out, const custapi_customer *properties,
                     const char *authorization) {
  custapi_answer_ask ask = {0, NULL, NULL, NULL};
  int rc = custapi_customer_dup(out, properties);
  if (rc == 0 && (rc = custapi__answer_ask_from_header(&ask, authorization)) == 0)
    rc = custapi__answer_redact_customer(*out, &ask, NULL);
  custapi__answer_ask_clear(&ask);
  if (rc < 0) {
    custapi_customer_free(*out);
    *out = NULL;
  }
  return rc;
}

int gw_record_write(int fd, int32_t id, const custapi_customer *properties,
                    const char *authorization) {
  json_object *obj = json_object_new_object(), *members = NULL;
  custapi_customer *clean = NULL; /* a caller's own key never lands in the record */
  int rc = -1;
  if (obj && gw_redacted_copy(&clean, properties, authorization) == 0 &&
      json_object_object_add(obj, "id", json_object_new_int(id)) == 0 &&
      custapi__customer_to_json_object(&members, clean) == 0) {
    rc = 0;
    json_object_object_foreach(members, name, value) {
      if (json_object_object_add(obj, name, json_object_get(value)) != 0)
        rc = -1;
    }
  }
  json_object_put(members);
  custapi_customer_free(clean);
  size_t len = 0;
  char *text = rc == 0 ? custapi__json_to_string(obj, &len) : NULL;
  json_object_put(obj);
  rc = text ? gw_append_line(fd, text, len) : -1;
  custapi__free(text);
  return rc;
}
