/*
 * libcurl's process-wide set-up (reference-counted), with an allocator that clears every block
 * libcurl frees, and the monotonic clock the library times its calls with.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "transport_private.h"

uint64_t custapi__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- global set-up ---- */

static int global_refs;

#if defined(__GLIBC__)
/*
 * libcurl keeps its own copies of the key (CURLOPT_PASSWORD, the "user:key" it encodes, the
 * request head it sends) and frees them without clearing. Given to curl_global_init_mem, these
 * clear every block libcurl frees, so no copy of the key is left behind in freed memory. Plain
 * malloc underneath (not custapi__malloc): libcurl's allocations are not ours to fail in tests.
 */
/* libcurl's allocations that failed: tells a real out-of-memory from libcurl's way of refusing
 * a long header line (see head_refused). */
static _Atomic unsigned long curl_alloc_failures;

static void *counted(void *p) {
  if (!p)
    curl_alloc_failures++;
  return p;
}

/*
 * Each block libcurl asks for carries its requested size in a header in front of it, so that
 * freeing clears exactly the bytes libcurl could have written: malloc_usable_size and clearing
 * the slack beyond the request were 4% of a bulk run's time (perf, 40 000 updates at c16). The
 * header keeps malloc's alignment (max_align_t), as libcurl stores any type in its blocks.
 */
#define WIPE_HEADER sizeof(max_align_t)

static void *wiping_block(void *raw, size_t size) {
  if (!raw)
    return counted(NULL);
  memcpy(raw, &size, sizeof size);
  return (char *)raw + WIPE_HEADER;
}

static void *counting_malloc(size_t size) {
  if (size > SIZE_MAX - WIPE_HEADER)
    return counted(NULL);
  return wiping_block(malloc(size + WIPE_HEADER), size);
}

static void *counting_calloc(size_t n, size_t size) {
  if (size && n > (SIZE_MAX - WIPE_HEADER) / size)
    return counted(NULL);
  return wiping_block(calloc(1, n * size + WIPE_HEADER), n * size);
}

static size_t requested_size(const void *p) {
  size_t size;
  memcpy(&size, (const char *)p - WIPE_HEADER, sizeof size);
  return size;
}

static void wiping_free(void *p) {
  if (!p)
    return;
  /* explicit_bzero, not the byte loop of custapi__wipe: libcurl frees KiBs of buffers per
   * transfer, and clearing them a byte at a time was 28% of bulk's instructions. */
  explicit_bzero(p, requested_size(p));
  free((char *)p - WIPE_HEADER);
}

/* Always a new block: realloc could move the data and free the old block uncleared. */
static void *wiping_realloc(void *p, size_t size) {
  if (!p)
    return counting_malloc(size);
  size_t old = requested_size(p);
  if (size <= old && size)
    return p; /* shrinking in place: the block and its size as they are, cleared whole later */
  void *q = counting_malloc(size ? size : 1);
  if (!q)
    return NULL;
  memcpy(q, p, old < size ? old : size);
  wiping_free(p);
  return q;
}

static char *wiping_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = counting_malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

static CURLcode curl_init(void) {
  /* When the application initialised libcurl first, this is a no-op and libcurl keeps its
   * allocator (docs/library.md says so). */
  return curl_global_init_mem(CURL_GLOBAL_DEFAULT, counting_malloc, wiping_free, wiping_realloc,
                              wiping_strdup, counting_calloc);
}

unsigned long custapi__transport_alloc_failures(void) { return curl_alloc_failures; }
#else
static CURLcode curl_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

unsigned long custapi__transport_alloc_failures(void) { return 0; } /* not our allocator */
#endif

int custapi__transport_global_init(void) {
  if (global_refs++ > 0)
    return 0;
  if (curl_init() != CURLE_OK) {
    global_refs = 0;
    return CUSTAPI_EINTERNAL;
  }
  return 0;
}

void custapi__transport_global_cleanup(void) {
  if (global_refs <= 0)
    return;
  if (--global_refs == 0)
    curl_global_cleanup();
}
