/*
 * custapi --completion bash|zsh|fish: the scripts meson installs, generated at build time from
 * the option and command tables and the schema, so a new option, command or allowed value is
 * completed the day it is added. Each command is offered its own options only; an option's
 * value is completed from its choices, file names, or the config file's profiles (which the
 * script reads through `custapi config path`, the one place that knows where the file is);
 * PROP= is completed with the property's allowed values (the enumerations, the country codes).
 */
#include "completion.h"

#include <string.h>

#include "cli_support.h"
#include "options.h"

typedef enum value_kind { VALUE_NONE, VALUE_FREE, VALUE_CHOICES, VALUE_FILE, VALUE_PROFILE } value_kind;

static value_kind kind_of(const cli_option *o) {
  if (!o->metavar)
    return VALUE_NONE;
  if (o->choices)
    return VALUE_CHOICES;
  if (strstr(o->metavar, "FILE"))
    return VALUE_FILE;
  if (strcmp(o->name, "profile") == 0)
    return VALUE_PROFILE;
  return VALUE_FREE;
}

/* Options the completion offers: the help's (a hidden one is for the build only). */
static int offered(const cli_option *o, unsigned command) {
  return !(o->flags & OPT_HIDDEN) && (command == 0 || cli_option_applies(o, command));
}

static int takes_properties(unsigned bit) {
  return (bit & (CMD_UPDATE | CMD_VALIDATE | CMD_COMPARE)) != 0;
}

/* The names of the commands that take PROP=VALUE operands, separated by `sep`. */
static void property_commands(FILE *out, const char *sep) {
  const char *s = "";
  for (size_t i = 0; i < cli_command_count(); i++) {
    if (takes_properties(cli_command_at(i)->bit)) {
      fprintf(out, "%s%s", s, cli_command_at(i)->name);
      s = sep;
    }
  }
}


/* The codes the validator accepts as a country: asked of the library, letter pair by pair. */
static size_t country_codes(char codes[][3], size_t max) {
  size_t n = 0;
  custapi_customer *c = NULL;
  if (custapi_customer_new(&c, 0) < 0)
    return 0;
  for (char a = 'A'; a <= 'Z'; a++) {
    for (char b = 'A'; b <= 'Z' && n < max; b++) {
      char code[3] = {a, b, '\0'};
      custapi_error err = {0};
      if (custapi_customer_set(c, "country", code, &err) == 0 &&
          custapi_validate(c, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err) == 0)
        memcpy(codes[n++], code, 3);
    }
  }
  custapi_customer_free(c);
  return n;
}

/* The values PROP= completes to, one per call of `each`; 0 when the property has none. */
static int property_values(const char *name, void (*each)(FILE *, const char *), FILE *out) {
  const char *const *values = custapi_schema_values(name);
  if (values) {
    for (const char *const *v = values; *v; v++)
      each(out, *v);
    return 1;
  }
  if (strcmp(name, "country") == 0) {
    char codes[300][3];
    size_t n = country_codes(codes, 300);
    for (size_t i = 0; i < n; i++)
      each(out, codes[i]);
    return n > 0;
  }
  return 0;
}

/* Text in single quotes for bash, zsh and fish alike ('\'' closes, escapes, reopens). */
static void put_quoted(FILE *out, const char *text) {
  fputc('\'', out);
  for (const char *p = text; *p; p++)
    fputs(*p == '\'' ? "'\\''" : (char[2]){*p, '\0'}, out);
  fputc('\'', out);
}

static void word(FILE *out, const char *text) {
  fputc(' ', out);
  put_quoted(out, text);
}

/* fish's quoting differs: \' inside single quotes. */
static void put_fish_quoted(FILE *out, const char *text) {
  fputc('\'', out);
  for (const char *p = text; *p; p++) {
    if (*p == '\'' || *p == '\\')
      fputc('\\', out);
    fputc(*p, out);
  }
  fputc('\'', out);
}

static void fish_word(FILE *out, const char *text) {
  fputc(' ', out);
  put_fish_quoted(out, text);
}

/* ---- the candidates, shared by bash and zsh: a shell function `_custapi_words KEY` that
 * prints them one per line. Keys: commands, options:COMMAND (options: for none), kind:--OPT,
 * value:--OPT, properties, value:PROP. ---- */

static void words_case(FILE *out, const char *key, void (*body)(FILE *, const void *),
                       const void *context) {
  fprintf(out, "    %s) printf '%%s\\n'", key);
  body(out, context);
  fputs(" ;;\n", out);
}

static void command_words(FILE *out, const void *context) {
  (void)context;
  for (size_t i = 0; i < cli_command_count(); i++)
    word(out, cli_command_at(i)->name);
  word(out, "help");
}

static void option_words(FILE *out, const void *context) {
  unsigned command = *(const unsigned *)context;
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    if (!offered(o, command))
      continue;
    fprintf(out, " --%s", o->name);
    if (o->short_name)
      fprintf(out, " -%c", o->short_name);
  }
}

static void choice_words(FILE *out, const void *context) {
  const char *choices = context;
  while (*choices) {
    size_t n = strcspn(choices, " ");
    fprintf(out, " %.*s", (int)n, choices);
    choices += n + (choices[n] == ' ');
  }
}

static void property_words(FILE *out, const void *context) {
  (void)context;
  for (size_t i = 0; i < custapi_schema_count(); i++)
    fprintf(out, " %s=", custapi_schema_at(i)->name);
}

static void put_word(FILE *out, const char *text) { word(out, text); }

static void value_words(FILE *out, const void *context) {
  property_values(context, put_word, out);
}

static void print_words_function(FILE *out) {
  fputs("_custapi_words() {\n  case $1 in\n", out);
  words_case(out, "commands", command_words, NULL);
  unsigned none = 0;
  words_case(out, "options:", option_words, &none);
  for (size_t i = 0; i < cli_command_count(); i++) {
    const cli_command_info *c = cli_command_at(i);
    char key[64];
    snprintf(key, sizeof key, "options:%s", c->name);
    words_case(out, key, option_words, &c->bit);
  }
  words_case(out, "config-actions", choice_words, "list path");
  words_case(out, "properties", property_words, NULL);
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    if (kind_of(o) == VALUE_CHOICES) {
      char key[64];
      snprintf(key, sizeof key, "value:--%s", o->name);
      words_case(out, key, choice_words, o->choices);
    }
  }
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const char *name = custapi_schema_at(i)->name;
    if (custapi_schema_values(name) || strcmp(name, "country") == 0) {
      char key[64];
      snprintf(key, sizeof key, "value:%s", name);
      words_case(out, key, value_words, name);
    }
  }
  fputs("  esac\n}\n", out);
  /* what an option's value is: none (a flag), free, choices, file or profile */
  static const char *const kinds[] = {"none", "free", "choices", "file", "profile"};
  fputs("_custapi_kind() {\n  case $1 in\n", out);
  for (int k = VALUE_FREE; k <= VALUE_PROFILE; k++) {
    const char *sep = "    ";
    for (size_t i = 0; i < cli_option_count(); i++) {
      const cli_option *o = cli_option_at(i);
      if (kind_of(o) != (value_kind)k)
        continue;
      fprintf(out, "%s--%s", sep, o->name);
      if (o->short_name)
        fprintf(out, "|-%c", o->short_name);
      sep = "|";
    }
    if (*sep == '|')
      fprintf(out, ") echo %s ;;\n", kinds[k]);
  }
  fputs("    *) echo none ;;\n  esac\n}\n", out);
}

/* The profiles: the [sections] of the file `custapi config path` names. $1: the command. */
static const char profiles_function[] =
    "_custapi_profiles() {\n"
    "  local file\n"
    "  file=$(command \"$1\" --output text config path 2>/dev/null) || return\n"
    "  [ -f \"$file\" ] && [ -r \"$file\" ] &&\n"
    "    sed -n 's/^[[:space:]]*\\[\\([^]]*\\)\\][[:space:]]*$/\\1/p' \"$file\" 2>/dev/null\n"
    "}\n";

/*
 * What the word being completed wants, printed as "KIND PREFIX" then the candidates, one per
 * line: KIND is words (fixed candidates), file, or nothing. $1: the command's name as typed;
 * $2: the word before; $3: the word (whole, '=' included); $4...: the words after the
 * program's name and before the word.
 */
static const char want_function[] =
    "_custapi_want() {\n"
    "  local program=$1 prev=$2 cur=$3 command='' w kind='' opt='' prefix=''\n"
    "  shift 3\n"
    "  for w in \"$@\"; do\n"
    "    if [[ $kind != none && -n $kind ]]; then kind=none; continue; fi  # an option's value\n"
    "    kind=$(_custapi_kind \"$w\")\n"
    "    [[ $w == -* ]] && continue\n"
    "    if _custapi_words commands | command grep -qxF -- \"$w\"; then command=$w; break; fi\n"
    "  done\n"
    "  if [[ $cur == --*=* ]]; then\n"
    "    opt=${cur%%=*} prefix=${cur%%=*}=\n"
    "  elif [[ $cur != -* && $(_custapi_kind \"$prev\") != none ]]; then\n"
    "    opt=$prev\n"
    "  fi\n"
    "  if [[ -n $opt ]]; then\n"
    "    case $(_custapi_kind \"$opt\") in\n"
    "      choices) echo \"words $prefix\"; _custapi_words \"value:$opt\" ;;\n"
    "      file) echo \"file $prefix\" ;;\n"
    "      profile) echo \"words $prefix\"; _custapi_profiles \"$program\" ;;\n"
    "      *) echo \"words $prefix\" ;;\n"
    "    esac\n"
    "    return\n"
    "  fi\n"
    "  if [[ $cur == -* ]]; then echo 'words '; _custapi_words \"options:$command\"; return; fi\n"
    "  case $command in\n"
    "    ''|help) echo 'words '; _custapi_words commands ;;\n"
    "    config) echo 'words '; _custapi_words config-actions ;;\n"
    "    @PROPERTY_COMMANDS@)\n"
    "      if [[ $cur == *=* ]]; then\n"
    "        echo \"words ${cur%%=*}=\"; _custapi_words \"value:${cur%%=*}\"\n"
    "      else\n"
    "        echo 'words '; _custapi_words properties\n"
    "      fi ;;\n"
    "    *) echo 'words ' ;;\n"
    "  esac\n"
    "}\n";

/* The shell function `_custapi_want`, its one generated part filled in. */
static void print_want_function(FILE *out) {
  const char *mark = strstr(want_function, "@PROPERTY_COMMANDS@");
  fprintf(out, "%.*s", (int)(mark - want_function), want_function);
  property_commands(out, "|");
  fputs(mark + strlen("@PROPERTY_COMMANDS@"), out);
}

/* ---- bash ---- */

/*
 * bash splits the line at COMP_WORDBREAKS (= and : among them), so `status=o` reaches the
 * function as three words. The word is read whole from COMP_LINE instead, and each reply is
 * cut to the part after what bash counts as the word's start.
 */
static void print_bash(FILE *out) {
  fputs("# bash completion for custapi (generated by custapi --completion bash)\n", out);
  print_words_function(out);
  fputs(profiles_function, out);
  print_want_function(out);
  fputs("_custapi() {\n"
        "  local line=${COMP_LINE:0:COMP_POINT} cur='' prev='' head kind prefix c part\n"
        "  local -a words\n"
        "  read -ra words <<<\"$line\"\n"
        "  if [[ $line != *[[:space:]] && ${#words[@]} -gt 1 ]]; then\n"
        "    cur=${words[${#words[@]}-1]}\n"
        "    unset 'words[${#words[@]}-1]'\n"
        "  fi\n"
        "  prev=${words[${#words[@]}-1]}\n"
        "  local bword=${COMP_WORDS[COMP_CWORD]}\n"
        "  [[ $cur == *\"$bword\" ]] || bword=$cur\n"
        "  local cut=$(( ${#cur} - ${#bword} ))\n"
        "  COMPREPLY=()\n"
        "  { read -r kind prefix\n"
        "    if [[ $kind == file ]]; then\n"
        "      compopt -o filenames 2>/dev/null\n"
        "      COMPREPLY=($(compgen -f -- \"${cur:${#prefix}}\"))\n"
        "      return\n"
        "    fi\n"
        "    part=${cur:${#prefix}}\n"
        "    while IFS= read -r c; do\n"
        "      [[ $c == \"$part\"* ]] || continue\n"
        "      c=$prefix$c\n"
        "      [[ $c == *[!A-Za-z0-9_=.,:/@+-]* ]] && printf -v c '%q' \"$c\"\n"
        "      COMPREPLY+=(\"${c:$cut}\")\n"
        "    done\n"
        "  } < <(_custapi_want \"${words[0]}\" \"$prev\" \"$cur\" \"${words[@]:1}\")\n"
        "  if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then\n"
        "    compopt -o nospace 2>/dev/null\n"
        "  fi\n"
        "}\n"
        "complete -F _custapi custapi\n",
        out);
}

/* ---- zsh ---- */

static void print_zsh(FILE *out) {
  fputs("#compdef custapi\n"
        "# zsh completion for custapi (generated by custapi --completion zsh)\n",
        out);
  print_words_function(out);
  fputs(profiles_function, out);
  print_want_function(out);
  /* descriptions: the help's text of each option and the summary of each command */
  fputs("typeset -gA _custapi_described\n_custapi_described=(\n", out);
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    if (o->flags & OPT_HIDDEN)
      continue;
    char key[64];
    snprintf(key, sizeof key, "--%s", o->name);
    fputs("  ", out);
    put_quoted(out, key);
    fputc(' ', out);
    put_quoted(out, o->help);
    fputc('\n', out);
  }
  for (size_t i = 0; i < cli_command_count(); i++) {
    fputs("  ", out);
    put_quoted(out, cli_command_at(i)->name);
    fputc(' ', out);
    put_quoted(out, cli_command_at(i)->summary);
    fputc('\n', out);
  }
  fputs("  help 'the usage of a command'\n)\n", out);
  fputs("_custapi() {\n"
        "  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} kind prefix c\n"
        "  local -a found described\n"
        "  _custapi_want \"${words[1]}\" \"$prev\" \"$cur\" \"${(@)words[2,CURRENT-1]}\" |\n"
        "    { read -r kind prefix; found=(\"${(@f)$(cat)}\") }\n"
        "  case $kind in\n"
        "    file) _files ;;\n"
        "    words)\n"
        "      found=(${found:#})\n"
        "      if [[ -z $prefix && $cur != *=* ]]; then\n"
        "        described=()\n"
        "        for c in $found; do\n"
        "          if (( ${+_custapi_described[$c]} )); then\n"
        "            described+=(\"${c//:/\\\\:}:${_custapi_described[$c]}\")\n"
        "          else\n"
        "            described+=(\"${c//:/\\\\:}\")\n"
        "          fi\n"
        "        done\n"
        "        if [[ $found[1] == *= ]]; then\n"
        "          _describe -t properties 'property' described -S ''\n"
        "        else\n"
        "          _describe -t values 'custapi' described\n"
        "        fi\n"
        "      else\n"
        "        compset -P '*='\n"
        "        compadd -a found\n"
        "      fi ;;\n"
        "  esac\n"
        "}\n"
        "_custapi \"$@\"\n",
        out);
}

/* ---- fish ---- */

static void fish_value(FILE *out, const char *text) { fish_word(out, text); }

static void print_fish(FILE *out) {
  fputs("# fish completion for custapi (generated by custapi --completion fish)\n"
        "complete -c custapi -f\n",
        out);
  /* commands, offered until one is given */
  fputs("set -l __custapi_commands", out);
  for (size_t i = 0; i < cli_command_count(); i++)
    fish_word(out, cli_command_at(i)->name);
  fputs(" help\n", out);
  for (size_t i = 0; i < cli_command_count(); i++) {
    const cli_command_info *c = cli_command_at(i);
    fprintf(out, "complete -c custapi -n \"not __fish_seen_subcommand_from $__custapi_commands\" "
                 "-a %s -d ",
            c->name);
    put_fish_quoted(out, c->summary);
    fputc('\n', out);
  }
  fputs("complete -c custapi -n \"not __fish_seen_subcommand_from $__custapi_commands\" -a help "
        "-d 'the usage of a command'\n"
        "complete -c custapi -n '__fish_seen_subcommand_from help' -a \"$__custapi_commands\"\n"
        "complete -c custapi -n '__fish_seen_subcommand_from config' -a 'list path'\n",
        out);
  fputs("function __custapi_profiles\n"
        "    set -l program (commandline -opc)[1]\n"
        "    set -l file (command $program --output text config path 2>/dev/null)\n"
        "    or return\n"
        "    test -f \"$file\" -a -r \"$file\"; and "
        "string replace -rf '^\\s*\\[([^]]*)\\]\\s*$' '$1' < \"$file\"\n"
        "end\n",
        out);
  /* each option: offered where it applies (before a command: all of them) */
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    if (o->flags & OPT_HIDDEN)
      continue;
    fputs("complete -c custapi -n \"not __fish_seen_subcommand_from $__custapi_commands", out);
    const char *sep = "; or __fish_seen_subcommand_from";
    for (size_t j = 0; j < cli_command_count(); j++) {
      if (cli_option_applies(o, cli_command_at(j)->bit)) {
        fprintf(out, "%s %s", sep, cli_command_at(j)->name);
        sep = "";
      }
    }
    fprintf(out, "\" -l %s", o->name);
    if (o->short_name)
      fprintf(out, " -s %c", o->short_name);
    switch (kind_of(o)) {
    case VALUE_NONE:
      break;
    case VALUE_FREE:
      fputs(" -x", out);
      break;
    case VALUE_CHOICES:
      fputs(" -x -a ", out);
      put_fish_quoted(out, o->choices);
      break;
    case VALUE_FILE:
      fputs(" -r -F", out);
      break;
    case VALUE_PROFILE:
      fputs(" -x -a '(__custapi_profiles)'", out);
      break;
    }
    fputs(" -d ", out);
    put_fish_quoted(out, o->help);
    fputc('\n', out);
  }
  /* PROP= and its values, after update, validate and compare */
  fputs("function __custapi_properties\n"
        "    set -l token (commandline -ct)\n"
        "    switch $token\n",
        out);
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const char *name = custapi_schema_at(i)->name;
    if (!custapi_schema_values(name) && strcmp(name, "country") != 0)
      continue;
    fprintf(out, "        case '%s=*'\n            printf '%s=%%s\\n'", name, name);
    property_values(name, fish_value, out);
    fputc('\n', out);
  }
  fputs("        case '*'\n            printf '%s\\n'", out);
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    char text[80];
    snprintf(text, sizeof text, "%s=", custapi_schema_at(i)->name);
    fish_word(out, text);
  }
  fputs("\n    end\nend\n", out);
  fputs("complete -c custapi -n '__fish_seen_subcommand_from ", out);
  property_commands(out, " ");
  fputs("' -a '(__custapi_properties)'\n", out);
}

void cli_print_completion(FILE *out, const char *shell) {
  if (strcmp(shell, "zsh") == 0)
    print_zsh(out);
  else if (strcmp(shell, "fish") == 0)
    print_fish(out);
  else
    print_bash(out);
}
