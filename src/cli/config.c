/*
 * Profiles, read with inih: one INI section per profile, whose keys are the long names of the
 * options that make sense to keep (options.c marks them OPT_PROFILE). The key itself never
 * goes in the file: only the name of a file that holds it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_support.h"
#include "options.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

#define SECTIONS_MAX 64

typedef struct config_read {
  const char *profile; /* the section wanted */
  int found;
  char *values[CLI_OPTIONS_MAX]; /* the section's value of each option, copied */
  cli_args scratch;              /* where values are checked as they are read */
  char *sections[SECTIONS_MAX];  /* every section seen, for "did you mean" */
  size_t section_count;
  custapi_error err; /* the first error; inih gives its line */
  int failed;
} config_read;

int cli_config_path(char *out, size_t size, int *named) {
  const char *env = getenv("CUSTAPI_CONFIG");
  *named = env && *env;
  if (*named)
    return snprintf(out, size, "%s", env) < (int)size ? 0 : -1;
  const char *xdg = getenv("XDG_CONFIG_HOME");
  /* The XDG rule: a relative XDG_CONFIG_HOME is invalid and ignored. */
  if (xdg && xdg[0] == '/')
    return snprintf(out, size, "%s/custapi/config", xdg) < (int)size ? 0 : -1;
  const char *home = getenv("HOME");
  if (!home || !*home)
    return -1;
  return snprintf(out, size, "%s/.config/custapi/config", home) < (int)size ? 0 : -1;
}

/*
 * Names people give a secret (api-key, apikey, key, password, passwd, secret, token, ...): none
 * of them is ever read from the file. Case does not matter; api-key-file is the one key allowed.
 */
static int is_secret_key(const char *name) {
  char lower[64];
  size_t n = strlen(name);
  if (n >= sizeof lower)
    n = sizeof lower - 1;
  for (size_t i = 0; i < n; i++)
    lower[i] = (char)tolower((unsigned char)name[i]);
  lower[n] = '\0';
  return strstr(lower, "pass") || strstr(lower, "secret") || strstr(lower, "token") ||
         (n >= 3 && strcmp(lower + n - 3, "key") == 0);
}

static const char *profile_key_at(size_t index, const void *context) {
  (void)context;
  const cli_option *o = cli_option_at(index);
  return o->flags & OPT_PROFILE ? o->name : NULL;
}

/* Every key a profile takes, from the option table: "url, protocol, ...". */
static const char *profile_keys(char *keys, size_t size) {
  size_t n = 0;
  keys[0] = '\0';
  for (size_t i = 0; i < cli_option_count() && n < size; i++)
    if (profile_key_at(i, NULL))
      n += (size_t)snprintf(keys + n, size - n, "%s%s", n ? ", " : "", cli_option_at(i)->name);
  return keys;
}

static const char *section_at(size_t index, const void *context) {
  return ((const config_read *)context)->sections[index];
}

static int fail(config_read *c) {
  c->failed = 1;
  return 0; /* inih then reports this line */
}

static int note_section(config_read *c, const char *section) {
  for (size_t i = 0; i < c->section_count; i++)
    if (strcmp(c->sections[i], section) == 0)
      return 0;
  if (c->section_count == SECTIONS_MAX)
    return 0; /* only the suggestion is poorer */
  c->sections[c->section_count] = custapi__strdup(section);
  if (!c->sections[c->section_count])
    return custapi__error_oom(&c->err);
  c->section_count++;
  return 0;
}

/*
 * The value, kept: one pair of matching quotes around it is dropped (people quote values, and
 * write '' for an empty one as on the command line), and a file name's leading "~/" is the home
 * directory, as a shell would have it on the command line.
 */
static char *copy_value(const cli_option *o, const char *value) {
  size_t len = strlen(value);
  if (len >= 2 && (value[0] == '\'' || value[0] == '"') && value[len - 1] == value[0]) {
    value++;
    len -= 2;
  }
  const char *home = getenv("HOME");
  int tilde = o->metavar && strstr(o->metavar, "FILE") && len >= 2 &&
              strncmp(value, "~/", 2) == 0 && home && *home;
  size_t n = (tilde ? strlen(home) + len - 1 : len) + 1;
  char *copy = custapi__malloc(n);
  if (copy && tilde)
    snprintf(copy, n, "%s%.*s", home, (int)(len - 1), value + 1);
  else if (copy)
    snprintf(copy, n, "%.*s", (int)len, value);
  return copy;
}

static int on_key(void *user, const char *section, const char *name, const char *value) {
  config_read *c = user;
  if (c->failed)
    return 1; /* the first error is the one told */
  if (note_section(c, section) < 0)
    return fail(c);
  if (is_secret_key(name)) {
    /* Anywhere in the file: a key stored there is the danger, whichever profile runs. */
    usage(&c->err,
          "[%.60s] %.40s: an API key is never read from the config file (it is easily copied, "
          "shared or committed); put the key in a file of its own (chmod 600) and give that "
          "file as api-key-file",
          section, name);
    return fail(c);
  }
  if (strcmp(section, c->profile) != 0)
    return 1;
  c->found = 1;
  size_t index;
  const cli_option *o = cli_option_find(name, &index);
  if (!o || !(o->flags & OPT_PROFILE)) {
    const char *suggestion = custapi__suggest(name, profile_key_at, cli_option_count(), NULL);
    if (suggestion)
      usage(&c->err, "[%.60s] %.60s: unknown key; did you mean '%s'?", section, name, suggestion);
    else
      usage(&c->err, "[%.60s] %.60s: unknown key (keys: %s)", section, name,
            profile_keys((char[400]){0}, 400));
    return fail(c);
  }
  if (c->values[index]) {
    /* inih reads an indented line as the continuation of the key above it. */
    usage(&c->err, "[%.60s] %s: given twice (an indented line continues the key above it)", section,
          name);
    return fail(c);
  }
  c->values[index] = copy_value(o, value);
  if (!c->values[index])
    return custapi__error_oom(&c->err), fail(c);
  if (cli_option_apply(&c->scratch, index, c->values[index], CLI_FROM_PROFILE, &c->err) < 0) {
    char where[100];
    snprintf(where, sizeof where, "[%.60s] %s", section, name);
    cli_error_prefix(&c->err, where);
    return fail(c);
  }
  return 1;
}

static void config_read_clear(config_read *c) {
  for (size_t i = 0; i < CLI_OPTIONS_MAX; i++)
    custapi__free(c->values[i]);
  for (size_t i = 0; i < c->section_count; i++)
    custapi__free(c->sections[i]);
}

/*
 * Opens the file; *out NULL (and 0) when the default file does not exist. Opened without
 * blocking and refused at once when it is not a regular file (custapi__open_regular: a FIFO would
 * hang every command until something wrote to it); then checked as ssh checks its config: a
 * file that another user may write could point url, proxy or cacert elsewhere, so it is
 * refused, naming the chmod.
 */
static int open_config(FILE **out, const char *path, int named, custapi_error *err) {
  *out = NULL;
  int fd;
  struct stat st;
  if (custapi__open_regular(&fd, &st, path,
                       named ? "the config file (CUSTAPI_CONFIG)" : "the config file", "", !named,
                       err) < 0)
    return -1;
  if (fd < 0)
    return 0;
  int rc = 0;
  if (st.st_uid != geteuid() && st.st_uid != 0)
    rc = usage(err,
               "the config file %.300s belongs to another user (uid %ld): it could point url, "
               "proxy or cacert elsewhere; use a file of your own",
               path, (long)st.st_uid);
  else if (st.st_mode & (S_IWGRP | S_IWOTH))
    rc = usage(err,
               "the config file %.300s is writable by %s: it could point url, proxy or cacert "
               "elsewhere; run: chmod go-w %.300s",
               path, (st.st_mode & S_IWOTH) ? "every user" : "its group", path);
  if (rc == 0 && !(*out = fdopen(fd, "r")))
    rc = custapi__error_oom(err);
  if (rc < 0)
    close(fd);
  return rc;
}

/* What inih reads of a line in one piece (INI_MAX_LINE 200: 198 bytes, a newline, a NUL). */
#define CONFIG_LINE_MAX 198
/* A profile file is a few lines; anything bigger is the wrong file. */
#define CONFIG_FILE_MAX (64 * 1024)

/*
 * The whole file, checked for what inih would misread silently: a longer line is read in
 * pieces (the rest of it as a line of its own, or a comment), and a NUL (UTF-16) ends the text.
 */
static int slurp_config(char **out, FILE *f, const char *path, custapi_error *err) {
  *out = NULL;
  char *text = custapi__malloc(CONFIG_FILE_MAX + 1);
  if (!text)
    return custapi__error_oom(err);
  size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
  int rc = 0;
  if (ferror(f))
    rc = usage(err, "can't read the config file %.300s: %s", path, strerror(errno));
  else if (len > CONFIG_FILE_MAX)
    rc = usage(err, "the config file %.300s is larger than %d bytes", path, CONFIG_FILE_MAX);
  else if (memchr(text, '\0', len))
    rc = usage(err, "the config file %.300s holds a NUL byte: it must be UTF-8 text (not UTF-16)",
               path);
  int line = 1;
  for (size_t i = 0, start = 0; rc == 0 && i <= len; i++) {
    if (i < len && text[i] != '\n')
      continue;
    if (i - start > CONFIG_LINE_MAX)
      rc = usage(err, "%.300s:%d: longer than %d bytes", path, line, CONFIG_LINE_MAX);
    start = i + 1;
    line++;
  }
  if (rc < 0) {
    custapi__free(text);
    return rc;
  }
  text[len] = '\0';
  *out = text;
  return 0;
}

static int read_config(config_read *c, FILE *f, const char *path, custapi_error *err) {
  char *text = NULL;
  if (slurp_config(&text, f, path, err) < 0)
    return -1;
  int line = ini_parse_string(text, on_key, c);
  custapi__free(text);
  if (line == 0)
    return 0;
  if (line == -2)
    return custapi__error_oom(err);
  if (c->failed && c->err.category == CUSTAPI_CATEGORY_INTERNAL) {
    *err = c->err;
    return -1;
  }
  if (c->failed)
    return usage(err, "%.300s:%d: %s", path, line, c->err.message);
  return usage(err, "%.300s:%d: not a [section], a key = value line or a comment", path, line);
}

static int unknown_profile(const config_read *c, const char *path, custapi_error *err) {
  const char *suggestion = custapi__suggest(c->profile, section_at, c->section_count, c);
  if (suggestion)
    return usage(err,
                 "unknown profile '%.60s' (no [%.60s] with settings in %.300s); did you mean "
                 "'%s'?",
                 c->profile, c->profile, path, suggestion);
  /* inih says nothing of a section without keys: an empty [name] reads as no profile. */
  return usage(err, "unknown profile '%.60s' (no [%.60s] with settings in %.300s)", c->profile,
               c->profile, path);
}

/* The profile's values fill what the command line and the environment left unset. */
static int apply_values(cli_args *args, config_read *c, custapi_error *err) {
  for (size_t i = 0; i < cli_option_count(); i++) {
    if (!c->values[i] || args->given[i])
      continue;
    /* Checked already when read; applying again stores it in `args`. */
    if (cli_option_apply(args, i, c->values[i], CLI_FROM_PROFILE, err) < 0)
      return -1;
    args->owned[args->owned_count++] = c->values[i];
    c->values[i] = NULL;
  }
  return 0;
}

int cli_config_apply(cli_args *args, custapi_error *err) {
  char path[4096];
  int named;
  int explicit_profile = args->profile != NULL;
  config_read c = {0};
  c.profile = explicit_profile ? args->profile : "default";
  FILE *f = NULL;
  if (cli_config_path(path, sizeof path, &named) < 0) {
    if (explicit_profile)
      return usage(err,
                   "profile '%.60s': no config file to read it from (HOME is not set, or the "
                   "path is too long)",
                   c.profile);
    return 0;
  }
  if (open_config(&f, path, named, err) < 0)
    return -1;
  if (!f) {
    if (explicit_profile)
      return usage(err, "unknown profile '%.60s': there is no config file %.300s", c.profile, path);
    return 0;
  }
  c.scratch.retries = -1;
  int rc = read_config(&c, f, path, err);
  fclose(f);
  if (rc == 0 && !c.found && explicit_profile)
    rc = unknown_profile(&c, path, err);
  if (rc == 0)
    rc = apply_values(args, &c, err);
  if (rc == 0 && c.found) {
    /* config list names the file and the profile each value came from */
    args->config_file = custapi__strdup(path);
    args->profile_read = c.profile;
    if (!args->config_file)
      rc = custapi__error_oom(err);
  }
  config_read_clear(&c);
  return rc;
}
