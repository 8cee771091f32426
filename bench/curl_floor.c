/*
 * bench/curl_floor.c: the floor under `custapi bulk`, a bare libcurl multi loop sending the same
 * requests custapi sends (its captured method, headers and body; Basic authentication through
 * CURLOPT_USERNAME/PASSWORD like custapi), CONCURRENCY easy handles re-used, each answer's
 * status checked and its body kept in a buffer (custapi needs it to decode), nothing else: no
 * validation, encoding, decoding or results file. bench/run builds it with
 * `cc $(pkg-config --cflags --libs libcurl)`; it is not part of the meson project.
 *
 * REST requests go to /api/2.0/customers/ID with ids cycling over 1..IDS, as bench/run's
 * records do (the URL is set per request, as custapi sets it); XML-RPC requests all go to the
 * captured path with the captured body. The user comes from BENCH_USER, the key from
 * CUSTAPI_REFSERVER_KEY: never from argv. Prints "REQUESTS SECONDS ERRORS".
 *
 * usage: curl_floor METHOD HEADERS_FILE BODY_FILE BASE_URL PATH REQUESTS CONCURRENCY IDS
 *        (PATH "rest" means /api/2.0/customers/ID)
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strtok under -std=c11 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct handle {
  CURL *easy;
  char url[512];
  char body[4096]; /* the answer, as custapi keeps it */
  size_t body_len;
} handle;

static void die(const char *what) {
  fprintf(stderr, "curl_floor: %s\n", what);
  exit(2);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("can't open an input file");
  char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 > cap) {
      cap = cap ? cap * 2 : 8192;
      if (!(buf = realloc(buf, cap)))
        die("out of memory");
    }
    got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
  } while (got > 0);
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* The captured headers, one "Name: value" a line, as a curl list plus "Expect:" (custapi sends
 * no 100-continue either); authorization is custapi's CURLOPT_USERNAME/PASSWORD instead. */
static struct curl_slist *read_headers(const char *path) {
  size_t len;
  char *text = slurp(path, &len);
  struct curl_slist *list = NULL;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncasecmp(line, "authorization:", 14) == 0)
      continue;
    if (!(list = curl_slist_append(list, line)))
      die("out of memory");
  }
  if (!(list = curl_slist_append(list, "Expect:")))
    die("out of memory");
  free(text);
  return list;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  handle *h = userdata;
  size_t n = size * nmemb;
  if (h->body_len + n >= sizeof h->body)
    return 0;
  memcpy(h->body + h->body_len, data, n);
  h->body_len += n;
  return n;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 9)
    die("usage: curl_floor METHOD HEADERS_FILE BODY_FILE BASE_URL PATH REQUESTS CONCURRENCY IDS");
  const char *method = argv[1], *base = argv[4], *path = argv[5];
  long total = atol(argv[6]), conc = atol(argv[7]), ids = atol(argv[8]);
  const char *user = getenv("BENCH_USER"), *key = getenv("CUSTAPI_REFSERVER_KEY");
  if (!user || !key || total < 1 || conc < 1 || ids < 1)
    die("needs BENCH_USER, CUSTAPI_REFSERVER_KEY, REQUESTS, CONCURRENCY and IDS");
  int rest = strcmp(path, "rest") == 0;
  size_t body_len;
  char *body = slurp(argv[3], &body_len);
  struct curl_slist *headers = read_headers(argv[2]);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    die("curl_global_init failed");
  CURLM *multi = curl_multi_init();
  handle *hs = calloc((size_t)conc, sizeof *hs);
  if (!multi || !hs)
    die("out of memory");
  long sent = 0, done = 0, errors = 0;
  double start = now_s();
  for (long i = 0; i < conc; i++) {
    handle *h = &hs[i];
    if (!(h->easy = curl_easy_init()))
      die("curl_easy_init failed");
    curl_easy_setopt(h->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h->easy, CURLOPT_USERNAME, user);
    curl_easy_setopt(h->easy, CURLOPT_PASSWORD, key);
    curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->easy, CURLOPT_PRIVATE, h);
    if (strcmp(method, "POST") != 0)
      curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, method);
  }
  /* Starts the next request on handle h (URL and body set per request, as custapi does). */
#define START(h)                                                                                   \
  do {                                                                                             \
    if (rest)                                                                                      \
      snprintf((h)->url, sizeof (h)->url, "%s/api/2.0/customers/%ld", base, sent % ids + 1);       \
    else                                                                                           \
      snprintf((h)->url, sizeof (h)->url, "%s%s", base, path);                                     \
    (h)->body_len = 0;                                                                             \
    curl_easy_setopt((h)->easy, CURLOPT_URL, (h)->url);                                            \
    curl_easy_setopt((h)->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);                \
    curl_easy_setopt((h)->easy, CURLOPT_POSTFIELDS, body);                                         \
    curl_multi_add_handle(multi, (h)->easy);                                                       \
    sent++;                                                                                        \
  } while (0)
  for (long i = 0; i < conc && sent < total; i++)
    START(&hs[i]);
  while (done < total) {
    int running;
    if (curl_multi_perform(multi, &running) != CURLM_OK)
      die("curl_multi_perform failed");
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left))) {
      if (m->msg != CURLMSG_DONE)
        continue;
      CURL *e = m->easy_handle;
      CURLcode result = m->data.result;
      handle *h;
      long status = 0;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&h);
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(multi, e);
      done++;
      if (result != CURLE_OK || status != 200 || h->body_len == 0)
        errors++;
      if (sent < total)
        START(h);
    }
    if (done < total && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
      die("curl_multi_poll failed");
  }
  double seconds = now_s() - start;
  printf("%ld %.6f %ld\n", done, seconds, errors);
  for (long i = 0; i < conc; i++)
    curl_easy_cleanup(hs[i].easy);
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  curl_global_cleanup();
  free(hs);
  free(body);
  return 0;
}
