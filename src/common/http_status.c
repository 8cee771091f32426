/* HTTP statuses: their reason phrases and their category in the error model (docs/errors.md). */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "http.h"

static const struct {
  int status;
  const char *phrase;
} phrases[] = {
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Entity"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *custapi__http_reason_phrase(int status) {
  for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
    if (phrases[i].status == status)
      return phrases[i].phrase;
  return NULL;
}

char *custapi__http_status_line(char *buf, size_t size, int status) {
  const char *phrase = custapi__http_reason_phrase(status);
  if (phrase)
    snprintf(buf, size, "HTTP %d %s", status, phrase);
  else
    snprintf(buf, size, "HTTP %d", status);
  return buf;
}

custapi_category custapi__http_status_category(int status) {
  if (status >= 200 && status < 300)
    return CUSTAPI_CATEGORY_OK;
  if (status == 401 || status == 403)
    return CUSTAPI_CATEGORY_AUTH;
  if (status == 404)
    return CUSTAPI_CATEGORY_NOT_FOUND;
  if (status == 429 || (status >= 500 && status < 600))
    return CUSTAPI_CATEGORY_SERVER;
  if (status >= 400 && status < 500)
    return CUSTAPI_CATEGORY_REJECTED; /* 400, 409, 422 and the other client errors */
  return CUSTAPI_CATEGORY_PROTOCOL;   /* 1xx, 3xx (redirects are not followed), nonsense */
}

int custapi__redirect_error(custapi_error *err, const custapi_http_response *r) {
  char line[64], where[300];
  custapi__http_status_line(line, sizeof line, r->status);
  if (r->location)
    custapi__quote(where, sizeof where, r->location, strlen(r->location), 200);
  int rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                              "%s: redirect to %s not followed (check the base URL)", line,
                              r->location ? where : "(no Location)");
  if (err)
    err->http_status = r->status;
  return rc;
}
