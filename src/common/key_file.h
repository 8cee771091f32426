/* The API key file, inside the library: custapi_key_file_read's reading, for a descriptor the
 * caller opened (the command's --api-key-file -, standard input). */
#ifndef CUSTAPI_KEY_FILE_H
#define CUSTAPI_KEY_FILE_H

#include "custapi/custapi.h"

/* Reads the key from `fd` (not closed) by custapi_key_file_read's rules, less the file's own
 * checks; `name` names it in errors. *out is given back with custapi_key_free. */
int custapi__key_read_fd(char **out, int fd, const char *name, custapi_error *err);

#endif
