#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"

/*
 * The test hook's countdown (-1: never fail) and count. Atomic, so that clients on many
 * threads may allocate at once (the library promises that); only the out-of-memory tests set
 * a countdown, from one thread. Relaxed order: nothing else is published through them.
 */
static atomic_long fail_countdown = -1;
static atomic_long allocation_count;

static int should_fail(void) {
  atomic_fetch_add_explicit(&allocation_count, 1, memory_order_relaxed);
  long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
  while (left > 0) {
    if (atomic_compare_exchange_weak_explicit(&fail_countdown, &left, left - 1,
                                              memory_order_relaxed, memory_order_relaxed))
      return 0;
  }
  return left == 0;
}

long custapi__alloc_fail_after(long n) {
  long made = atomic_exchange_explicit(&allocation_count, 0, memory_order_relaxed);
  atomic_store_explicit(&fail_countdown, n, memory_order_relaxed);
  return made;
}

void *custapi__malloc(size_t size) { return should_fail() ? NULL : malloc(size ? size : 1); }

void *custapi__calloc(size_t count, size_t size) {
  return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *custapi__realloc(void *ptr, size_t size) {
  return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

char *custapi__strndup(const char *s, size_t len) {
  char *copy = custapi__malloc(len + 1);
  if (copy) {
    memcpy(copy, s, len);
    copy[len] = '\0';
  }
  return copy;
}

char *custapi__strdup(const char *s) { return custapi__strndup(s, strlen(s)); }

void custapi__free(void *ptr) { free(ptr); }

void custapi_free(void *ptr) { free(ptr); }

void custapi__wipe(void *ptr, size_t len) {
  volatile unsigned char *p = ptr;
  while (len--)
    *p++ = 0;
}

int custapi__bytes_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t want = *cap ? *cap : 4096;
    while (want < *len + n + 1)
      want *= 2;
    char *grown = custapi__realloc(*buf, want);
    if (!grown)
      return -1;
    *buf = grown;
    *cap = want;
  }
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}
