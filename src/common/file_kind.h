/* What a file that is not a regular one is, in the words of the messages refusing it: the key
 * file, the gateway's --record, --report and --port-file. */
#ifndef CUSTAPI_FILE_KIND_H
#define CUSTAPI_FILE_KIND_H

#include <sys/stat.h>

static inline const char *custapi__file_kind(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISLNK(mode))
    return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a regular file";
}

#endif
