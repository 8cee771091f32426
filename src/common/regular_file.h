/* Files that must be regular ones: an API key file, the command's config file. */
#ifndef CUSTAPI_REGULAR_FILE_H
#define CUSTAPI_REGULAR_FILE_H

#include <sys/stat.h>

#include "custapi/custapi.h"

/*
 * Opens `path` read-only without blocking (a FIFO with no writer would otherwise wait for one
 * forever) and checks, on what was opened, that it is a regular file: *fd and its status in
 * *st. A FIFO, device, socket or directory is a usage error, "WHAT PATH is not a regular file
 * (a FIFO)HINT". With `missing_ok`, a file that does not exist is *fd -1 and 0.
 */
int custapi__open_regular(int *fd, struct stat *st, const char *path, const char *what, const char *hint,
                     int missing_ok, custapi_error *err);

#endif
