#!/usr/bin/env python3
"""What `meson install` puts on a machine, and the documents that must match the code.

- meson installs the command, custapi-refserver, the man pages, the bash, zsh and fish completions
  and every JSON Schema (read from `meson introspect --installed`, nothing is installed);
- `custapi-refserver --help` exits 0 and every option it names is in its man page;
- every option and command of `custapi --help` is in custapi(1), each command's options under
  OPTIONS in that command's group (its own, or a shared one naming it), every variable under
  ENVIRONMENT;
- `groff -ww -z -man` is silent on custapi(1), custapi(3) and custapi-refserver(1); the pages
  have their sections, name the installed documents by their path (/usr/share/doc/custapi/),
  and custapi(3)'s example compiles.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def man_text(name):
    with open(os.path.join(ROOT, "docs", name), encoding="utf-8") as f:
        return f.read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "")


def options_in(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))


class Installed(unittest.TestCase):
    def test_meson_installs_the_tools_pages_completions_and_schemas(self):
        r = run([os.environ["MESON"], "introspect", os.environ["BUILD_ROOT"], "--installed"])
        self.assertEqual(r.returncode, 0, r.stderr)
        installed = list(json.loads(r.stdout).values())
        wanted = ["/bin/custapi", "/bin/custapi-refserver", "/man1/custapi.1", "/man3/custapi.3",
                  "/man1/custapi-refserver.1", "/bash-completion/completions/custapi",
                  "/zsh/site-functions/_custapi", "/fish/vendor_completions.d/custapi.fish"]
        for path in glob.glob(os.path.join(ROOT, "schemas", "*.schema.json")):
            wanted.append("/custapi/schemas/" + os.path.basename(path))
        for end in wanted:
            self.assertTrue(any(p.endswith(end) for p in installed), "not installed: " + end)


class Documents(unittest.TestCase):
    def test_refserver_help_and_man_page(self):
        r = run([os.environ["CUSTAPI_REFSERVER"], "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        helped = options_in(r.stdout)
        self.assertGreater(len(helped), 14)
        page = man_text("custapi-refserver.1")
        self.assertEqual(sorted(helped - options_in(page)), [])
        # the fault and divergence modes the help names are described in the page
        for mode in re.findall(r"\b(http500|html500|http503|http429|reset|badjson|badxml|huge|"
                               r"wrongshape|redirect|doctype|xmlfault|xmlrpc-drops|rest-drops|"
                               r"xmlrpc-reads|rest-reads|xmlrpc-refuses|rest-refuses|"
                               r"reads-fail-after)\b", r.stdout):
            self.assertIn(mode, page)

    def test_custapi_man_page_has_every_option_and_command(self):
        r = run([os.environ["CUSTAPI_EXE"], "--help"])
        self.assertEqual(r.returncode, 0)
        page = man_text("custapi.1")
        self.assertEqual(sorted(options_in(r.stdout) - options_in(page)), [])
        for command in re.findall(r"custapi \[OPTIONS\] (\w+)", r.stdout):
            self.assertIn(".B " + command, page)
        for variable in set(re.findall(r"CUSTAPI_[A-Z_]+", r.stdout)):
            self.assertIn(variable, page)


def raw_page(name):
    with open(os.path.join(ROOT, "docs", name), encoding="utf-8") as f:
        return f.read()


def sections(text, level):
    """{title: body} of the .SH (level "SH") or .SS sections of a page's text."""
    parts = re.split(r"(?m)^\.%s +(.*)$" % level, text)
    return {parts[i].strip('"'): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


class ManPages(unittest.TestCase):
    def test_groff_is_silent(self):
        groff = shutil.which("groff")
        if not groff:
            self.skipTest("groff is not installed (scripts/install-deps installs groff-base)")
        for name in ("custapi.1", "custapi.3", "custapi-refserver.1"):
            r = run([groff, "-ww", "-z", "-t", "-man", os.path.join(ROOT, "docs", name)])
            self.assertEqual((r.returncode, r.stderr), (0, ""), name)

    def test_custapi_1_options_grouped_by_command(self):
        page = man_text("custapi.1")
        top = sections(page, "SH")
        for title in ("SYNOPSIS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES",
                      "BUGS", "SEE ALSO"):
            self.assertIn(title, top)
        groups = sections(top["OPTIONS"], "SS")
        for command in re.findall(r"custapi \[OPTIONS\] (\w+)",
                                  run([os.environ["CUSTAPI_EXE"], "--help"]).stdout):
            helped = options_in(run([os.environ["CUSTAPI_EXE"], "help", command]).stdout)
            covered = set()
            for title, text in groups.items():
                if title == command or title == "Every command" or \
                        re.search(r"[:,] %s\b" % command, title):
                    covered |= options_in(text)
            self.assertEqual(sorted(helped - covered), [], command)
        variables = set(re.findall(r"CUSTAPI_[A-Z_]+",
                                   run([os.environ["CUSTAPI_EXE"], "--help"]).stdout))
        self.assertEqual(sorted(v for v in variables if v not in top["ENVIRONMENT"]), [])
        self.assertEqual(len(re.findall(r'(?m)^\.TP\n\.BR -q ", " --quiet$', page)), 1)

    def test_documents_named_by_their_installed_path(self):
        for name in ("custapi.1", "custapi.3"):
            page = raw_page(name)
            self.assertIsNone(re.search(r"(?<![\w/])docs/", page), name)
            self.assertIn("/usr/share/doc/custapi/", page)

    def test_custapi_3_sections_and_example(self):
        page = raw_page("custapi.3")
        top = sections(page, "SH")
        for title in ("SYNOPSIS", "DESCRIPTION", "RETURN VALUE", "ERRORS", "EXAMPLES"):
            self.assertIn(title, top)
        self.assertIn(".SS Ownership", page)
        code = top["EXAMPLES"].split(".nf\n", 1)[1].split("\n.fi", 1)[0]
        code = code.replace("\\en", "\\n").replace("\\-", "-")
        cc = shutil.which("cc")
        if not cc:
            self.skipTest("no C compiler")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "example.c")
            with open(path, "w", encoding="utf-8") as f:
                f.write(code)
            r = run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I",
                     os.path.join(ROOT, "include"), "-c", path, "-o",
                     os.path.join(tmp, "example.o")])
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    for var in ("MESON", "BUILD_ROOT", "CUSTAPI_EXE", "CUSTAPI_REFSERVER"):
        if not os.environ.get(var):
            print("SKIP: %s is not set (meson sets it)" % var)
            sys.exit(77)
    sys.exit(0 if unittest.main(argv=[sys.argv[0], "-v"], exit=False).result.wasSuccessful()
             else 1)
