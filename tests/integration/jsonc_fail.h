/*
 * Failing json-c's own allocations, for the out-of-memory suite. json-c allocates with plain
 * malloc, outside custapi__malloc's hook; this test program replaces malloc, calloc and realloc
 * (glibc allows it) and fails those whose caller lies in libjson-c's code, once `n` of them
 * have succeeded. Allocations json-c makes through libc (strdup of a member name) are not
 * seen. Where a sanitizer or valgrind owns malloc the replacement is not built or not called:
 * jsonc_fail_after then reports no allocation made, and the tests say they cannot run.
 */
#ifndef CUSTAPI_JSONC_FAIL_H
#define CUSTAPI_JSONC_FAIL_H

/* After `n` more json-c allocations, every json-c allocation fails (n < 0: none). Returns how
 * many json-c allocations were made since the last call. */
long jsonc_fail_after(long n);

/* 1 when json-c's allocations can be failed in this build and run (see above). */
int jsonc_fail_works(void);

#endif
