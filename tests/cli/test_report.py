#!/usr/bin/env python3
"""Noise, compare --results and custapi report (issue 24), end to end against the reference
server: a property that changes by itself (--diverge noisy:FIELD) and a real difference
(--diverge xmlrpc-drops:PROP) told apart in one run; the results lines; the report's counts,
exit codes and refusals; the page's escaping and its bound.

Every server it starts is on 127.0.0.1 and stopped at the end. Exits 77 when the programs are
missing.
"""
import html.parser
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import interop  # noqa: E402

SERVERS = {}  # name -> (process, port)
TMP = None
HOSTILE = "<img src=x onerror=alert(1)>&\"'"


def custapi(args, server=None, stdin=None):
    """Runs custapi; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_") or
           k == "CUSTAPI_EXE"}
    env["XDG_CONFIG_HOME"] = "/nonexistent/custapi-tests"
    env["CUSTAPI_API_KEY"] = interop.KEY
    base = []
    if server:
        base = ["--url", "http://127.0.0.1:%d" % SERVERS[server][1], "--username", interop.USER]
    proc = subprocess.run([os.environ["CUSTAPI_EXE"]] + base + args, input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def path(name):
    return os.path.join(TMP, name)


def write(name, text):
    with open(path(name), "w", encoding="utf-8") as f:
        f.write(text)
    return path(name)


def lines_of(name):
    with open(path(name), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class Fetches(html.parser.HTMLParser):
    """Whatever in a page could make a browser fetch something or run a script."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "img", "iframe", "object", "embed", "audio", "video",
                   "source", "base", "form", "meta") and not (
                       tag == "meta" and all(k in ("charset", "name", "content")
                                             for k, _ in attrs)):
            self.found.append(tag)
        for name, value in attrs:
            if name in ("src", "srcset", "action", "formaction", "background", "poster",
                        "data") or name.startswith("on"):
                self.found.append("%s=%s" % (name, value))
            if name in ("href", "xlink:href") and not (value or "").startswith("#"):
                self.found.append("%s=%s" % (name, value))
            if name == "style" and "url(" in (value or ""):
                self.found.append("style url(")

    def handle_data(self, data):
        if self.lasttag == "style" and ("url(" in data or "@import" in data):
            self.found.append("style: url( or @import")


def fetches(page):
    p = Fetches()
    p.feed(page)
    return p.found


def verdicts(line):
    return {p["name"]: p["verdict"] for p in line["properties"]}


class Noise(unittest.TestCase):
    def test_noise_and_a_difference_told_apart_in_one_run(self):
        # last_seen changes on every read (noise); sms_quota is dropped over XML-RPC (real).
        src = write("mixed.jsonl", "".join('{"id":%d,"sms_quota":%d,"name":"N%d"}\n' % (i, 40 + i, i)
                                           for i in (11, 12, 13)))
        code, out, err = custapi(["compare", "--input", src, "--yes", "--results",
                                  path("mixed-results.jsonl")], "mixed")
        self.assertEqual(code, 1, err)  # sms_quota differs: exit 1 (differ)
        summary = json.loads(out)
        self.assertEqual((summary["records"], summary["differed"]), (3, 3))
        for record in summary["disagreements"]:  # the sentences name sms_quota, never last_seen
            self.assertTrue(any("sms_quota" in d for d in record["differences"]))
            self.assertFalse(any("last_seen" in d for d in record["differences"]))
        lines = lines_of("mixed-results.jsonl")
        self.assertEqual(lines[0], {"custapi_compare_results": 1,
                                    "custapi_version": lines[0]["custapi_version"]})
        self.assertEqual([l["line"] for l in lines[1:]], [1, 2, 3])
        for line, cid in zip(lines[1:], (11, 12, 13)):
            self.assertEqual(line["id"], cid)
            v = verdicts(line)
            self.assertEqual((v["sms_quota"], v["last_seen"], v["name"]),
                             ("differ", "noise", "agree"))
            self.assertEqual(line["verdict"], "differ")
            self.assertEqual(line["outcomes"]["rest"], {"ok": True, "category": "ok",
                                                        "http_status": 200, "fault_code": None})
            sms = [p for p in line["properties"] if p["name"] == "sms_quota"][0]
            self.assertEqual((sms["after_rest"], sms["after_xmlrpc"]), (40 + cid, sms["before"]))
            self.assertRegex(line["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(sorted(line["elapsed_ms"]), ["rest", "xmlrpc"])

    def test_noise_alone_is_agreement(self):
        # Without the noise rule, last_seen would differ on every comparison.
        code, out, err = custapi(["compare", "--id", "21", "--yes", "sms_quota=3"], "noisy")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertTrue(doc["agree"])
        self.assertEqual({d["field"] for d in doc["noise"]}, {"last_seen"})

    def test_ignore_names_noise_in_advance(self):
        # Named noise is noise even when the reads would not show it changing (a drop is steady).
        code, out, err = custapi(["compare", "--id", "22", "--yes", "sms_quota=4",
                                  "--ignore", "name,sms_quota", "--ignore", "email"], "mixed")
        self.assertEqual(code, 0, err)
        self.assertTrue(json.loads(out)["agree"])
        code, out, err = custapi(["compare", "--id", "22", "--yes", "sms_quota=5"], "mixed")
        self.assertEqual(code, 1, err)
        for bad in ("a b", "", "x" * 65, "é"):
            code, out, err = custapi(["compare", "--id", "22", "--yes", "sms_quota=4",
                                      "--ignore", bad], "mixed")
            self.assertEqual(code, 2, (bad, err))
            self.assertIn("--ignore: ", err)

    def test_ignore_is_a_profile_key(self):
        home = tempfile.mkdtemp(dir=TMP)
        os.makedirs(os.path.join(home, "custapi"))
        with open(os.path.join(home, "custapi", "config"), "w") as f:
            f.write("[default]\nignore = sms_quota\n")
        env = dict(os.environ, XDG_CONFIG_HOME=home, CUSTAPI_API_KEY=interop.KEY)
        proc = subprocess.run([os.environ["CUSTAPI_EXE"], "--url",
                               "http://127.0.0.1:%d" % SERVERS["mixed"][1], "--username",
                               interop.USER, "compare", "--id", "23", "--yes", "sms_quota=6"],
                              capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_results_refusals(self):
        src = write("one.jsonl", '{"id":24,"sms_quota":1}\n')
        held = write("held.jsonl", '{"custapi_compare_results":1}\n')
        for args, needle in (
                (["compare", "--id", "24", "--yes", "sms_quota=1", "--results", path("r1")],
                 "--input"),
                (["compare", "--input", src, "--yes", "--results", "-"], "a file"),
                (["compare", "--input", src, "--yes", "--results", held], "already holds")):
            code, out, err = custapi(args, "mixed")
            self.assertEqual(code, 2, (args, err))
            self.assertIn(needle, err)
        with open(held) as f:
            self.assertEqual(f.read(), '{"custapi_compare_results":1}\n')  # left alone


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        src = write("rep.jsonl", "".join('{"id":%d,"sms_quota":%d}\n' % (i, i + 500) for i in
                                         range(31, 35)) + '{"id":35,"sms_quota":-1}\n')
        code, _, err = custapi(["compare", "--input", src, "--yes", "--results",
                                path("rep-results.jsonl")], "mixed")
        assert code == 1, err
        bulk = write("bulk.jsonl", '{"id":36,"sms_quota":1}\n{"id":999999,"sms_quota":2}\n')
        code, _, err = custapi(["--protocol", "xmlrpc", "bulk", "--input", bulk, "--results",
                                path("bulk-results.jsonl")], "mixed")
        assert code == 10, err
        write("gw.jsonl", '{"custapi_shadow_report":1,"custapi_version":"0.1.0"}\n'
              '{"id":4,"property":"address","sent":"a","rest":"a","xmlrpc":%s,'
              '"verdict":"differ","when":"2026-12-06T03:00:00Z","at":"2026-12-06T03:00:00.000Z",'
              '"elapsed_ms":{"rest":3,"xmlrpc":700}}\n'
              '{"id":5,"property":"api_token","sent":"s3cr3t-a","rest":"s3cr3t-a",'
              '"xmlrpc":"s3cr3t-b","verdict":"differ","when":"2026-12-06T03:00:01Z",'
              '"at":"2026-12-06T03:00:01.000Z","elapsed_ms":{"rest":3,"xmlrpc":4}}\n'
              % json.dumps(HOSTILE))

    def report(self, *args):
        code, out, err = custapi(["report"] + list(args))
        return code, out, err

    def test_counts_and_exit_codes(self):
        code, out, err = self.report(path("rep-results.jsonl"), "--json", path("sum.json"),
                                     "--html", path("page.html"))
        self.assertEqual(code, 1, err)
        self.assertIn("REST and XML-RPC differ", err)
        summary = json.loads(out)
        with open(path("sum.json")) as f:
            self.assertEqual(json.load(f), summary)
        self.assertEqual(summary["verdict"], "differ")
        r = summary["records"]
        self.assertEqual((r["compared"], r["differed"], r["failed"]), (5, 4, 1))
        props = {p["name"]: p for p in summary["properties"]}
        self.assertEqual((props["sms_quota"]["differ"], props["sms_quota"]["agree"]), (4, 0))
        self.assertEqual(props["last_seen"]["noise"], 4)
        self.assertEqual(props["last_seen"]["differ"], 0)
        self.assertEqual(props["sms_quota"]["difference_rate"], 1)
        self.assertEqual(len(props["sms_quota"]["samples"]), 4)
        invalid = {"category": "invalid", "http_status": None, "fault_code": None}
        self.assertEqual(summary["errors"], [{"rest": invalid, "xmlrpc": None, "count": 1}])
        self.assertEqual(summary["latency"]["rest"]["count"], 4)
        self.assertEqual(summary["latency"]["xmlrpc"]["count"], 4)
        self.assertEqual(summary["inputs"][0]["kind"], "compare-results")
        self.assertEqual(summary["inputs"][0]["lines"], 5)
        self.assertTrue(summary["time_span"]["first"] <= summary["time_span"]["last"])
        # The gate: a rate at or above every property's passes; a rate out of range is refused.
        code, out, err = self.report(path("rep-results.jsonl"), "--max-difference-rate", "1")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["verdict"], "pass")
        code, out, err = self.report(path("rep-results.jsonl"), "--max-difference-rate", "0.99")
        self.assertEqual(code, 1, err)
        for bad in ("1.5", "-0.1", "x", "nan"):
            code, out, err = self.report(path("rep-results.jsonl"), "--max-difference-rate", bad)
            self.assertEqual(code, 2, (bad, err))
        code, out, err = self.report(path("rep-results.jsonl"), "--output", "text")
        self.assertEqual(code, 1)
        self.assertIn("sms_quota", out)

    def test_reads_the_three_kinds_together(self):
        code, out, err = self.report(path("rep-results.jsonl"), path("bulk-results.jsonl"),
                                     path("gw.jsonl"), "--html", path("all.html"))
        self.assertEqual(code, 1, err)
        summary = json.loads(out)
        self.assertEqual([i["kind"] for i in summary["inputs"]],
                         ["compare-results", "bulk-results", "gateway-report"])
        self.assertEqual((summary["records"]["bulk"], summary["records"]["bulk_failed"]), (2, 1))
        self.assertEqual(summary["records"]["shadow_checks"], 2)
        # bulk ran over XML-RPC: its failure stands on the XML-RPC side alone
        self.assertIn(("not_found", 1), [(e["xmlrpc"]["category"], e["count"])
                                         for e in summary["errors"]
                                         if e["rest"] is None and e["xmlrpc"]])
        self.assertEqual(summary["latency"]["xmlrpc"]["count"], 4 + 2 + 2)
        self.assertGreaterEqual(summary["latency"]["xmlrpc"]["max_ms"], 700)
        with open(path("all.html"), encoding="utf-8") as f:
            page = f.read()
        # A property named like a credential: counted, its values never shown.
        token = [p for p in summary["properties"] if p["name"] == "api_token"][0]
        self.assertEqual((token["differ"], token["samples"][0]["rest"]), (1, "(redacted)"))
        self.assertNotIn("s3cr3t", page + out)
        # Escaped: the hostile value is shown, never interpreted.
        self.assertNotIn("<img", page)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;&amp;", page)
        # Self-contained: nothing to fetch, no script.
        self.assertEqual(fetches(page), [])
        self.assertEqual(os.stat(path("all.html")).st_mode & 0o777, 0o600)

    def test_refusals_name_the_file_and_line(self):
        with open(path("rep-results.jsonl"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        cases = (
            ("nohead.jsonl", "\n".join(lines[1:]) + "\n", ":1: not a compare --results"),
            ("badline.jsonl", "\n".join(lines[:2] + ["{\"line\":3}"] + lines[2:]) + "\n",
             ":3: a compare results line without a verdict"),
            ("notjson.jsonl", lines[0] + "\n" + lines[1] + "\nnot json\n", ":3: not one JSON"),
            ("oldgw.jsonl", '{"id":4,"property":"address","sent":"a","rest":"a","xmlrpc":"b",'
             '"when":"2026-12-02T04:40:00Z"}\n', ":1: not a compare --results"),
            ("future.jsonl", '{"custapi_compare_results":2}\n', ":1: a header of a version"),
            ("empty.jsonl", "", "empty"),
            ("nul.jsonl", lines[0] + "\n" + lines[1][:10] + "\0" + lines[1][10:] + "\n",
             ":2: a NUL byte"),
            ("long.jsonl", lines[0] + "\n" + '{"pad":"' + "x" * (1024 * 1024) + '"}\n',
             ":2: a line longer than 1 MiB"),
            ("nan.jsonl", lines[0] + "\n" + lines[1].replace('"line":', '"x":NaN,"line":', 1)
             + "\n", ":2: not one JSON object"),
        )
        for name, text, needle in cases:
            p = write(name, text)
            code, out, err = self.report(path("rep-results.jsonl"), p, "--html", path("x.html"))
            self.assertEqual(code, 2, (name, err))
            self.assertIn(p, err)
            self.assertIn(needle, err)
            self.assertEqual(len(err.splitlines()), 1, err)
        self.assertFalse(os.path.exists(path("x.html")))  # nothing written on a refusal
        code, out, err = self.report()
        self.assertEqual(code, 2)
        for option in ("--html", "--json"):
            code, out, err = self.report(path("rep-results.jsonl"), option, "-")
            self.assertEqual(code, 2, err)
            self.assertIn("give --html and --json a file", err)
        code, out, err = self.report(path("does-not-exist"))
        self.assertEqual(code, 2)
        self.assertIn("can't open", err)

    def test_page_is_bounded_whatever_the_input(self):
        # 300 property names, long values, 20000 lines: the page keeps to its bounds.
        long_value = "x" * 5000
        with open(path("big.jsonl"), "w") as f:
            f.write('{"custapi_compare_results":1,"custapi_version":"0.1.0"}\n')
            for i in range(20000):
                props = [{"name": "p%d" % ((i * 7 + k) % 300), "before": long_value,
                          "after_rest": long_value, "after_xmlrpc": str(i), "verdict": "differ"}
                         for k in range(5)]
                f.write(json.dumps({
                    "line": i + 1, "id": i + 1, "at": "2026-12-06T03:00:00.000Z",
                    "elapsed_ms": {"rest": i % 5000, "xmlrpc": (i * 3) % 90000},
                    "verdict": "differ",
                    "outcomes": {"rest": {"ok": True, "category": "ok"},
                                 "xmlrpc": {"ok": False, "category": "rejected",
                                            "http_status": 200, "fault_code": i}},
                    "properties": props, "other_differences": []}) + "\n")
        code, out, err = self.report(path("big.jsonl"), "--html", path("big.html"))
        self.assertEqual(code, 1, err)
        self.assertLess(os.path.getsize(path("big.html")), 2 * 1024 * 1024)
        summary = json.loads(out)
        self.assertEqual(len(summary["properties"]), 201)  # 200 by name, then "(other)"
        self.assertEqual(summary["properties"][-1]["name"], "(other)")
        self.assertEqual(sum(p["checks"] for p in summary["properties"]), 20000 * 5 + 20000)
        self.assertEqual(len(summary["errors"]), 51)
        self.assertEqual(sum(e["count"] for e in summary["errors"]), 20000)
        self.assertLessEqual(max(len(s["rest"]) for p in summary["properties"]
                                 for s in p["samples"]), 130)


def main():
    global TMP
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        os.environ.pop(var, None)
    if not os.environ.get("CUSTAPI_EXE"):
        print("SKIP: CUSTAPI_EXE is not set (meson sets it)")
        return 77
    TMP = tempfile.mkdtemp(prefix="custapi-report.")
    ok = False
    try:
        for name, extra in (("mixed", ("--diverge", "noisy:last_seen",
                                       "--diverge", "xmlrpc-drops:sms_quota")),
                            ("noisy", ("--diverge", "noisy:last_seen"))):
            tmp = os.path.join(TMP, name)
            os.mkdir(tmp)
            SERVERS[name] = interop.start_server(tmp, extra)
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        ok = result.wasSuccessful()
    finally:
        for proc, _ in SERVERS.values():
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
