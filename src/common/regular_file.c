/* Opening a file that must be a regular one, for the API key file and the config file. */
#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "file_kind.h"

static int not_a_regular_file(custapi_error *err, const char *what, const char *path, mode_t mode,
                              const char *hint) {
  return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                            "%s %.300s is not a regular file (%s)%s", what, path, custapi__file_kind(mode),
                            hint);
}

int custapi__open_regular(int *fd, struct stat *st, const char *path, const char *what, const char *hint,
                     int missing_ok, custapi_error *err) {
  *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (*fd < 0 && errno == ENOENT && missing_ok)
    return 0;
  if (*fd < 0 && errno == ENXIO && stat(path, st) == 0 && S_ISSOCK(st->st_mode))
    return not_a_regular_file(err, what, path, st->st_mode, hint); /* open(2) can't */
  if (*fd < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't open %s %.300s: %s", what,
                              path, strerror(errno));
  /* fstat on what was opened, not stat on the name: the same file for sure. Reading a FIFO,
   * device, socket or directory could wait forever or never end. */
  int rc = 0;
  if (fstat(*fd, st) != 0)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't read %s %.300s: %s", what,
                            path, strerror(errno));
  else if (!S_ISREG(st->st_mode))
    rc = not_a_regular_file(err, what, path, st->st_mode, hint);
  if (rc < 0) {
    close(*fd);
    *fd = -1;
  }
  return rc;
}
