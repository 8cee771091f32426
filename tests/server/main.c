/*
 * custapi-refserver: command line, the libmicrohttpd daemon, authentication, the capture file,
 * the access log and fault injection. The protocols live in rest.c and xmlrpc.c, storage in
 * store.c. See tests/server/README.md for the options and fault modes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "alloc.h"
#include "custapi_config.h"
#include "refserver.h"
#include "text.h"

#define MAX_FAULTS 16

typedef struct fault_slot {
  rs_fault fault;
  long remaining; /* requests left; unused when `forever` */
  int forever;
} fault_slot;

typedef struct config {
  const char *listen;
  const char *db;
  long seed;
  const char *port_file;
  const char *user;
  const char *key_file;
  const char *tls_cert;
  const char *tls_key;
  long threads;
  int quiet;
  const char *capture;
  int faults_allowed;
  fault_slot faults[MAX_FAULTS];
  size_t fault_count;
} config;

struct rs_server {
  config cfg;
  char *key;
  size_t key_len;
  rs_store *store;
  FILE *capture;
  pthread_mutex_t lock; /* the capture file and the fault counters */
  volatile sig_atomic_t stopping;
  int tls;
  char listen_host[64];
  unsigned port;
};

/* The body of one request, gathered across calls of the access handler. */
typedef struct request {
  char *body;
  size_t len, cap;
  int too_large;
} request;

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("custapi-refserver: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

/* ---------------------------------------------------------------------------------------
 * Authentication
 * ------------------------------------------------------------------------------------- */

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Strict base64 (padding required); returns the decoded length or -1. */
static long b64_decode(unsigned char *out, size_t outsize, const char *in) {
  size_t len = strlen(in), n = 0;
  if (len % 4 != 0)
    return -1;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      if (in[i + k] == '=' && i + 4 == len && k >= 2) {
        v[k] = 0;
        pad++;
      } else if (pad || (v[k] = b64_value((unsigned char)in[i + k])) < 0) {
        return -1;
      }
    }
    unsigned long triple = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                           ((unsigned long)v[2] << 6) | (unsigned long)v[3];
    for (int k = 0; k < 3 - pad; k++) {
      if (n >= outsize)
        return -1;
      out[n++] = (unsigned char)(triple >> (16 - 8 * k));
    }
  }
  return (long)n;
}

/* Compares in time that depends on the lengths only. */
static int same_secret(const char *a, size_t alen, const char *b, size_t blen) {
  unsigned char diff = alen != blen;
  size_t n = alen < blen ? alen : blen;
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

typedef enum auth_verdict { AUTH_MISSING, AUTH_INVALID, AUTH_VALID } auth_verdict;

static auth_verdict check_auth(const rs_server *srv, struct MHD_Connection *conn, char *user,
                               size_t usersize) {
  user[0] = '\0';
  const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  if (!h)
    return AUTH_MISSING;
  if (strncasecmp(h, "Basic ", 6) != 0)
    return AUTH_INVALID;
  const char *b64 = h + 6;
  while (*b64 == ' ')
    b64++;
  unsigned char decoded[1024];
  long n = b64_decode(decoded, sizeof decoded - 1, b64);
  if (n < 0)
    return AUTH_INVALID;
  decoded[n] = '\0';
  unsigned char *colon = memchr(decoded, ':', (size_t)n);
  if (!colon)
    return AUTH_INVALID;
  size_t ulen = (size_t)(colon - decoded);
  snprintf(user, usersize, "%.*s", (int)ulen, (const char *)decoded);
  int ok = same_secret((const char *)decoded, ulen, srv->cfg.user, strlen(srv->cfg.user)) &
           same_secret((const char *)colon + 1, (size_t)n - ulen - 1, srv->key, srv->key_len);
  custapi__wipe(decoded, sizeof decoded);
  return ok ? AUTH_VALID : AUTH_INVALID;
}

/* ---------------------------------------------------------------------------------------
 * The capture file: one JSON line per request received
 * ------------------------------------------------------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
  json_object *headers = cls;
  char name[256];
  size_t i = 0;
  for (; key[i] && i < sizeof name - 1; i++)
    name[i] = (char)((key[i] >= 'A' && key[i] <= 'Z') ? key[i] - 'A' + 'a' : key[i]);
  name[i] = '\0';
  if (strcmp(name, "authorization") == 0) {
    /* The key is never stored: keep the scheme only (the verdict is in "auth"). */
    const char *space = value ? strchr(value, ' ') : NULL;
    char redacted[64];
    snprintf(redacted, sizeof redacted, "%.*s [redacted]",
             space ? (int)(space - value) < 32 ? (int)(space - value) : 32 : 0, value ? value : "");
    json_object_object_add(headers, name, json_object_new_string(redacted));
    return MHD_YES;
  }
  json_object *old = json_object_object_get(headers, name);
  if (old) {
    /* a repeated header: joined as HTTP allows */
    char *joined = rs_strdupf("%s, %s", json_object_get_string(old), value ? value : "");
    if (joined)
      json_object_object_add(headers, name, json_object_new_string(joined));
    free(joined);
  } else {
    json_object_object_add(headers, name, json_object_new_string(value ? value : ""));
  }
  (void)kind;
  return MHD_YES;
}

/* The body as a JSON string: exact when it is UTF-8, else with U+FFFD for each bad byte. */
static json_object *body_string(const char *body, size_t len, int *valid) {
  *valid = 1;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = (unsigned char)body[i] < 0x80
                   ? 1
                   : custapi__text_decode((const unsigned char *)body + i, len - i, &cp);
    if (n == 0) {
      *valid = 0;
      break;
    }
    i += n;
  }
  if (*valid)
    return json_object_new_string_len(body ? body : "", (int)len);
  char *copy = malloc(len * 3 + 1);
  if (!copy)
    return json_object_new_string("");
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = (unsigned char)body[i] < 0x80
                   ? 1
                   : custapi__text_decode((const unsigned char *)body + i, len - i, &cp);
    if (n == 0) {
      memcpy(copy + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    } else {
      memcpy(copy + o, body + i, n);
      o += n;
      i += n;
    }
  }
  json_object *s = json_object_new_string_len(copy, (int)o);
  free(copy);
  return s;
}

static void capture(rs_server *srv, struct MHD_Connection *conn, const char *method,
                    const char *url, const request *rq, auth_verdict auth, const char *user) {
  if (!srv->capture)
    return;
  json_object *line = json_object_new_object(), *headers = json_object_new_object();
  json_object_object_add(line, "method", json_object_new_string(method));
  json_object_object_add(line, "path", json_object_new_string(url));
  MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, headers);
  json_object_object_add(line, "headers", headers);
  int valid;
  json_object_object_add(line, "body", body_string(rq->body, rq->len, &valid));
  if (!valid)
    json_object_object_add(line, "body_utf8", json_object_new_boolean(0));
  if (rq->too_large)
    json_object_object_add(line, "body_truncated", json_object_new_boolean(1));
  static const char *const verdicts[] = {"missing", "invalid", "valid"};
  json_object_object_add(line, "auth", json_object_new_string(verdicts[auth]));
  if (user[0])
    json_object_object_add(line, "user", json_object_new_string(user));
  const char *text =
      json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  pthread_mutex_lock(&srv->lock);
  fputs(text, srv->capture);
  fputc('\n', srv->capture);
  fflush(srv->capture);
  pthread_mutex_unlock(&srv->lock);
  json_object_put(line);
}

/* ---------------------------------------------------------------------------------------
 * Fault injection
 * ------------------------------------------------------------------------------------- */

/* The fault for this request: the header's (when allowed), else the next --fault in line. */
static int pick_fault(rs_server *srv, struct MHD_Connection *conn, rs_fault *out, char *why,
                      size_t whylen) {
  out->kind = RS_FAULT_NONE;
  const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Custapi-Fault");
  if (h && srv->cfg.faults_allowed)
    return rs_fault_parse(out, NULL, h, why, whylen);
  pthread_mutex_lock(&srv->lock);
  for (size_t i = 0; i < srv->cfg.fault_count; i++) {
    fault_slot *s = &srv->cfg.faults[i];
    if (s->forever || s->remaining > 0) {
      if (!s->forever)
        s->remaining--;
      *out = s->fault;
      break;
    }
  }
  pthread_mutex_unlock(&srv->lock);
  return 0;
}

typedef struct huge_body {
  const char *prefix, *suffix;
} huge_body;

static const huge_body huge_json = {"{\"links\":[],\"item\":{\"name\":\"", "\"}}"};
static const huge_body huge_xml = {
    "<?xml version=\"1.0\"?>\r\n<methodResponse><params><param><value><string>",
    "</string></value></param></params></methodResponse>\r\n"};

/* Streams the 64 MiB body piece by piece: never allocated whole. */
static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max) {
  const huge_body *h = cls;
  uint64_t plen = strlen(h->prefix), slen = strlen(h->suffix);
  size_t n = 0;
  while (n < max && pos < RS_HUGE_BYTES) {
    if (pos < plen)
      buf[n] = h->prefix[pos];
    else if (pos >= RS_HUGE_BYTES - slen)
      buf[n] = h->suffix[pos - (RS_HUGE_BYTES - slen)];
    else
      buf[n] = 'x';
    n++;
    pos++;
  }
  return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void reply_text(rs_reply *out, unsigned status, const char *type, const char *text) {
  out->status = status;
  out->content_type = type;
  out->body = strdup(text);
  out->len = out->body ? strlen(text) : 0;
}

static void sleep_ms(rs_server *srv, long ms) {
  while (ms > 0 && !srv->stopping) {
    long slice = ms < 50 ? ms : 50;
    struct timespec ts = {0, slice * 1000000L};
    nanosleep(&ts, NULL);
    ms -= slice;
  }
}

/*
 * Fills `out` with the fault's reply. Returns 1 when the reply is ready, 0 to go on normally
 * (delay), 2 for the streamed huge body (`*huge` set), -1 to reset the connection.
 */
static int fault_reply(rs_server *srv, const rs_fault *f, int xml, rs_reply *out,
                       const huge_body **huge, const char **extra_name, const char **extra_value) {
  switch (f->kind) {
  case RS_FAULT_NONE:
    return 0;
  case RS_FAULT_DELAY:
    sleep_ms(srv, f->arg);
    return 0;
  case RS_FAULT_RESET:
    return -1;
  case RS_FAULT_HTTP500:
    rs_rest_error(out, 500, "injected fault: http500");
    return 1;
  case RS_FAULT_HTML500:
    reply_text(out, 500, "text/html",
               "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
               "<body><h1>Internal Server Error</h1><p>The server encountered an internal "
               "error (injected fault: html500).</p></body></html>\n");
    return 1;
  case RS_FAULT_HTTP503:
  case RS_FAULT_HTTP429:
    rs_rest_error(out, f->kind == RS_FAULT_HTTP503 ? 503 : 429, "injected fault: %s",
                  rs_fault_name(f->kind));
    *extra_name = "Retry-After";
    *extra_value = "1";
    return 1;
  case RS_FAULT_BADJSON:
  case RS_FAULT_BADXML:
    if (xml)
      reply_text(out, 200, "text/xml",
                 "<?xml version=\"1.0\"?>\r\n<methodResponse><params><param><value><i4>4");
    else
      reply_text(out, 200, "application/json",
                 "{\"links\":[{\"title\":\"Customer\",\"rel\":\"self\",\"href\":\"http:\\/\\/");
    return 1;
  case RS_FAULT_HUGE:
    *huge = xml ? &huge_xml : &huge_json;
    return 2;
  case RS_FAULT_WRONGSHAPE:
    if (xml)
      reply_text(out, 200, "text/xml",
                 "<?xml version=\"1.0\"?>\r\n<methodResponse><params><param><value><string>"
                 "wrong shape</string></value></param></params></methodResponse>\r\n");
    else
      reply_text(out, 200, "application/json", "{\"foo\":1}");
    return 1;
  case RS_FAULT_XMLFAULT: {
    char message[64];
    snprintf(message, sizeof message, "injected fault: xmlfault:%ld", f->arg);
    rs_xmlrpc_fault(out, (int)f->arg, message);
    return 1;
  }
  case RS_FAULT_REDIRECT:
    reply_text(out, 302, "text/html", "<html><body>Moved to /elsewhere</body></html>\n");
    *extra_name = "Location";
    *extra_value = "/elsewhere";
    return 1;
  case RS_FAULT_DOCTYPE:
    reply_text(out, 200, "text/xml",
               "<?xml version=\"1.0\"?>\r\n<!DOCTYPE methodResponse [<!ENTITY a \"aaaaaaaaaa\">"
               "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\r\n<methodResponse><params>"
               "<param><value><string>&b;</string></value></param></params></methodResponse>"
               "\r\n");
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------------------- */

static void log_line(const rs_server *srv, struct MHD_Connection *conn, const char *method,
                     const char *url, unsigned status, uint64_t bytes, const char *note) {
  if (srv->cfg.quiet)
    return;
  char ip[INET6_ADDRSTRLEN] = "-";
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip, sizeof ip);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip,
                sizeof ip);
  }
  char path[256];
  size_t i = 0;
  for (; url[i] && i < sizeof path - 1; i++)
    path[i] = (unsigned char)url[i] < 0x20 || url[i] == 0x7f ? '?' : url[i];
  path[i] = '\0';
  if (status)
    fprintf(stderr, "custapi-refserver: %s \"%s %s\" %u %llu%s%s\n", ip, method, path, status,
            (unsigned long long)bytes, note ? " " : "", note ? note : "");
  else
    fprintf(stderr, "custapi-refserver: %s \"%s %s\" - %s\n", ip, method, path, note ? note : "");
}

static enum MHD_Result queue(rs_server *srv, struct MHD_Connection *conn, const char *method,
                             const char *url, rs_reply *r, const char *extra_name,
                             const char *extra_value, const char *note) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"",
                                      r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    free(r->body);
    return MHD_NO;
  }
  if (r->content_type)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  if (r->allow)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
  if (r->www_auth)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_auth);
  if (extra_name)
    MHD_add_response_header(resp, extra_name, extra_value);
  enum MHD_Result ok = MHD_queue_response(conn, r->status, resp);
  MHD_destroy_response(resp);
  log_line(srv, conn, method, url, r->status, r->len, note);
  return ok;
}

/* "http://HOST" as the client addressed us, for the links of REST responses. */
static void base_url(const rs_server *srv, struct MHD_Connection *conn, char *out, size_t size) {
  const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
  int usable = host && *host && strlen(host) < 200;
  for (const char *p = host; usable && *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p))
      usable = 0;
  if (usable)
    snprintf(out, size, "%s://%s", srv->tls ? "https" : "http", host);
  else
    snprintf(out, size, "%s://%s:%u", srv->tls ? "https" : "http", srv->listen_host, srv->port);
}

static int is_xmlrpc_path(const char *url) {
  return strcmp(url, "/api/2.0/xmlrpc/") == 0 || strcmp(url, "/api/2.0/xmlrpc") == 0;
}

static enum MHD_Result respond(rs_server *srv, struct MHD_Connection *conn, const char *url,
                               const char *method, request *rq) {
  char user[128];
  auth_verdict auth = check_auth(srv, conn, user, sizeof user);
  capture(srv, conn, method, url, rq, auth, user);

  int xml = is_xmlrpc_path(url);
  rs_reply r = {0};
  const char *extra_name = NULL, *extra_value = NULL;

  rs_fault fault;
  char why[300];
  if (pick_fault(srv, conn, &fault, why, sizeof why) < 0) {
    rs_rest_error(&r, 400, "X-Custapi-Fault: %s", why);
    return queue(srv, conn, method, url, &r, NULL, NULL, NULL);
  }
  const huge_body *huge = NULL;
  int f = fault_reply(srv, &fault, xml, &r, &huge, &extra_name, &extra_value);
  const char *note = fault.kind != RS_FAULT_NONE ? rs_fault_name(fault.kind) : NULL;
  if (f < 0) {
    log_line(srv, conn, method, url, 0, 0, "reset (injected)");
    return MHD_NO;
  }
  if (f == 2) {
    struct MHD_Response *resp = MHD_create_response_from_callback(RS_HUGE_BYTES, 64 * 1024,
                                                                  huge_reader, (void *)huge, NULL);
    if (!resp)
      return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            xml ? "text/xml" : "application/json");
    enum MHD_Result ok = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    log_line(srv, conn, method, url, 200, RS_HUGE_BYTES, note);
    return ok;
  }
  if (f == 1)
    return queue(srv, conn, method, url, &r, extra_name, extra_value, note);

  if (auth != AUTH_VALID) {
    rs_rest_error(&r, 401,
                  auth == AUTH_MISSING ? "authentication required (HTTP Basic)"
                                       : "invalid credentials");
    r.www_auth = "Basic realm=\"custapi-refserver\", charset=\"UTF-8\"";
  } else if (rq->too_large) {
    rs_rest_error(&r, 413, "request body larger than %zu bytes", RS_MAX_BODY);
  } else if (xml) {
    if (strcmp(method, "POST") == 0) {
      rs_xmlrpc_handle(&r, srv->store, rq->body ? rq->body : "", rq->len);
    } else {
      rs_rest_error(&r, 405, "method %s not allowed here (POST)", method);
      r.allow = "POST";
    }
  } else if (strncmp(url, "/api/2.0", 8) == 0) {
    char base[256];
    base_url(srv, conn, base, sizeof base);
    rs_rest_handle(&r, srv->store, method, url, base, rq->body ? rq->body : "", rq->len);
  } else {
    rs_rest_error(&r, 404, "no such resource");
  }
  return queue(srv, conn, method, url, &r, NULL, NULL, note);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)version;
  rs_server *srv = cls;
  request *rq = *con_cls;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq)
      return MHD_NO;
    *con_cls = rq;
    return MHD_YES;
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (rq->too_large || rq->len + n > RS_MAX_BODY) {
      rq->too_large = 1; /* drained, not kept */
      return MHD_YES;
    }
    if (rq->len + n + 1 > rq->cap) {
      size_t cap = (rq->len + n + 1) * 2;
      char *grown = realloc(rq->body, cap);
      if (!grown)
        return MHD_NO;
      rq->body = grown;
      rq->cap = cap;
    }
    memcpy(rq->body + rq->len, upload_data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return MHD_YES;
  }
  return respond(srv, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)conn, (void)toe;
  request *rq = *con_cls;
  if (rq) {
    free(rq->body);
    free(rq);
  }
  *con_cls = NULL;
}

/* ---------------------------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------------------------- */

static const char usage[] =
    "usage: custapi-refserver [--listen HOST:PORT] [--db FILE] [--seed N] [--port-file FILE]\n"
    "         [--user NAME] [--key-file FILE] [--tls-cert FILE --tls-key FILE] [--threads N]\n"
    "         [--quiet] [--capture FILE] [--fault MODE[:N]]... [--faults-allowed]\n"
    "         [--diverge MODE]... [--bare-methods] [--answer-as-php]\n"
    "\n"
    "A local double of an API 2.0 install: customers over REST and XML-RPC on one port.\n"
    "\n"
    "  --listen HOST:PORT    default 127.0.0.1:8080; port 0 picks a free one\n"
    "  --port-file FILE      write the port there once listening\n"
    "  --db FILE             SQLite database (default :memory:); a file survives restarts\n"
    "  --seed N              customers 1..N created in an empty database (default 100)\n"
    "  --user NAME           the Basic user name (default demo)\n"
    "  --key-file FILE       the API key (else CUSTAPI_REFSERVER_KEY; never on the command line)\n"
    "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
    "  --threads N           0: a thread per connection (default); N: a pool of N\n"
    "  --quiet               no access log on stderr\n"
    "  --capture FILE        one JSON line per request received (credentials redacted)\n"
    "  --fault MODE[:N]      inject MODE into the first N requests (all without N); repeatable\n"
    "  --faults-allowed      honour the header X-Custapi-Fault: MODE on each request\n"
    "  --diverge MODE        make one protocol behave unlike the other; repeatable\n"
    "  --bare-methods        only the bare XML-RPC names UpdateCustomer and GetCustomer\n"
    "  --answer-as-php       every XML-RPC answer as PHP's xmlrpc extension writes it:\n"
    "                        ISO-8859-1 declared, each byte of a non-ASCII character a reference\n"
    "  -h, --help            this text\n"
    "  --version             the version (the custapi release it comes with)\n"
    "\n"
    "Fault modes: http500 html500 http503 http429 reset delay:MS badjson badxml huge\n"
    "             wrongshape xmlfault:CODE redirect doctype\n"
    "Divergence: xmlrpc-drops:PROP rest-drops:PROP xmlrpc-reads:FIELD=TEXT\n"
    "            rest-reads:FIELD=TEXT xmlrpc-refuses:PROP rest-refuses:PROP\n"
    "            reads-fail-after:N\n"
    "See custapi-refserver(1).\n";

static long parse_number(const char *opt, const char *text, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < min || v > max || text[0] == ' ' || text[0] == '+')
    die_usage("%s: not an integer in %ld..%ld: '%s'", opt, min, max, text);
  return v;
}

static void parse_args(config *cfg, int argc, char **argv) {
  *cfg = (config){.listen = "127.0.0.1:8080", .db = ":memory:", .seed = 100, .user = "demo"};
  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    const char *value = NULL;
    char name[64];
    char *eq = strchr(arg, '=');
    if (strncmp(arg, "--", 2) == 0 && eq && (size_t)(eq - arg) < sizeof name) {
      snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", arg);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
      fputs(usage, stdout);
      exit(0);
    }
    if (strcmp(name, "--version") == 0) {
      if (value)
        die_usage("%s takes no value", name);
      /* The same line as custapi --version: the server is built and released with it. */
      printf("custapi-refserver %s\n", CUSTAPI_VERSION);
      exit(0);
    }
    if (strcmp(name, "--quiet") == 0 || strcmp(name, "--faults-allowed") == 0 ||
        strcmp(name, "--bare-methods") == 0 || strcmp(name, "--answer-as-php") == 0) {
      if (value)
        die_usage("%s takes no value", name);
      if (name[2] == 'q')
        cfg->quiet = 1;
      else if (name[2] == 'f')
        cfg->faults_allowed = 1;
      else if (name[2] == 'a')
        rs_xmlrpc_answer_as_php();
      else
        rs_xmlrpc_bare_methods_only();
      continue;
    }
    static const char *const with_value[] = {
        "--listen",  "--db",      "--seed",    "--port-file", "--user", "--key-file", "--tls-cert",
        "--tls-key", "--threads", "--capture", "--fault",     "--key",  "--diverge", NULL};
    int known = 0;
    for (const char *const *w = with_value; *w; w++)
      known |= strcmp(*w, name) == 0;
    if (!known)
      die_usage("unknown option '%s'\n%s", name, usage);
    if (strcmp(name, "--key") == 0)
      die_usage("the key is never taken from the command line: use CUSTAPI_REFSERVER_KEY or "
                "--key-file");
    if (!value) {
      if (i + 1 >= argc)
        die_usage("%s needs a value", name);
      value = argv[++i];
    }
    if (strcmp(name, "--listen") == 0)
      cfg->listen = value;
    else if (strcmp(name, "--db") == 0)
      cfg->db = value;
    else if (strcmp(name, "--seed") == 0)
      cfg->seed = parse_number(name, value, 0, 10000000);
    else if (strcmp(name, "--port-file") == 0)
      cfg->port_file = value;
    else if (strcmp(name, "--user") == 0)
      cfg->user = value;
    else if (strcmp(name, "--key-file") == 0)
      cfg->key_file = value;
    else if (strcmp(name, "--tls-cert") == 0)
      cfg->tls_cert = value;
    else if (strcmp(name, "--tls-key") == 0)
      cfg->tls_key = value;
    else if (strcmp(name, "--threads") == 0)
      cfg->threads = parse_number(name, value, 0, 1024);
    else if (strcmp(name, "--capture") == 0)
      cfg->capture = value;
    else if (strcmp(name, "--diverge") == 0) {
      char why[400];
      if (rs_diverge_parse(value, why, sizeof why) < 0)
        die_usage("--diverge: %s", why);
    } else if (strcmp(name, "--fault") == 0) {
      if (cfg->fault_count == MAX_FAULTS)
        die_usage("--fault: at most %d faults", MAX_FAULTS);
      fault_slot *s = &cfg->faults[cfg->fault_count++];
      char why[300];
      if (rs_fault_parse(&s->fault, &s->remaining, value, why, sizeof why) < 0)
        die_usage("--fault: %s", why);
      s->forever = s->remaining == 0;
    }
  }
  if (!!cfg->tls_cert != !!cfg->tls_key)
    die_usage("--tls-cert and --tls-key go together");
  if (strchr(cfg->user, ':') || !cfg->user[0])
    die_usage("--user: must be non-empty and contain no ':'");
}

/* The whole file in a NUL-terminated buffer, or NULL with errno set. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n + 1 < cap)
      break;
    char *grown = cap > ((size_t)16 << 20) ? NULL : realloc(buf, cap * 2);
    if (!grown) {
      free(buf);
      buf = NULL;
      errno = EFBIG;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  int failed = ferror(f);
  fclose(f);
  if (buf && failed) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  if (buf) {
    buf[n] = '\0';
    if (len)
      *len = n;
  }
  return buf;
}

static void load_key(rs_server *srv) {
  const config *cfg = &srv->cfg;
  if (cfg->key_file) {
    size_t len;
    srv->key = read_file(cfg->key_file, &len);
    if (!srv->key)
      die_usage("--key-file %s: %s", cfg->key_file, strerror(errno));
    srv->key_len = strcspn(srv->key, "\r\n"); /* the first line */
    srv->key[srv->key_len] = '\0';
  } else {
    const char *env = getenv("CUSTAPI_REFSERVER_KEY");
    if (!env || !*env)
      die_usage("no API key: set CUSTAPI_REFSERVER_KEY or pass --key-file FILE (there is no "
                "default key)");
    srv->key = strdup(env);
    if (!srv->key)
      die_usage("out of memory");
    srv->key_len = strlen(srv->key);
  }
  if (srv->key_len == 0)
    die_usage("the API key is empty");
}

typedef union listen_addr {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} listen_addr;

static void parse_listen(rs_server *srv, listen_addr *addr) {
  const char *text = srv->cfg.listen;
  const char *colon = strrchr(text, ':');
  if (!colon)
    die_usage("--listen: expected HOST:PORT, got '%s'", text);
  char host[64];
  size_t hlen = (size_t)(colon - text);
  int v6 = hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']';
  if (v6)
    snprintf(host, sizeof host, "%.*s", (int)(hlen - 2), text + 1);
  else
    snprintf(host, sizeof host, "%.*s", (int)hlen, text);
  if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");
  long port = parse_number("--listen port", colon + 1, 0, 65535);
  memset(addr, 0, sizeof *addr);
  if (v6) {
    addr->v6.sin6_family = AF_INET6;
    addr->v6.sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &addr->v6.sin6_addr) != 1)
      die_usage("--listen: not an IPv6 address: '%s'", host);
  } else {
    addr->v4.sin_family = AF_INET;
    addr->v4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr->v4.sin_addr) != 1)
      die_usage("--listen: not an IPv4 address (or localhost, or [IPv6]): '%s'", host);
  }
  snprintf(srv->listen_host, sizeof srv->listen_host, v6 ? "[%s]" : "%s", host);
}

static int write_port_file(const char *path, unsigned port) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return -1;
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  int bad = fprintf(f, "%u\n", port) < 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

static struct MHD_Daemon *start_daemon(rs_server *srv, listen_addr *addr, char *cert, char *key) {
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (srv->cfg.quiet ? 0 : MHD_USE_ERROR_LOG);
  if (addr->sa.sa_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (srv->cfg.threads == 0)
    flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
  else
    flags |= MHD_USE_AUTO;
  if (cert)
    flags |= MHD_USE_TLS;
  struct MHD_OptionItem ops[8];
  size_t n = 0;
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, addr};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL};
  if (srv->cfg.threads > 1)
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads, NULL};
  if (cert) {
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
  }
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, ops,
                          MHD_OPTION_END);
}

int main(int argc, char **argv) {
  rs_server srv = {0};
  parse_args(&srv.cfg, argc, argv);
  load_key(&srv);
  listen_addr addr;
  parse_listen(&srv, &addr);

  char *cert = NULL, *tls_key = NULL;
  if (srv.cfg.tls_cert) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
      die_usage("this libmicrohttpd was built without TLS support");
    if (!(cert = read_file(srv.cfg.tls_cert, NULL)))
      die_usage("--tls-cert %s: %s", srv.cfg.tls_cert, strerror(errno));
    if (!(tls_key = read_file(srv.cfg.tls_key, NULL)))
      die_usage("--tls-key %s: %s", srv.cfg.tls_key, strerror(errno));
    srv.tls = 1;
  }

  int status = 1;
  char why[512];
  pthread_mutex_init(&srv.lock, NULL);
  rs_xmlrpc_init();
  signal(SIGPIPE, SIG_IGN);
  /* Every thread inherits the mask; the main thread alone waits for the signals. */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  struct MHD_Daemon *daemon = NULL;
  if (srv.cfg.capture && !(srv.capture = fopen(srv.cfg.capture, "a"))) {
    fprintf(stderr, "custapi-refserver: --capture %s: %s\n", srv.cfg.capture, strerror(errno));
    goto out;
  }
  if (rs_store_open(&srv.store, srv.cfg.db, (int)srv.cfg.seed, why, sizeof why) < 0) {
    fprintf(stderr, "custapi-refserver: --db %s: %s\n", srv.cfg.db, why);
    goto out;
  }
  daemon = start_daemon(&srv, &addr, cert, tls_key);
  if (!daemon) {
    fprintf(stderr,
            "custapi-refserver: can't listen on %s (address in use, or TLS files "
            "invalid)\n",
            srv.cfg.listen);
    goto out;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
  srv.port = info ? info->port : 0;
  if (srv.cfg.port_file && write_port_file(srv.cfg.port_file, srv.port) < 0) {
    fprintf(stderr, "custapi-refserver: --port-file %s: %s\n", srv.cfg.port_file, strerror(errno));
    goto out;
  }
  if (!srv.cfg.quiet)
    fprintf(stderr, "custapi-refserver: listening on %s://%s:%u (user %s)\n",
            srv.tls ? "https" : "http", srv.listen_host, srv.port, srv.cfg.user);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0)
    ;
  if (!srv.cfg.quiet)
    fprintf(stderr, "custapi-refserver: signal %d, shutting down\n", sig);
  status = 0;

out:
  srv.stopping = 1;
  if (daemon)
    MHD_stop_daemon(daemon);
  rs_store_close(srv.store);
  if (srv.capture)
    fclose(srv.capture);
  pthread_mutex_destroy(&srv.lock);
  custapi__wipe(srv.key, srv.key_len);
  free(srv.key);
  if (tls_key)
    custapi__wipe(tls_key, strlen(tls_key));
  free(tls_key);
  free(cert);
  return status;
}
