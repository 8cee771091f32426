/*
 * The command's one table of commands and options. The parser, the help texts, the profile
 * keys and the shell completions are all read from it, so they can't disagree.
 */
#ifndef CUSTAPI_CLI_OPTIONS_H
#define CUSTAPI_CLI_OPTIONS_H

#include <stddef.h>

#include "cli.h"

/* Commands, as bits of an option's `commands` mask. */
enum {
  CMD_UPDATE = 1u << 0,
  CMD_GET = 1u << 1,
  CMD_VALIDATE = 1u << 2,
  CMD_COMPARE = 1u << 3,
  CMD_BULK = 1u << 4,
  CMD_PROBE = 1u << 5,
  CMD_GATEWAY = 1u << 6,
  CMD_CONFIG = 1u << 7, /* takes every option: it shows what they set */
  CMD_REPORT = 1u << 8,
  CMD_NETWORK = CMD_UPDATE | CMD_GET | CMD_COMPARE | CMD_BULK | CMD_PROBE,
  CMD_VALIDATING = CMD_UPDATE | CMD_VALIDATE | CMD_COMPARE | CMD_BULK,
  CMD_ALL = CMD_NETWORK | CMD_VALIDATE | CMD_GATEWAY | CMD_CONFIG | CMD_REPORT,
};

typedef struct cli_command_info {
  const char *name;
  unsigned bit;
  const char *synopsis; /* after "custapi [OPTIONS] NAME " */
  const char *summary;  /* one sentence */
  cli_command_fn run;   /* the command itself (commands.h) */
} cli_command_info;

typedef enum cli_option_group {
  GROUP_OPERANDS,
  GROUP_CONNECTION,
  GROUP_VALIDATION,
  GROUP_BULK,
  GROUP_GATEWAY,
  GROUP_REPORT,
  GROUP_OUTPUT,
  GROUP_GENERAL,
  GROUP_COUNT
} cli_option_group;

/*
 * A setting (an option that is not a one-off) is OPT_PROFILE and has an `env` form; a one-off
 * (an operand, --dry-run, --resume, a safety override such as --insecure) has neither.
 */
#define OPT_PROFILE (1u << 0) /* allowed as a key of a profile */
#define OPT_HIDDEN (1u << 1)  /* left out of the help (not of the completions) */
#define OPT_EARLY (1u << 2)   /* acted upon by the parser itself: --help, --version, ... */

/*
 * The one check of an option's value, whatever its source (command line, environment, profile):
 * stores the value in `a`, or fails with a usage error whose message does not name the source
 * (the caller prefixes it: "--timeout: ", "CUSTAPI_PROTOCOL: ", "FILE:LINE: timeout: ").
 * `value` is NULL for a flag. The value must outlive `a`.
 */
typedef int (*cli_option_set_fn)(cli_args *a, const char *value, custapi_error *err);

typedef struct cli_option {
  const char *name;    /* long name without the dashes; also the profile key */
  char short_name;     /* 'v' for -v, or 0 */
  const char *metavar; /* "URL"; NULL for a flag */
  const char *env;     /* the environment's form, or NULL */
  unsigned commands;   /* CMD_* bits of the commands it applies to */
  cli_option_group group;
  unsigned flags;      /* OPT_* */
  const char *choices; /* the values a completion offers, space-separated, or NULL */
  const char *help;
  cli_option_set_fn set; /* NULL: a flag that sets the int at `field`, or a plain string */
  size_t field;          /* offsetof(cli_args, ...) when `set` is NULL */
  const char *fallback;  /* the value in force when no source gives one (help, config list) */
} cli_option;

/* Where an option's value came from (cli_args.given): later sources fill only the others. */
enum {
  CLI_FROM_NONE = 0,
  CLI_FROM_COMMAND_LINE,
  CLI_FROM_ENVIRONMENT,
  CLI_FROM_PROFILE,
};

size_t cli_option_count(void);
const cli_option *cli_option_at(size_t index);
/* The option of that long name (no dashes), or NULL; its position in *index when found. */
const cli_option *cli_option_find(const char *name, size_t *index);
/* The option named by a short letter, or NULL. */
const cli_option *cli_option_find_short(char letter, size_t *index);
/*
 * Applies `value` through the option's own check and marks it given from `origin`
 * (CLI_FROM_*). A flag takes NULL from the command line; from the environment or a profile it
 * takes a yes/no word (1, true, yes, on / 0, false, no, off): "no" leaves it off, but given.
 */
int cli_option_apply(cli_args *a, size_t index, const char *value, int origin, custapi_error *err);

size_t cli_command_count(void);
const cli_command_info *cli_command_at(size_t index);
const cli_command_info *cli_command_find(const char *name);

/* Whether the option is one of `command`'s (a CMD_* bit); config takes them all. */
int cli_option_applies(const cli_option *option, unsigned command);

/* The group's heading in the help ("connection"), for GROUP_* values. */
const char *cli_group_title(cli_option_group group);

/* "did you mean" for a mistyped option (word without its dashes) or command: NULL if none. */
const char *cli_option_suggest(const char *word);
const char *cli_command_suggest(const char *word);

/* Puts "SOURCE: " in front of an error's message (an option check does not know its source). */
void cli_error_prefix(custapi_error *err, const char *source);

#endif
