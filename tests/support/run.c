#include "run.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

static int append(buffer *b, const char *data, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown)
      return -1;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static void apply_env(const char *const *env) {
  for (; env && *env; env++) {
    const char *eq = strchr(*env, '=');
    if (!eq) {
      unsetenv(*env);
      continue;
    }
    char name[256];
    size_t n = (size_t)(eq - *env);
    if (n >= sizeof name)
      continue;
    memcpy(name, *env, n);
    name[n] = '\0';
    setenv(name, eq + 1, 1);
  }
}

int run_program(run_result *out, const char *program, const char *const *argv,
                const char *const *env, const char *input) {
  memset(out, 0, sizeof *out);
  int in[2], o[2], e[2];
  if (pipe(in) < 0 || pipe(o) < 0 || pipe(e) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(o[1], 1);
    dup2(e[1], 2);
    close(in[0]), close(in[1]), close(o[0]), close(o[1]), close(e[0]), close(e[1]);
    apply_env(env);
    execv(program, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", program, strerror(errno));
    _exit(127);
  }
  close(in[0]), close(o[1]), close(e[1]);
  /* Writing stdin first is safe: test inputs are far below a pipe's capacity. */
  signal(SIGPIPE, SIG_IGN);
  if (input) {
    size_t len = strlen(input), done = 0;
    while (done < len) {
      ssize_t n = write(in[1], input + done, len - done);
      if (n <= 0)
        break;
      done += (size_t)n;
    }
  }
  close(in[1]);
  buffer bo = {0}, be = {0};
  append(&bo, "", 0);
  append(&be, "", 0);
  struct pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char chunk[8192];
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        append(i == 0 ? &bo : &be, chunk, (size_t)n);
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  out->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  out->out = bo.data;
  out->err = be.data;
  return 0;
}

const char *run_custapi_path(void) {
  const char *path = getenv("CUSTAPI_BIN");
  return path && *path ? path : "custapi";
}

int run_custapi(run_result *out, const char *const *args, const char *const *env,
                const char *input) {
  const char *argv[64];
  size_t n = 0;
  argv[n++] = "custapi";
  for (; args && *args && n < 63; args++)
    argv[n++] = *args;
  argv[n] = NULL;
  return run_program(out, run_custapi_path(), argv, env, input);
}

void run_result_free(run_result *r) {
  if (!r)
    return;
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}
