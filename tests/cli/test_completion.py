#!/usr/bin/env python3
"""The generated shell completions (custapi --completion bash|zsh|fish), driven through each
shell's own completion machinery:

- bash: the script sourced, _custapi called with COMP_LINE, COMP_POINT and COMP_WORDS as
  readline sets them (split at COMP_WORDBREAKS, so `status=o` is three words);
- zsh: an interactive `zsh -f` on a pseudo-terminal with compinit, the script found on $fpath
  by its #compdef line, and TAB pressed; compadd wrapped to log the matches it keeps;
- fish: `complete -C LINE`, fish's own answer.

Each checks the cases of issue 22: per-command options, option values (choices, files, the
config file's profiles), PROP= and the allowed values (status, industry, country), and
`status=` never offering property names again. Exits 77 when a shell is missing, naming it.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

TMP = None
SCRIPTS = {}
WORDBREAKS = "\"'><=;|&(:"


def environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_")}
    env["CUSTAPI_CONFIG"] = os.path.join(TMP, "config")
    env["PATH"] = os.path.dirname(os.environ["CUSTAPI_EXE"]) + os.pathsep + env.get("PATH", "")
    env["HOME"] = TMP
    return env


def bash_words(line):
    """COMP_WORDS as readline makes them: whitespace-separated, then each run of word-break
    characters a word of its own; the last word is empty after a space."""
    words = []
    for part in line.split():
        for piece in re.findall("[%s]+|[^%s]+" % (re.escape(WORDBREAKS), re.escape(WORDBREAKS)),
                                part):
            words.append(piece)
    if line.endswith(" "):
        words.append("")
    return words


def bash_complete(line):
    words = bash_words(line)
    quoted = " ".join("'%s'" % w.replace("'", "'\\''") for w in words)
    script = ("source '%s'; COMP_LINE='%s'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(%s); "
              "COMP_CWORD=%d; _custapi; printf '%%s\\n' \"${COMPREPLY[@]}\""
              % (SCRIPTS["bash"], line.replace("'", "'\\''"), quoted, len(words) - 1))
    proc = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True,
                          env=environment(), timeout=30)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [w for w in proc.stdout.split("\n") if w]


def fish_complete(line):
    proc = subprocess.run(["fish", "--no-config", "-c",
                           "source '%s'; complete -C '%s'" % (SCRIPTS["fish"], line)],
                          capture_output=True, text=True, env=environment(), timeout=30)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [w.split("\t")[0] for w in proc.stdout.split("\n") if w]


class Zsh:
    """An interactive zsh on a pseudo-terminal, completing with compinit and the script."""

    def __init__(self):
        self.log = os.path.join(TMP, "zsh-matches")
        functions = os.path.join(TMP, "zfunc")
        os.makedirs(functions, exist_ok=True)
        shutil.copy(SCRIPTS["zsh"], os.path.join(functions, "_custapi"))
        env = environment()
        env["TERM"] = "dumb"
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("zsh", ["zsh", "-f", "-i"], env)
        self.send("PS1='>'; fpath=(%s $fpath); autoload -Uz compinit; compinit -u -D\n" %
                  functions)
        # Every match zsh keeps after its own filtering is logged; the calls that only
        # filter (-O, -A, -D) pass through.
        self.send("compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then "
                  "builtin compadd \"$@\"; return; fi; local -a hits; "
                  "builtin compadd -O hits \"$@\"; print -rl -- $IPREFIX$^hits >> %s; "
                  "builtin compadd \"$@\" }\n" % self.log)
        self.send("zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no\n")
        # the script's function, and a mark in the log once it has finished (keys typed
        # ahead are no use: zsh flushes them when the completion runs a program)
        self.send("_custapi_marked() { _custapi \"$@\"; print -r -- END >> %s }; "
                  "compdef _custapi_marked custapi\n" % self.log)
        self.wait_for("echo READY$((0))\n", "READY0\r")  # the typed line's echo does not match

    def send(self, text):
        os.write(self.fd, text.encode())

    def read_until(self, needle, timeout=20):
        seen, deadline = b"", time.time() + timeout
        while needle.encode() not in seen:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("zsh did not say %r: %r" % (needle, seen[-400:]))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                seen += os.read(self.fd, 4096)
        return seen

    def wait_for(self, command, needle):
        self.send(command)
        return self.read_until(needle)

    def complete(self, line, marker=[0]):
        marker[0] += 1
        if os.path.exists(self.log):
            os.unlink(self.log)
        # TAB, then ^U (kill the line) and a command whose echo says the completion finished
        self.send(line + "\t")
        deadline = time.time() + 20
        while True:
            if os.path.exists(self.log):
                with open(self.log, encoding="utf-8") as f:
                    words = f.read().split("\n")
                if "END" in words:
                    break
            if time.time() > deadline:
                raise AssertionError("zsh did not complete %r" % line)
            time.sleep(0.05)
        self.wait_for("\x15echo DONE$((%d))\n" % marker[0], "DONE%d\r" % marker[0])
        return [w for w in words[: words.index("END")] if w]

    def close(self):
        self.send("exit\n")
        try:
            os.waitpid(self.pid, 0)
        finally:
            os.close(self.fd)


class Cases:
    """The same cases for every shell; `complete(line)` gives the candidates as the shell
    would insert them (for bash: the part after what bash counts as the word's start)."""

    def test_commands_and_per_command_options(self):
        self.assertEqual(self.complete("custapi up"), ["update"])
        self.assertIn("config", self.complete("custapi "))
        got = self.complete("custapi get --")
        self.assertIn("--id", got)
        self.assertIn("--timeout", got)
        for foreign in ("--strict", "--json", "--concurrency", "--listen"):
            self.assertNotIn(foreign, got)
        self.assertIn("--concurrency", self.complete("custapi bulk --con"))
        self.assertEqual(self.complete("custapi config "), ["list", "path"])

    def test_option_values(self):
        self.assertEqual(sorted(self.complete("custapi --protocol ")), ["rest", "xmlrpc"])
        self.assertEqual(self.complete("custapi get --output t"), ["text"])
        self.assertEqual(sorted(self.complete("custapi --profile ")), ["default", "prod"])
        got = self.complete("custapi update --json %s/in" % TMP)
        self.assertTrue(got and all(w.endswith("input.json") for w in got), got)

    def test_property_names_and_values(self):
        self.assertEqual(self.complete("custapi update sms"), ["sms_quota="])
        got = self.complete("custapi update status=")
        self.assertEqual(sorted(self.value(w) for w in got), ["deleted", "off", "on", "suspended"])
        self.assertFalse([w for w in got if "name=" in w], got)  # never properties again
        self.assertEqual([self.value(w) for w in self.complete("custapi validate industry=Tec")],
                         [self.escaped("Technology & Science")])
        self.assertEqual(sorted(self.value(w) for w in self.complete("custapi update country=Z")),
                         ["ZA", "ZM", "ZW"])
        self.assertEqual(self.complete("custapi get sms"), [])

    def value(self, word):
        return word.split("=", 1)[1] if "=" in word else word

    def escaped(self, text):
        return text


class Bash(Cases, unittest.TestCase):
    def complete(self, line):
        return bash_complete(line)

    def value(self, word):
        # bash replaces the word after "=" (a word break): "=on" after "status", or "on"
        return word[1:] if word.startswith("=") else word

    def escaped(self, text):
        return re.sub(r"([ &])", r"\\\1", text)

    def test_a_value_with_a_word_break_in_it(self):
        # the reply is cut where bash's word starts: after the last "=" or ":"
        self.assertEqual(bash_complete("custapi --url http://x up"), ["update"])
        self.assertEqual(bash_complete("custapi --protocol=x"), ["xmlrpc"])


class Fish(Cases, unittest.TestCase):
    def complete(self, line):
        return fish_complete(line)

    def test_descriptions(self):
        proc = subprocess.run(["fish", "--no-config", "-c",
                               "source '%s'; complete -C 'custapi --url'" % SCRIPTS["fish"]],
                              capture_output=True, text=True, env=environment(), timeout=30)
        self.assertEqual(proc.stdout, "--url\tthe install's base address\n")


class Zshell(Cases, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.zsh = Zsh()

    @classmethod
    def tearDownClass(cls):
        cls.zsh.close()

    def complete(self, line):
        return self.zsh.complete(line)

    def test_descriptions_are_the_help_texts(self):
        with open(SCRIPTS["zsh"], encoding="utf-8") as f:
            text = f.read()
        self.assertIn("'--url' 'the install'\\''s base address'", text)
        self.assertIn("http://", text)
        self.assertNotIn("(default  (default))", text)


def main():
    global TMP
    exe = os.environ.get("CUSTAPI_EXE")
    if not exe:
        print("SKIP: CUSTAPI_EXE is not set (meson sets it)")
        return 77
    missing = [shell for shell in ("bash", "zsh", "fish") if not shutil.which(shell)]
    if missing:
        print("SKIP: %s not installed (scripts/install-deps installs them)" % ", ".join(missing))
        return 77
    TMP = tempfile.mkdtemp(prefix="custapi-completion.")
    try:
        for shell, name in (("bash", "custapi.bash"), ("zsh", "_custapi"),
                            ("fish", "custapi.fish")):
            path = os.path.join(TMP, name)
            with open(path, "w", encoding="utf-8") as f:
                subprocess.run([exe, "--completion", shell], stdout=f, check=True, timeout=30)
            SCRIPTS[shell] = path
        with open(os.path.join(TMP, "config"), "w", encoding="utf-8") as f:
            f.write("[default]\nretries = 1\n\n[prod]\nretries = 2\n")
        os.chmod(os.path.join(TMP, "config"), 0o600)
        open(os.path.join(TMP, "input.json"), "w").close()
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        return 0 if result.wasSuccessful() else 1
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
