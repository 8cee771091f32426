#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "custapi/custapi.h"

/* Plain globals: the hook is for single-threaded tests; -1 means "never fail". */
static long fail_countdown = -1;
static long allocation_count;

static int should_fail(void) {
  allocation_count++;
  if (fail_countdown < 0)
    return 0;
  if (fail_countdown == 0)
    return 1;
  fail_countdown--;
  return 0;
}

long custapi__alloc_fail_after(long n) {
  long made = allocation_count;
  allocation_count = 0;
  fail_countdown = n;
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
