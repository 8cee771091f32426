/*
 * Every allocation of the project's own code goes through these, so that a test can make the
 * n-th one fail and check that each failure path reports `internal` cleanly and leaks nothing.
 */
#ifndef CUSTAPI_ALLOC_H
#define CUSTAPI_ALLOC_H

#include <stddef.h>

void *custapi__malloc(size_t size);
void *custapi__calloc(size_t count, size_t size);
void *custapi__realloc(void *ptr, size_t size);
char *custapi__strdup(const char *s);
char *custapi__strndup(const char *s, size_t len);
void custapi__free(void *ptr);

/* Overwrites `len` bytes in a way the compiler may not drop (for copies of the key). */
void custapi__wipe(void *ptr, size_t len);

/* Appends `n` bytes of `data` to the NUL-terminated buffer *buf (*len bytes in *cap), which
 * grows by doubling from 4 KiB: an answer's body, a caller's upload. -1 when memory runs out
 * (the buffer is as it was). */
int custapi__bytes_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n);

/*
 * Test hook: after `n` more successful allocations, every allocation fails (n < 0: never).
 * Returns how many allocations have been made since the last call.
 */
long custapi__alloc_fail_after(long n);

#endif
