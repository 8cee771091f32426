#!/usr/bin/env python3
"""The command as an operator meets it (issue 22): get's answer taken back by update --json,
settings from profiles and the environment with `custapi config list` naming where each came
from, messages that say what to do, and config files that are not regular, or that others may
write, refused at once. Against the reference server; exits 77 when it can't be found.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import interop  # noqa: E402  (starts the reference server: one way for every Python test)

SERVER = {}
TMP = None
SOURCE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def environment(extra=None, key=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent/custapi-tests"
    env["HOME"] = "/nonexistent/custapi-tests-home"
    if key:
        env["CUSTAPI_API_KEY"] = interop.KEY
    env.update(extra or {})
    return env


def custapi(args, env=None, stdin=None, settings=True, key=True, timeout=20):
    """Runs custapi; returns (exit code, stdout text, stderr text)."""
    base = []
    if settings:
        base = ["--url", "http://127.0.0.1:%d" % SERVER["port"], "--username", interop.USER]
    proc = subprocess.run([os.environ["CUSTAPI_EXE"]] + base + args, input=stdin,
                          capture_output=True, text=True, env=environment(env, key),
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def requests_seen():
    """How many requests the server has received (its capture file, one line each)."""
    with open(os.path.join(SERVER["tmp"], "capture.jsonl"), encoding="utf-8") as f:
        return sum(1 for _ in f)


def write(name, text, mode=0o600):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


class RoundTrip(unittest.TestCase):
    """Item 3: what get prints, update --json takes back, over both protocols."""

    def test_get_answer_is_taken_back_by_update(self):
        for get_protocol, update_protocol in (("rest", "xmlrpc"), ("xmlrpc", "rest"),
                                              ("rest", "rest")):
            code, out, err = custapi(["--protocol", get_protocol, "get", "--id", "11"])
            self.assertEqual(code, 0, err)
            answer = json.loads(out)
            answer["customer"]["sms_quota"] += 1  # an operator's edit of the saved answer
            path = write("c.json", json.dumps(answer))
            code, out, err = custapi(["--protocol", update_protocol, "--ignore-read-only",
                                      "update", "--id", "11", "--json", path])
            self.assertEqual(code, 0, "%s -> %s: %s %s" % (get_protocol, update_protocol,
                                                            out, err))
            code, out, _ = custapi(["get", "--id", "11"])
            self.assertEqual(json.loads(out)["customer"]["sms_quota"],
                             answer["customer"]["sms_quota"])

    def test_piped_as_the_issue_wrote_it(self):
        code, out, err = custapi(["get", "--id", "12"])
        self.assertEqual(code, 0, err)
        code, out, err = custapi(["--ignore-read-only", "update", "--id", "12", "--json", "-"],
                                 stdin=out)
        self.assertEqual(code, 0, err)
        code, out, err = custapi(["--ignore-read-only", "validate", "--json", "-"], stdin=out,
                                 settings=False)
        self.assertEqual(code, 0, err)

    def test_answers_that_can_not_be_taken_back_send_nothing(self):
        _, answer, _ = custapi(["get", "--id", "11"])
        path = write("c11.json", answer)
        _, failed, _ = custapi(["get", "--id", "999999"])
        before = requests_seen()
        code, out, err = custapi(["--ignore-read-only", "update", "--id", "12", "--json", path])
        self.assertEqual(code, 2, out)
        self.assertIn("customer 11, not for --id 12", err)
        path = write("failed.json", failed)
        code, out, err = custapi(["update", "--id", "999999", "--json", path])
        self.assertEqual(code, 2, out)
        self.assertIn("a command that failed", err)
        # the customer inside is checked as a bare object is: a name twice is refused
        twice = answer.replace('"sms_quota":', '"sms_quota":1,"sms_quota":', 1)
        code, out, err = custapi(["--ignore-read-only", "update", "--id", "11", "--json", "-"],
                                 stdin=twice)
        self.assertEqual(code, 3, out)
        self.assertIn("sms_quota", err)
        self.assertEqual(requests_seen(), before)


class Settings(unittest.TestCase):
    """Item 4: a profile key and a CUSTAPI_* variable for every setting; config list/path."""

    def config(self, text, name="config"):
        return write(name, text)

    def test_output_text_in_a_profile(self):
        path = self.config("[default]\noutput = text\n")
        code, out, err = custapi(["get", "--id", "11"], env={"CUSTAPI_CONFIG": path})
        self.assertEqual(code, 0, err)
        self.assertNotIn("{", out)
        self.assertRegex(out, r"(?m)^sms_quota\s+\d+")

    def test_the_environment_gives_timeout_retries_concurrency_output(self):
        code, out, _ = custapi(["validate", "sms_quota=5"], env={"CUSTAPI_OUTPUT": "text"},
                               settings=False)
        self.assertEqual(code, 0)
        self.assertNotIn("{", out)
        # each variable goes through the option's own check, and the message names it
        for var, bad in (("CUSTAPI_TIMEOUT", "soon"), ("CUSTAPI_RETRIES", "101"),
                         ("CUSTAPI_CONCURRENCY", "0"), ("CUSTAPI_OUTPUT", "xml"),
                         ("CUSTAPI_QUIET", "maybe")):
            code, _, err = custapi(["bulk", "--input", "-"], env={var: bad}, stdin="")
            self.assertEqual(code, 2, var)
            self.assertTrue(err.startswith("custapi: %s: " % var), err)
        code, out, err = custapi(["config", "list"], env={
            "CUSTAPI_TIMEOUT": "7", "CUSTAPI_RETRIES": "1", "CUSTAPI_CONCURRENCY": "3",
            "CUSTAPI_OUTPUT": "json"})
        rows = {r["name"]: r for r in json.loads(out)["settings"]}
        for name, value in (("timeout", "7"), ("retries", "1"), ("concurrency", "3")):
            self.assertEqual(rows[name]["value"], value)
            self.assertEqual(rows[name]["origin"], "environment CUSTAPI_" + name.upper())

    def test_config_list_names_each_origin_and_never_the_key(self):
        key_file = write("key", interop.KEY + "\n")
        path = self.config("[ops]\nretries = 5\nconcurrency = 4\napi-key-file = %s\n"
                           "quiet = yes\n" % key_file)
        code, out, err = custapi(["--profile", "ops", "--output", "text", "config", "list",
                                  "--concurrency", "9"],
                                 env={"CUSTAPI_CONFIG": path, "CUSTAPI_TIMEOUT": "2.5",
                                      "CUSTAPI_VERBOSE": "yes"}, key=False)
        self.assertEqual(code, 0, err)
        rows = {line.split()[0]: line for line in out.splitlines()}
        self.assertRegex(rows["concurrency"], r"\s9\s+command line$")
        self.assertRegex(rows["timeout"], r"\s2\.5\s+environment CUSTAPI_TIMEOUT$")
        self.assertTrue(rows["retries"].endswith("profile ops in " + path), rows["retries"])
        self.assertRegex(rows["protocol"], r"\srest\s+default$")
        self.assertRegex(rows["output"], r"\stext\s+command line$")
        # the environment's -v outranks the profile's quiet = yes
        self.assertRegex(rows["verbose"], r"\syes\s+environment CUSTAPI_VERBOSE$")
        self.assertIn("the file api-key-file names", rows["api-key"])
        code, out, _ = custapi(["config", "list"], env={"CUSTAPI_PROXY":
                                                         "http://me:hunter2@proxy:3128"})
        doc = json.loads(out)
        rows = {r["name"]: r for r in doc["settings"]}
        self.assertEqual(rows["api-key"]["value"], "set")
        self.assertEqual(rows["api-key"]["origin"], "environment CUSTAPI_API_KEY")
        self.assertEqual(rows["proxy"]["value"], "http://***@proxy:3128")
        self.assertNotIn(interop.KEY, out)
        self.assertNotIn("hunter2", out)

    def test_config_path(self):
        code, out, _ = custapi(["--output", "text", "config", "path"], settings=False,
                               env={"XDG_CONFIG_HOME": "/somewhere"})
        self.assertEqual((code, out), (0, "/somewhere/custapi/config\n"))
        code, out, _ = custapi(["config", "path"], settings=False,
                               env={"CUSTAPI_CONFIG": "/etc/custapi.ini"})
        self.assertEqual(json.loads(out), {"ok": True, "path": "/etc/custapi.ini",
                                           "from": "CUSTAPI_CONFIG"})
        code, out, err = custapi(["config", "show"], settings=False)
        self.assertEqual(code, 2)
        self.assertIn("list or path", err)

    def test_every_setting_has_a_profile_key_and_a_variable(self):
        # the help marks a setting with its variable; a profile takes every one of them
        code, out, _ = custapi(["--help"], settings=False)
        variables = re.findall(r"--([a-z-]+)[^\n]*\((CUSTAPI_[A-Z_]+)\)", out)
        names = {name for name, _ in variables}
        for name in ("timeout", "retries", "concurrency", "output", "cacert", "proxy",
                     "xmlrpc-prefix", "quiet", "verbose"):
            self.assertIn(name, names)
        for name, var in variables:
            self.assertEqual(var, "CUSTAPI_" + name.upper().replace("-", "_"))
            if name == "profile":
                continue
            path = self.config("[default]\n%s = 1\n" % name, name="keys")
            _, _, err = custapi(["config", "list"], env={"CUSTAPI_CONFIG": path})
            self.assertNotIn("unknown key", err)


class Messages(unittest.TestCase):
    """Item 7: every case of the issue says what to write instead."""

    def usage(self, args, needle, **kw):
        code, out, err = custapi(args, **kw)
        self.assertEqual(code, 2, "%s: %s %s" % (args, out, err))
        self.assertIn(needle, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        return err

    def test_no_command_names_gateway_and_help(self):
        err = self.usage([], "no command given", settings=False)
        for word in ("update", "gateway", "config", "help"):
            self.assertIn(word, err)

    def test_combined_short_options(self):
        code, out, _ = custapi(["-hq", "get"], settings=False)
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("usage: custapi [OPTIONS] get"), out)
        self.usage(["-vq", "get", "--id", "1"], "contradict")
        self.usage(["-vx", "get", "--id", "1"], "unknown option -x in -vx")

    def test_operands(self):
        self.usage(["get", "1"], "given as --id 1")
        self.usage(["probe", "now"], "probe takes no operands")

    def test_enumerations_suggest_or_list(self):
        code, _, err = custapi(["validate", "industry=tech"], settings=False)
        self.assertEqual(code, 3)
        self.assertIn('did you mean "Technology & Science"?', err)
        code, _, err = custapi(["validate", "industry=zzz"], settings=False)
        self.assertEqual(code, 3)
        for value in ("Personal Use", "Hospitality, Travel & Tourism", "Technology & Science"):
            self.assertIn(value, err)
        code, _, err = custapi(["validate", "deleted=y"], settings=False)
        self.assertIn('did you mean "yes"?', err)

    def test_options_that_do_not_apply_are_refused_naming_the_command(self):
        before = requests_seen()
        self.usage(["validate", "--id", "5", "sms_quota=1"], "--id does not apply to validate",
                   settings=False)
        self.usage(["get", "--strict", "--id", "5"], "--strict does not apply to get")
        self.usage(["probe", "--concurrency", "2"], "--concurrency does not apply to probe")
        self.assertEqual(requests_seen(), before)
        # a profile's setting for another command is only left unused
        path = write("shared", "[default]\nconcurrency = 2\n")
        code, _, err = custapi(["get", "--id", "5"], env={"CUSTAPI_CONFIG": path})
        self.assertEqual(code, 0, err)

    def test_cant_listen_names_tls_only_when_given(self):
        err = self.usage(["--url", "http://127.0.0.1:%d" % SERVER["port"], "gateway", "--listen",
                          "127.0.0.1:%d" % SERVER["port"]], "can't listen on", settings=False)
        self.assertNotIn("TLS", err)

    def test_version_names_the_libraries(self):
        code, out, _ = custapi(["--version"], settings=False)
        self.assertEqual(code, 0)
        for library in ("libcurl", "json-c", "xmlrpc-c", "libmicrohttpd"):
            self.assertRegex(out, r"\b%s \d+\.\d+" % re.escape(library))
        pkg = shutil.which("pkg-config")
        if pkg:
            for module, name in (("json-c", "json-c"), ("libmicrohttpd", "libmicrohttpd")):
                version = subprocess.run([pkg, "--modversion", module], capture_output=True,
                                         text=True).stdout.strip()
                if version:
                    self.assertIn("%s %s" % (name, version), out)

    def test_readme_compare_example_names_the_servers_divergence(self):
        with open(os.path.join(SOURCE_ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        end = readme.index("1 difference:\n  - sms_quota")
        example = readme[end - 900:end]  # the paragraph that introduces the example
        self.assertIn("--diverge xmlrpc-drops:sms_quota", example)


class ConfigFiles(unittest.TestCase):
    """Item 9: opened without blocking, checked before being read."""

    def refused(self, path, needle, env_name="CUSTAPI_CONFIG"):
        env = {env_name: path} if env_name == "CUSTAPI_CONFIG" else {"XDG_CONFIG_HOME": path}
        for args in (["validate", "sms_quota=1"], ["config", "list"]):
            code, out, err = custapi(args, env=env, settings=False, timeout=10)
            self.assertEqual(code, 2, "%s: %s %s" % (path, out, err))
            self.assertIn(needle, err)

    def test_not_regular_files_are_refused_at_once(self):
        fifo = os.path.join(TMP, "fifo")
        os.mkfifo(fifo, 0o600)
        self.refused(fifo, "is not a regular file (a FIFO)")  # before: every command hung here
        folder = os.path.join(TMP, "folder")
        os.mkdir(folder, 0o700)
        self.refused(folder, "is not a regular file (a directory)")
        self.refused("/dev/null", "is not a regular file (a device)")
        # the default file too, where nobody named it
        xdg = os.path.join(TMP, "xdg")
        os.makedirs(os.path.join(xdg, "custapi"))
        os.mkfifo(os.path.join(xdg, "custapi", "config"), 0o600)
        self.refused(xdg, "is not a regular file (a FIFO)", env_name="XDG_CONFIG_HOME")

    def test_writable_by_others_is_refused_naming_the_chmod(self):
        for mode, who in ((0o666, "every user"), (0o620, "its group")):
            path = write("open-config", "[default]\nurl = http://127.0.0.1:1\n", mode)
            self.refused(path, "writable by %s" % who)
            self.refused(path, "run: chmod go-w " + path)
        path = write("closed-config", "[default]\nretries = 1\n", 0o644)
        code, _, err = custapi(["validate", "sms_quota=1"], env={"CUSTAPI_CONFIG": path},
                               settings=False)
        self.assertEqual(code, 0, err)


def main():
    global TMP
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        os.environ.pop(var, None)
    if not os.environ.get("CUSTAPI_EXE"):
        print("SKIP: CUSTAPI_EXE is not set (meson sets it)")
        return 77
    TMP = tempfile.mkdtemp(prefix="custapi-operator.")
    ok = False
    proc = None
    try:
        tmp = os.path.join(TMP, "server")
        os.mkdir(tmp)
        proc, port = interop.start_server(tmp)
        SERVER.update(port=port, tmp=tmp)
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        ok = result.wasSuccessful()
    finally:
        if proc:
            interop.stop_server(proc)
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
