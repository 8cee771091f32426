#!/usr/bin/env python3
"""What `meson install` puts on a machine, and the documents that must match the code.

- meson installs the command, custapi-refserver, the man pages, the bash, zsh and fish completions,
  every JSON Schema, README and every docs/*.md under share/doc/custapi and the examples under
  share/doc/custapi/examples (read from `meson introspect --installed`, nothing is installed);
- `custapi-refserver --help` exits 0 and every option it names is in its man page;
  `custapi-refserver --version` prints the version `custapi --version` prints;
- every example of custapi-refserver(1) runs as written (in a temporary folder, with the built
  custapi and custapi-refserver first on PATH) and does what the page says;
- every option and command of `custapi --help` is in custapi(1), each command's options under
  OPTIONS in that command's group (its own, or a shared one naming it), every variable under
  ENVIRONMENT;
- `groff -ww -z -man` is silent on custapi(1), custapi(3) and custapi-refserver(1); the pages
  have their sections, name the installed documents by their path (/usr/share/doc/custapi/),
  each installed there, never a path of the source tree (docs/, examples/), and custapi(3)'s
  example compiles.
"""
import glob
import json
import os
import re
import shutil
import signal
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


def man_examples(name):
    """The .nf/.fi blocks of a man page's EXAMPLES section, as a shell reads them."""
    with open(os.path.join(ROOT, "docs", name), encoding="utf-8") as f:
        section = f.read().split("\n.SH EXAMPLES\n", 1)[1].split("\n.SH ", 1)[0]
    blocks = re.findall(r"^\.nf\n(.*?)^\.fi$", section, re.S | re.M)
    return [b.replace("\\-", "-").replace("\\e", "\\") for b in blocks]


def installed_paths():
    r = run([os.environ["MESON"], "introspect", os.environ["BUILD_ROOT"], "--installed"])
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return list(json.loads(r.stdout).values())


def options_in(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))


class Installed(unittest.TestCase):
    def test_meson_installs_the_tools_pages_completions_and_schemas(self):
        installed = installed_paths()
        wanted = ["/bin/custapi", "/bin/custapi-refserver", "/man1/custapi.1", "/man3/custapi.3",
                  "/man1/custapi-refserver.1", "/bash-completion/completions/custapi",
                  "/zsh/site-functions/_custapi", "/fish/vendor_completions.d/custapi.fish"]
        for path in glob.glob(os.path.join(ROOT, "schemas", "*.schema.json")):
            wanted.append("/custapi/schemas/" + os.path.basename(path))
        for end in wanted:
            self.assertTrue(any(p.endswith(end) for p in installed), "not installed: " + end)

    def test_readme_guides_and_examples_are_installed_as_documentation(self):
        installed = installed_paths()
        wanted = ["/share/doc/custapi/README.md"]
        wanted += ["/share/doc/custapi/" + os.path.basename(p)
                   for p in glob.glob(os.path.join(ROOT, "docs", "*.md"))]
        wanted += ["/share/doc/custapi/examples/" + os.path.basename(p)
                   for p in glob.glob(os.path.join(ROOT, "examples", "*.c"))]
        self.assertGreater(len(wanted), 8)
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

    def test_refserver_version_is_the_release(self):
        r = run([os.environ["CUSTAPI_EXE"], "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        version = r.stdout.splitlines()[0].split()[-1]  # "custapi VERSION", then the libraries
        r = run([os.environ["CUSTAPI_REFSERVER"], "--version"])
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "custapi-refserver %s\n" % version, ""))
        r = run([os.environ["CUSTAPI_REFSERVER"], "--version=1"])
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertEqual(r.stderr, "custapi-refserver: --version takes no value\n")

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
        installed = installed_paths()
        pages = [os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "docs", "*.[1-8]"))]
        self.assertGreater(len(pages), 2)
        for name in pages:
            page = raw_page(name)
            # a path into the source tree means nothing to someone who installed a package
            self.assertEqual(re.findall(r"(?<![\w/])(?:docs|examples)/[\w./-]+", page), [], name)
            named = re.findall(r"/usr/share/doc/custapi/([\w./-]*\w)", page)
            if name in ("custapi.1", "custapi.3"):
                self.assertNotEqual(named, [], name)
            for doc in named:
                self.assertTrue(any(p.endswith("/share/doc/custapi/" + doc) for p in installed),
                                "%s names /usr/share/doc/custapi/%s, which is not installed"
                                % (name, doc))

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


class RefserverExamples(unittest.TestCase):
    """Each example of custapi-refserver(1), run as written by sh in an empty folder."""

    def run_example(self, block):
        if not shutil.which("curl") and "curl " in block:
            self.skipTest("curl is not installed")
        bindirs = [os.path.dirname(os.environ[v]) for v in ("CUSTAPI_EXE", "CUSTAPI_REFSERVER")]
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env["PATH"] = os.pathsep.join(bindirs + [env.get("PATH", "/usr/bin:/bin")])
        with tempfile.TemporaryDirectory() as folder:
            # A session of its own: whatever the example leaves running is stopped below.
            proc = subprocess.Popen(["sh", "-e", "-c", block], cwd=folder, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            try:
                out, err = proc.communicate(timeout=60)
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            files = sorted(os.listdir(folder))
            captured = []
            if "requests.jsonl" in files:
                with open(os.path.join(folder, "requests.jsonl"), encoding="utf-8") as f:
                    captured = [json.loads(line) for line in f]
        self.assertEqual(proc.returncode, 0, "example failed:\n%s\nstderr:\n%s" % (block, err))
        return out, files, captured

    def test_every_example_runs_as_written(self):
        blocks = man_examples("custapi-refserver.1")
        self.assertEqual(len(blocks), 2)
        # the server for a test suite: a customer read, a fault on demand, each captured
        out, files, captured = self.run_example(blocks[0])
        self.assertIn('"id":42', out.replace(" ", ""))
        self.assertIn("customers.sqlite", files)
        self.assertEqual([c["method"] for c in captured], ["GET", "GET"])
        # two 503 answers, then custapi's third attempt succeeds
        out, _, _ = self.run_example(blocks[1])
        result = json.loads(out)
        self.assertEqual((result["ok"], result["attempts"], result["id"]), (True, 3, 42))


if __name__ == "__main__":
    for var in ("MESON", "BUILD_ROOT", "CUSTAPI_EXE", "CUSTAPI_REFSERVER"):
        if not os.environ.get(var):
            print("SKIP: %s is not set (meson sets it)" % var)
            sys.exit(77)
    sys.exit(0 if unittest.main(argv=[sys.argv[0], "-v"], exit=False).result.wasSuccessful()
             else 1)
