/* The test harness of custapi-refserver: see harness.h. */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REFSERVER_DEFAULT_PATH
#define REFSERVER_DEFAULT_PATH "custapi-refserver"
#endif

#define PATH_CAP 512

struct refserver {
  pid_t pid;
  unsigned port;
  int tls;
  char dir[PATH_CAP - 64];
  char db[PATH_CAP];
  char capture[PATH_CAP];
  char port_file[PATH_CAP];
  char url[64];
  char **extra; /* a copy of extra_args */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("refserver harness: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static const char *server_path(void) {
  const char *env = getenv("CUSTAPI_REFSERVER");
  return env && *env ? env : REFSERVER_DEFAULT_PATH;
}

static int wrapped(void) {
  const char *w = getenv("CUSTAPI_REFSERVER_WRAPPER");
  return w && *w;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void free_strings(char **v) {
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

static char **copy_strings(const char *const *v) {
  size_t n = 0;
  while (v && v[n])
    n++;
  char **copy = calloc(n + 1, sizeof *copy);
  if (!copy)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (!(copy[i] = strdup(v[i]))) {
      free_strings(copy);
      return NULL;
    }
  }
  return copy;
}

/* 1 when `pid` is gone or a zombie (for a server that is not our child: see reaped). */
static int gone(pid_t pid) {
  char path[64], stat[256];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  size_t n = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[n] = '\0';
  const char *close = strrchr(stat, ')');
  return close && close[1] == ' ' && close[2] == 'Z';
}

/*
 * Reaps the child if it has ended: 1 and its status, else 0. A server started by another
 * process (Check's fork mode: the fixture's parent started it, a test child stops it) can't
 * be reaped here; its end is seen in /proc and reported as a clean exit.
 */
static int reaped(pid_t pid, int *status) {
  pid_t r;
  while ((r = waitpid(pid, status, WNOHANG)) < 0 && errno == EINTR)
    ;
  if (r < 0 && errno == ECHILD && gone(pid)) {
    *status = 0;
    return 1;
  }
  return r == pid;
}

static int exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

/* Builds argv: [wrapper words...] server fixed-args extra-args NULL. */
static char **build_argv(const refserver *rs) {
  size_t n_extra = 0;
  while (rs->extra[n_extra])
    n_extra++;
  char *wrapper = wrapped() ? strdup(getenv("CUSTAPI_REFSERVER_WRAPPER")) : NULL;
  size_t n_wrap = 0;
  char *words[32];
  if (wrapper)
    for (char *w = strtok(wrapper, " "); w && n_wrap < 32; w = strtok(NULL, " "))
      words[n_wrap++] = w;
  const char *fixed[] = {"--listen",    "127.0.0.1:0",       "--db",      rs->db,
                         "--port-file", rs->port_file,       "--capture", rs->capture,
                         "--user",      REFSERVER_TEST_USER, "--quiet",   "--faults-allowed"};
  size_t n_fixed = sizeof fixed / sizeof fixed[0];
  char **argv = calloc(n_wrap + 1 + n_fixed + n_extra + 1, sizeof *argv);
  if (!argv) {
    free(wrapper);
    return NULL;
  }
  size_t k = 0;
  int failed = 0;
  for (size_t i = 0; i < n_wrap; i++)
    failed |= !(argv[k++] = strdup(words[i]));
  failed |= !(argv[k++] = strdup(server_path()));
  for (size_t i = 0; i < n_fixed; i++)
    failed |= !(argv[k++] = strdup(fixed[i]));
  for (size_t i = 0; i < n_extra; i++)
    failed |= !(argv[k++] = strdup(rs->extra[i]));
  free(wrapper);
  if (failed) {
    free_strings(argv);
    return NULL;
  }
  return argv;
}

static long wait_budget_ms(void) { return wrapped() ? 90000 : 10000; }

/* Starts the process and waits for its port file. 0, or -1 after saying why. */
static int spawn(refserver *rs) {
  unlink(rs->port_file);
  char **argv = build_argv(rs);
  if (!argv) {
    say("out of memory");
    return -1;
  }
  if (access(server_path(), X_OK) != 0) {
    say("can't run the server '%s': %s (set CUSTAPI_REFSERVER)", server_path(), strerror(errno));
    free_strings(argv);
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    say("fork: %s", strerror(errno));
    free_strings(argv);
    return -1;
  }
  if (pid == 0) {
    /* The key travels in the environment, never in argv (ps shows argv to everyone). */
    setenv("CUSTAPI_REFSERVER_KEY", REFSERVER_TEST_KEY, 1);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* a crashed test leaves no server behind */
    if (getppid() != parent)
      _exit(127);
    execvp(argv[0], argv);
    fprintf(stderr, "refserver harness: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  free_strings(argv);
  rs->pid = pid;
  for (long waited = 0; waited < wait_budget_ms(); waited += 20) {
    FILE *f = fopen(rs->port_file, "r");
    if (f) {
      unsigned port = 0;
      int got = fscanf(f, "%u", &port);
      fclose(f);
      if (got == 1 && port > 0) {
        rs->port = port;
        snprintf(rs->url, sizeof rs->url, "%s://127.0.0.1:%u", rs->tls ? "https" : "http", port);
        return 0;
      }
    }
    int status;
    if (reaped(pid, &status)) {
      say("custapi-refserver exited (status %d) before listening", exit_code(status));
      rs->pid = 0;
      return -1;
    }
    sleep_ms(20);
  }
  say("custapi-refserver did not write its port file within the time limit");
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  rs->pid = 0;
  return -1;
}

/* SIGTERM, wait (then SIGKILL); the server's exit code, or 0 when none was running. */
static int terminate(refserver *rs) {
  if (rs->pid <= 0)
    return 0;
  int status = 0;
  kill(rs->pid, SIGTERM);
  long waited = 0;
  while (!reaped(rs->pid, &status)) {
    if (waited >= wait_budget_ms()) {
      say("custapi-refserver ignored SIGTERM; killing it");
      kill(rs->pid, SIGKILL);
      while (waitpid(rs->pid, &status, 0) < 0 && errno == EINTR)
        ;
      status = SIGKILL; /* reported as killed whether or not it was ours to reap */
      break;
    }
    sleep_ms(10);
    waited += 10;
  }
  rs->pid = 0;
  return exit_code(status);
}

refserver *refserver_start(const char *const *extra_args) {
  refserver *rs = calloc(1, sizeof *rs);
  if (!rs) {
    say("out of memory");
    return NULL;
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(rs->dir, sizeof rs->dir, "%s/custapi-refserver.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(rs->dir)) {
    say("mkdtemp %s: %s", rs->dir, strerror(errno));
    free(rs);
    return NULL;
  }
  snprintf(rs->db, sizeof rs->db, "%s/customers.db", rs->dir);
  snprintf(rs->capture, sizeof rs->capture, "%s/capture.jsonl", rs->dir);
  snprintf(rs->port_file, sizeof rs->port_file, "%s/port", rs->dir);
  rs->extra = copy_strings(extra_args);
  for (size_t i = 0; rs->extra && rs->extra[i]; i++)
    if (strcmp(rs->extra[i], "--tls-cert") == 0 || strncmp(rs->extra[i], "--tls-cert=", 11) == 0)
      rs->tls = 1;
  if (!rs->extra || spawn(rs) < 0) {
    refserver_stop(rs);
    return NULL;
  }
  return rs;
}

int refserver_restart(refserver *rs) {
  int code = terminate(rs);
  if (code != 0) {
    say("custapi-refserver ended with status %d before the restart", code);
  }
  return spawn(rs);
}

const char *refserver_url(const refserver *rs) { return rs->url; }
const char *refserver_capture_path(const refserver *rs) { return rs->capture; }
const char *refserver_db_path(const refserver *rs) { return rs->db; }
unsigned refserver_port(const refserver *rs) { return rs->port; }

/* The capture file's contents, NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n + 1 < cap)
      break;
    char *grown = realloc(buf, cap * 2);
    if (!grown) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = n;
  }
  return buf;
}

size_t refserver_request_count(const refserver *rs) {
  size_t len = 0, lines = 0;
  char *text = slurp(rs->capture, &len);
  for (size_t i = 0; text && i < len; i++)
    lines += text[i] == '\n';
  free(text);
  return lines;
}

char *refserver_last_request(const refserver *rs) {
  size_t len = 0;
  char *text = slurp(rs->capture, &len);
  if (!text)
    return NULL;
  while (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  if (len == 0) {
    free(text);
    return NULL;
  }
  char *start = strrchr(text, '\n');
  start = start ? start + 1 : text;
  char *line = strdup(start);
  free(text);
  return line;
}

int refserver_stop_status(refserver *rs) {
  if (!rs)
    return 0;
  int code = terminate(rs);
  unlink(rs->db);
  char journal[PATH_CAP + 16];
  snprintf(journal, sizeof journal, "%s-journal", rs->db);
  unlink(journal);
  unlink(rs->capture);
  unlink(rs->port_file);
  rmdir(rs->dir);
  free_strings(rs->extra);
  free(rs);
  return code;
}

void refserver_stop(refserver *rs) {
  int code = refserver_stop_status(rs);
  if (code != 0) {
    say("custapi-refserver ended with status %d", code);
  }
}

int refserver_cert_make(refserver_cert *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->dir, sizeof out->dir, "/tmp/custapi-tls-XXXXXX");
  if (!mkdtemp(out->dir))
    return -1;
  snprintf(out->cert, sizeof out->cert, "%s/cert.pem", out->dir);
  snprintf(out->key, sizeof out->key, "%s/key.pem", out->dir);
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 1 "
           "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
           out->key, out->cert);
  if (system(cmd) != 0) {
    refserver_cert_remove(out);
    return -1;
  }
  return 0;
}

void refserver_cert_remove(const refserver_cert *cert) {
  if (!cert->dir[0])
    return;
  unlink(cert->cert);
  unlink(cert->key);
  rmdir(cert->dir);
}
