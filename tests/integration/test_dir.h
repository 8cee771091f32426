/*
 * A test's own folder under /tmp: made, its files named and written, and removed with all
 * they hold (the bulk suites' input, results and copies).
 */
#ifndef CUSTAPI_TEST_DIR_H
#define CUSTAPI_TEST_DIR_H

#include <dirent.h>

#include "itest.h"

typedef struct test_dir {
  char path[64];
} test_dir;

/* The last few test_dir_file answers, in turn. */
static char test_dir_names[4][128];
static int test_dir_next;

/* /tmp/custapi-PREFIX-XXXXXX, made. */
static inline void test_dir_make(test_dir *d, const char *prefix) {
  snprintf(d->path, sizeof d->path, "/tmp/custapi-%s-XXXXXX", prefix);
  ck_assert_ptr_nonnull(mkdtemp(d->path));
}

/* The path of `name` in the folder (valid for the next three calls). */
static inline const char *test_dir_file(test_dir *d, const char *name) {
  char *p = test_dir_names[test_dir_next++ % 4];
  snprintf(p, sizeof test_dir_names[0], "%s/%s", d->path, name);
  return p;
}

static inline void test_dir_write(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* Removes every file in the folder, then the folder. */
static inline void test_dir_remove(test_dir *d) {
  DIR *dir = opendir(d->path);
  struct dirent *e;
  char path[400];
  while (dir && (e = readdir(dir)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", d->path, e->d_name);
    unlink(path);
  }
  if (dir)
    closedir(dir);
  rmdir(d->path);
}

#endif
