/* See jsonc_fail.h. */
#define _GNU_SOURCE
#include "jsonc_fail.h"

#include <dlfcn.h>
#include <json-c/json.h>
#include <link.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define JSONC_FAIL_UNAVAILABLE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define JSONC_FAIL_UNAVAILABLE 1
#endif
#endif

#ifdef JSONC_FAIL_UNAVAILABLE

long jsonc_fail_after(long n) {
  (void)n;
  return 0;
}

int jsonc_fail_works(void) { return 0; }

#else

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

/* libjson-c's loaded segments, found once the test arms the hook (never inside malloc). */
static uintptr_t jsonc_lo, jsonc_hi;
static atomic_long countdown = -1;
static atomic_long made;

static int find_segments(struct dl_phdr_info *info, size_t size, void *base) {
  (void)size;
  if (info->dlpi_addr != (uintptr_t)base)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (!jsonc_lo || lo < jsonc_lo)
      jsonc_lo = lo;
    if (hi > jsonc_hi)
      jsonc_hi = hi;
  }
  return 1;
}

static void locate_jsonc(void) {
  Dl_info info;
  if (jsonc_hi || !dladdr((void *)(uintptr_t)json_object_new_object, &info))
    return;
  dl_iterate_phdr(find_segments, info.dli_fbase);
}

static int should_fail(void *caller) {
  uintptr_t a = (uintptr_t)caller;
  if (a < jsonc_lo || a >= jsonc_hi)
    return 0;
  atomic_fetch_add(&made, 1);
  long left = atomic_load(&countdown);
  while (left > 0)
    if (atomic_compare_exchange_weak(&countdown, &left, left - 1))
      return 0;
  return left == 0;
}

void *malloc(size_t size) {
  return should_fail(__builtin_return_address(0)) ? NULL : __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  return should_fail(__builtin_return_address(0)) ? NULL : __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size) {
  return should_fail(__builtin_return_address(0)) ? NULL : __libc_realloc(ptr, size);
}

long jsonc_fail_after(long n) {
  locate_jsonc();
  long was = atomic_exchange(&made, 0);
  atomic_store(&countdown, n);
  return was;
}

int jsonc_fail_works(void) {
  jsonc_fail_after(0); /* (the sweep starts each run with a fresh count anyway) */
  json_object *o = json_object_new_object();
  jsonc_fail_after(-1);
  if (o) {
    json_object_put(o);
    return 0;
  }
  return 1;
}

#endif
