#include "input_ready.h"

#include <poll.h>
#include <sys/stat.h>

/* glibc's FILE is public (struct _IO_FILE, bits/types/struct_FILE.h): what is buffered is
 * between _IO_read_ptr and _IO_read_end, as gnulib's freadahead reads it. Elsewhere the buffer
 * can't be seen, and every stream is read as it comes. */
#if defined(__GLIBC__)
#define CUSTAPI_SEES_STDIO_BUFFER 1
static int buffered(FILE *in) { return in->_IO_read_ptr < in->_IO_read_end; }
#else
#define CUSTAPI_SEES_STDIO_BUFFER 0
static int buffered(FILE *in) {
  (void)in;
  return 1;
}
#endif

int custapi__input_wait_fd(FILE *in) {
  int fd = fileno(in);
  struct stat st;
  if (!CUSTAPI_SEES_STDIO_BUFFER || fd < 0 || fstat(fd, &st) < 0 || S_ISREG(st.st_mode))
    return -1;
  return fd;
}

int custapi__input_ready(FILE *in, int fd) {
  if (fd < 0 || buffered(in))
    return 1;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  /* readable, at its end (POLLHUP), or failed: the read says which */
  return poll(&p, 1, 0) != 0;
}
