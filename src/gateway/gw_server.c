/*
 * The gateway's front: libmicrohttpd in external mode with epoll and suspend/resume, served by
 * the client's own loop (caller.h's transport: libmicrohttpd's epoll descriptor is polled with
 * libcurl's sockets, MHD_run after each turn). One thread, one transport (one connection cache)
 * for every caller. A call that goes upstream suspends its connection; the answer resumes it.
 * Each suspended connection is answered by its upstream deadline at the latest; a caller whose
 * request is not in within --caller-timeout loses its connection, however it drips.
 * SIGINT/SIGTERM: stop accepting, answer the calls in flight, give the shadow reads
 * --stop-grace more, say what was dropped, print the summary, return 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"
#include "text.h"

typedef struct conn conn;

typedef struct server {
  gw_ctx ctx;
  struct MHD_Daemon *daemon;
  int signal_fd;
  int stop_signal;   /* the first one taken, 0 until then */
  int stopped_twice; /* a second signal: end now */
  long in_flight;    /* requests begun and not yet completed */
  uint64_t last_sweep_ms;
  uint64_t grace_until_ms; /* once stopping and no call is in flight */
  conn *conns;
  unsigned conn_count;
  gw_metrics_server *metrics; /* --metrics, or NULL */
} server;

/* One caller connection: when its current request began, for --caller-timeout. */
struct conn {
  conn *prev, *next;
  int fd;
  uint64_t since_ms;
  int waiting; /* suspended while its call is upstream: the upstream deadline bounds it */
};

typedef enum job_state { RECEIVING, UPSTREAM, READY, ANSWERED } job_state;

/* One request on a connection. */
typedef struct job {
  server *srv;
  struct MHD_Connection *mhd;
  conn *conn;
  char *uri; /* as sent, query included */
  char *body;
  size_t len, cap;
  int too_large;
  int seen; /* the first call (headers only) has been made */
  job_state state;
  gw_op *op; /* while upstream */
  gw_reply reply;
  uint64_t start_ms;
} job;

/* ---- configuration ---- */

size_t gw_default_max_body(void) { return CUSTAPI_DEFAULT_MAX_RESPONSE_BYTES; }

int gw_config_check(const gw_config *cfg, custapi_error *err) {
  gw_listen_addr addr;
  int loopback = 0;
  int rc = gw_listen_parse(&addr, &loopback, cfg->listen, "--listen", err);
  if (rc < 0)
    return rc;
  if (!loopback && !cfg->allow_remote)
    return custapi__error_set(
        err, CUSTAPI_CATEGORY_USAGE, NULL,
        "--listen %s is not a loopback address: callers' credentials would cross the network "
        "(use --tls-cert/--tls-key, and --allow-remote to accept that)",
        cfg->listen);
  if (!cfg->tls_cert != !cfg->tls_key)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--tls-cert and --tls-key go together");
  if (cfg->shadow != (cfg->report != NULL))
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--shadow and --report FILE go together");
  if (custapi_validate_mode_as_given(cfg->mode, "the gateway", err) < 0)
    return CUSTAPI_EUSAGE;
  if (cfg->shadow && cfg->shadow_queue == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--shadow-queue must be at least 1");
  if (cfg->record && cfg->report && strcmp(cfg->record, cfg->report) == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--record and --report must be different files");
  return gw_files_check(cfg, err);
}

/* ---- libmicrohttpd callbacks ---- */

/* The raw URI, query included, before libmicrohttpd splits it: pass-through sends it as is. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
  server *srv = cls;
  job *rq = custapi__calloc(1, sizeof *rq);
  if (!rq)
    return NULL;
  rq->srv = srv;
  rq->mhd = c;
  rq->uri = custapi__strdup(uri ? uri : "/");
  rq->start_ms = custapi__now_ms();
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  rq->conn = ci ? ci->socket_context : NULL;
  srv->in_flight++;
  return rq;
}

static void log_call(const server *srv, const job *rq, const char *method, const char *path,
                     const gw_reply *reply) {
  if (!srv->ctx.cfg->verbose)
    return;
  /* The path only: a query might carry a token. Never a header. What the caller sent (the
   * method, the decoded path, a note quoting it) is shown escaped, as a server's answer is. */
  const char *note = reply->note[0] ? reply->note : "answered";
  fputs("custapi: gateway: ", stderr);
  custapi__text_put_visible(stderr, method, strlen(method));
  fputc(' ', stderr);
  custapi__text_put_visible(stderr, path, strnlen(path, 200));
  fprintf(stderr, " -> %d (", reply->status);
  custapi__text_put_visible(stderr, note, strlen(note));
  fprintf(stderr, ") %lu ms\n", (unsigned long)(custapi__now_ms() - rq->start_ms));
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, const gw_reply *reply) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      reply->body_len, reply->body ? reply->body : (void *)"", MHD_RESPMEM_MUST_COPY);
  if (!resp)
    return MHD_NO;
  const char *type = reply->content_type               ? reply->content_type
                     : reply->upstream.content_type[0] ? reply->upstream.content_type
                                                       : NULL;
  if (type)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (reply->upstream.location[0])
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, reply->upstream.location);
  if (reply->upstream.retry_after[0])
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, reply->upstream.retry_after);
  if (reply->allow)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, reply->allow);
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)reply->status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static void on_deadline(void *payload);

/* The connection goes on with its answer; sending it has a --caller-timeout of its own (the
 * wait upstream was bounded by the upstream deadline, not by the caller's clock). */
static void resume(job *rq) {
  gw_metrics_suspended(&rq->srv->ctx.stats, -1);
  if (rq->conn) {
    rq->conn->waiting = 0;
    rq->conn->since_ms = custapi__now_ms();
  }
  MHD_resume_connection(rq->mhd);
}

/* The upstream operation's answer: the connection resumes with it. */
static void on_answer(gw_reply *reply, void *payload) {
  job *rq = payload;
  rq->reply = *reply;
  rq->op = NULL;
  rq->state = READY;
  custapi__transport_cancel_timers(rq->srv->ctx.caller->transport, on_deadline, rq);
  resume(rq);
}

/* The upstream deadline passed: 504 (or a fault) now; the operation answers nobody. */
static void on_deadline(void *payload) {
  job *rq = payload;
  if (rq->state != UPSTREAM || !rq->op)
    return;
  gw_op_expire(rq->op, &rq->reply);
  rq->op = NULL;
  rq->state = READY;
  resume(rq);
}

static enum MHD_Result send_reply(server *srv, struct MHD_Connection *c, job *rq,
                                  const char *method, const char *url) {
  rq->state = ANSWERED;
  log_call(srv, rq, method, url, &rq->reply);
  enum MHD_Result ok = queue_reply(c, &rq->reply);
  gw_reply_clear(&rq->reply);
  return ok;
}

/* The whole request (or a body found too large) is in: answered, or sent upstream. */
static enum MHD_Result answer(server *srv, struct MHD_Connection *c, const char *url,
                              const char *method, job *rq) {
  gw_request greq = {0};
  greq.method = method;
  greq.path = url;
  greq.uri = rq->uri;
  greq.body = rq->body;
  greq.body_len = rq->len;
  greq.too_large = rq->too_large;
  greq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  greq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
  greq.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  greq.bad_header = gw_header_with_control(c);
  if (rq->conn) /* the request is in: the answer's sending has a --caller-timeout of its own */
    rq->conn->since_ms = custapi__now_ms();
  rq->op = gw_handle(&rq->reply, &srv->ctx, &greq, on_answer, rq);
  if (!rq->op)
    return send_reply(srv, c, rq, method, url);
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (custapi__transport_add_timer(srv->ctx.caller->transport, gw_op_deadline_ms(rq->op),
                                   on_deadline, rq, &err) < 0) {
    gw_op_expire(rq->op, &rq->reply); /* no deadline can be kept: answered now */
    rq->op = NULL;
    return send_reply(srv, c, rq, method, url);
  }
  rq->state = UPSTREAM;
  if (rq->conn)
    rq->conn->waiting = 1;
  gw_metrics_suspended(&srv->ctx.stats, 1);
  MHD_suspend_connection(c);
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)version;
  server *srv = cls;
  job *rq = *con_cls;
  if (!rq || !rq->uri)
    return MHD_NO; /* out of memory in on_uri */
  if (rq->state == READY) /* resumed with its answer */
    return send_reply(srv, c, rq, method, url);
  if (!rq->seen) {
    rq->seen = 1; /* the headers: the body, if any, and the end follow */
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    char *end;
    errno = 0;
    unsigned long long declared = length ? strtoull(length, &end, 10) : 0;
    if (length && !errno && end != length && declared > srv->ctx.cfg->max_body) {
      /* Refused before the body is read: a declared 1 GB is not read to its end. */
      rq->too_large = 1;
      return answer(srv, c, url, method, rq);
    }
    return MHD_YES;
  }
  if (rq->state != RECEIVING) {
    *upload_size = 0; /* the rest of a body too large: dropped */
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (rq->too_large || rq->len + n > srv->ctx.cfg->max_body) {
      rq->too_large = 1; /* (chunked) read and dropped: the caller gets its answer at the end */
      return MHD_YES;
    }
    if (custapi__bytes_append(&rq->body, &rq->len, &rq->cap, upload, n) < 0)
      return MHD_NO;
    return MHD_YES;
  }
  return answer(srv, c, url, method, rq); /* the whole request has arrived */
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)c, (void)toe;
  server *srv = cls;
  job *rq = *con_cls;
  if (rq) {
    srv->in_flight--;
    custapi__transport_cancel_timers(srv->ctx.caller->transport, on_deadline, rq);
    if (rq->op) /* gone before its answer: the operation answers nobody */
      gw_op_detach(rq->op);
    if (rq->conn) {
      rq->conn->since_ms = custapi__now_ms(); /* the next request's clock */
      rq->conn->waiting = 0;
    }
    gw_reply_clear(&rq->reply);
    if (rq->body)
      custapi__wipe(rq->body, rq->len);
    custapi__free(rq->body);
    custapi__free(rq->uri);
    custapi__free(rq);
  }
  *con_cls = NULL;
}

/* Each connection's clock for --caller-timeout lives in its socket context. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  server *srv = cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED)
    gw_metrics_connection(&srv->ctx.stats, 1);
  else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
    gw_metrics_connection(&srv->ctx.stats, -1);
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    conn *k = custapi__calloc(1, sizeof *k);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!k)
      return;
    k->fd = ci ? ci->connect_fd : -1;
    k->since_ms = custapi__now_ms();
    /* One over the limit is accepted (libmicrohttpd would leave it waiting in the backlog) and
     * closed at once: a caller past --max-connections is told now, not kept waiting. */
    if (++srv->conn_count > srv->ctx.cfg->max_connections && k->fd >= 0) {
      shutdown(k->fd, SHUT_RDWR);
      k->fd = -1;
    }
    k->next = srv->conns;
    if (srv->conns)
      srv->conns->prev = k;
    srv->conns = k;
    *socket_context = k;
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
    conn *k = *socket_context;
    srv->conn_count--;
    if (k->prev)
      k->prev->next = k->next;
    else
      srv->conns = k->next;
    if (k->next)
      k->next->prev = k->prev;
    custapi__free(k);
    *socket_context = NULL;
  }
}

/* --caller-timeout bounds a request from its first byte (or the connection's opening, or the
 * previous answer) to its last: a caller dripping a byte at a time loses its connection as
 * surely as a silent one. shutdown(2) makes libmicrohttpd see the end and close it. */
static void sweep_callers(server *srv, uint64_t now) {
  uint64_t limit = (uint64_t)srv->ctx.cfg->caller_timeout_s * 1000u;
  for (conn *k = srv->conns; k; k = k->next) {
    if (!k->waiting && k->fd >= 0 && now - k->since_ms > limit) {
      shutdown(k->fd, SHUT_RDWR);
      k->fd = -1; /* once */
    }
  }
}

/* ---- the loop ---- */

static long loop_timeout(void *payload) {
  server *srv = payload;
  MHD_UNSIGNED_LONG_LONG ms;
  long wait = 250; /* the sweep's and the stop's pace */
  if (MHD_get_timeout(srv->daemon, &ms) == MHD_YES && ms < (MHD_UNSIGNED_LONG_LONG)wait)
    wait = (long)ms;
  return wait;
}

static void take_signals(server *srv) {
  struct signalfd_siginfo si;
  while (read(srv->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
    if (srv->stop_signal) {
      srv->stopped_twice = 1;
      continue;
    }
    srv->stop_signal = (int)si.ssi_signo;
    /* No new connections; the open ones go on (a request in progress is in flight). */
    MHD_socket listen = MHD_quiesce_daemon(srv->daemon);
    if (listen != MHD_INVALID_SOCKET)
      close(listen);
  }
}

static void after_turn(void *payload) {
  server *srv = payload;
  MHD_run(srv->daemon);
  gw_metrics_run(srv->metrics);
  take_signals(srv);
  uint64_t now = custapi__now_ms();
  if (now - srv->last_sweep_ms >= 200) {
    srv->last_sweep_ms = now;
    sweep_callers(srv, now);
  }
}

/* Whether the loop is done: stopped, every call answered, and the shadow reads done or out of
 * time. */
static int finished(server *srv) {
  if (!srv->stop_signal)
    return 0;
  if (srv->stopped_twice)
    return 1;
  if (srv->in_flight > 0)
    return 0;
  uint64_t now = custapi__now_ms();
  if (!srv->grace_until_ms)
    srv->grace_until_ms = now + (uint64_t)srv->ctx.cfg->stop_grace_s * 1000u;
  return gw_shadow_pending(srv->ctx.shadow) == 0 || now >= srv->grace_until_ms;
}

/* ---- start-up and shutdown ---- */

static char *read_pem(const char *path, custapi_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: %s", path, strerror(errno)),
           NULL;
  char *buf = custapi__malloc(1024 * 1024 + 1);
  size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
  fclose(f);
  if (!buf)
    return custapi__error_oom(err), NULL;
  buf[n] = '\0';
  if (n == 0) {
    custapi__free(buf);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: empty", path), NULL;
  }
  return buf;
}

static struct MHD_Daemon *start_daemon(server *srv, gw_listen_addr *addr, const char *cert,
                                       const char *key) {
  const gw_config *cfg = srv->ctx.cfg;
  unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
  if (addr->sa.sa_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (cert)
    flags |= MHD_USE_TLS;
  struct MHD_OptionItem ops[12];
  size_t n = 0;
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, addr};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->caller_timeout_s, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections + 1u, NULL};
  if (cert) {
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key};
  }
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, ops,
                          MHD_OPTION_END);
}

/* The loop: until stopped and done (or stopped twice). */
static int serve(server *srv, custapi_error *err) {
  const union MHD_DaemonInfo *ep = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_EPOLL_FD);
  if (!ep)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                              "libmicrohttpd has no epoll descriptor");
  int metrics_fd = gw_metrics_fd(srv->metrics);
  custapi_transport_watch watch = {{ep->epoll_fd, srv->signal_fd, metrics_fd},
                                   metrics_fd >= 0 ? 3 : 2,
                                   loop_timeout,
                                   after_turn,
                                   srv};
  custapi_transport *t = srv->ctx.caller->transport;
  custapi__transport_watch(t, &watch);
  MHD_run(srv->daemon);
  int rc = 0;
  while (rc == 0 && !finished(srv))
    rc = custapi__transport_step(t, err);
  custapi__transport_watch(t, NULL);
  return rc;
}

/* What a stop left undone, on stderr: nothing is dropped silently. */
static void say_dropped(server *srv) {
  custapi__transport_abort_all(srv->ctx.caller->transport);
  size_t calls = gw_ops_free(&srv->ctx);
  size_t reads = gw_shadow_free(srv->ctx.shadow);
  srv->ctx.shadow = NULL;
  if (calls || reads || srv->in_flight)
    fprintf(stderr,
            "custapi: gateway: stopped with %zu shadow read%s not made, %zu upstream call%s "
            "abandoned and %ld caller%s not answered\n",
            reads, reads == 1 ? "" : "s", calls, calls == 1 ? "" : "s", srv->in_flight,
            srv->in_flight == 1 ? "" : "s");
}

int gw_run(const gw_config *cfg, custapi_error *err) {
  int rc = gw_config_check(cfg, err);
  if (rc < 0)
    return rc;
  gw_listen_addr addr;
  int loopback;
  if ((rc = gw_listen_parse(&addr, &loopback, cfg->listen, "--listen", err)) < 0)
    return rc;

  server srv = {0};
  srv.ctx.cfg = cfg;
  srv.ctx.record_fd = -1;
  srv.signal_fd = -1;
  /* The base URL without trailing slashes, as the client keeps it. */
  char *base = custapi__strdup(cfg->client.base_url);
  char *cert = NULL, *key = NULL;
  int report_fd = -1;
  if (!base || gw_order_new(&srv.ctx.order) < 0) {
    rc = custapi__error_oom(err);
    goto out;
  }
  custapi__base_url_trim(base);
  srv.ctx.endpoint.base_url = base;
  srv.ctx.endpoint.xmlrpc_prefix =
      cfg->client.xmlrpc_prefix ? cfg->client.xmlrpc_prefix : CUSTAPI_XMLRPC_DEFAULT_PREFIX;
  if ((rc = custapi__caller_new(&srv.ctx.caller, &cfg->client, err)) < 0)
    goto out;
  if (cfg->tls_cert &&
      (!(cert = read_pem(cfg->tls_cert, err)) || !(key = read_pem(cfg->tls_key, err)))) {
    rc = custapi__status_of(err->category);
    goto out;
  }
  if (cfg->record && (srv.ctx.record_fd = gw_append_open(cfg->record, "--record", err)) < 0) {
    rc = CUSTAPI_EUSAGE;
    goto out;
  }
  if (cfg->report && (report_fd = gw_append_open(cfg->report, "--report", err)) < 0) {
    rc = CUSTAPI_EUSAGE;
    goto out;
  }

  /* The stop signals arrive as readable data on the loop, never as a handler. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  if ((srv.signal_fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "signalfd: %s", strerror(errno));
    goto out;
  }
  if (cfg->shadow && (rc = gw_shadow_new(&srv.ctx.shadow, &srv.ctx, report_fd, err)) < 0)
    goto out;
  if (cfg->metrics && (rc = gw_metrics_start(&srv.metrics, cfg, &srv.ctx.stats, err)) < 0)
    goto out;
  errno = 0;
  srv.daemon = start_daemon(&srv, &addr, cert, key);
  if (!srv.daemon) {
    /* TLS files are named only when some were given: they are then as likely the cause. */
    int why = errno;
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't listen on %s (%s%s)",
                            cfg->listen, why ? strerror(why) : "address in use or not available",
                            cert ? ", or the TLS certificate or key unusable" : "");
    goto out;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : 0;
  if (cfg->port_file && (rc = gw_port_file_write(cfg->port_file, port, err)) < 0)
    goto out;
  if (!cfg->quiet)
    gw_say_listening(cfg, cert != NULL, port, base, gw_metrics_port(srv.metrics));
  if ((rc = serve(&srv, err)) < 0)
    goto out;
  say_dropped(&srv);
  MHD_run(srv.daemon); /* the answers of callers resumed just now go out if they can */
  MHD_stop_daemon(srv.daemon);
  srv.daemon = NULL;
  gw_metrics_print_summary(stdout, &srv.ctx.stats,
                           srv.stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  rc = 0;

out:
  if (srv.daemon)
    MHD_stop_daemon(srv.daemon);
  gw_metrics_stop(srv.metrics);
  if (srv.ctx.caller)
    custapi__transport_abort_all(srv.ctx.caller->transport);
  gw_ops_free(&srv.ctx);
  gw_shadow_free(srv.ctx.shadow);
  gw_order_free(srv.ctx.order);
  custapi__caller_free(srv.ctx.caller);
  if (srv.signal_fd >= 0)
    close(srv.signal_fd);
  if (srv.ctx.record_fd >= 0)
    close(srv.ctx.record_fd);
  if (report_fd >= 0)
    close(report_fd);
  if (key)
    custapi__wipe(key, strlen(key));
  custapi__free(key);
  custapi__free(cert);
  custapi__free(base);
  return rc;
}
