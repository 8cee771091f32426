#!/usr/bin/env python3
"""custapi report's page looked at as a person would (issue 24): rendered by headless Chromium
(Debian's chromium, scripts/install-deps), from a real compare --results run against the
reference server. Checks that every number in the rendered DOM equals the JSON summary's, that
the page made no network request (Chromium's own net log: a request the page started has the
page's origin as initiator; a control page with a remote image shows the check can fail), that
it reads without sight (headings, table headers, SVG titles), and keeps a screenshot in the test
log folder (CUSTAPI_LOG_DIR, meson's build/meson-logs).

Exits 77 when Chromium or the programs are missing. Every server it starts is on 127.0.0.1 and
stopped at the end.
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

CHROMIUM = os.environ.get("CUSTAPI_CHROMIUM", "/usr/bin/chromium")
TMP = None
SERVER = None


def custapi(args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_") or
           k == "CUSTAPI_EXE"}
    env["XDG_CONFIG_HOME"] = "/nonexistent/custapi-tests"
    env["CUSTAPI_API_KEY"] = interop.KEY
    # the connection comes from the environment: report takes no connection option
    env["CUSTAPI_URL"] = "http://127.0.0.1:%d" % SERVER[1]
    env["CUSTAPI_USERNAME"] = interop.USER
    proc = subprocess.run([os.environ["CUSTAPI_EXE"]] + args, capture_output=True, text=True,
                          env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def chromium(page, *extra):
    """Runs headless Chromium on `page` with a fresh profile; returns its stdout."""
    profile = tempfile.mkdtemp(dir=TMP)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + profile] + list(extra) + ["file://" + page]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError("chromium exited %d: %s" % (proc.returncode, proc.stderr[-2000:]))
    return proc.stdout


def page_requests(netlog_path):
    """The URLs of the requests the page itself started (not Chromium's own)."""
    with open(netlog_path, encoding="utf-8") as f:
        text = f.read().rstrip()
    if not text.endswith("}"):  # a log cut at exit ends "...},": close it
        text = text.rstrip(",") + "]}"
    log = json.loads(text)
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":
            continue  # the browser's own (update checks and the like), not the page's
        if params["url"].startswith("file://"):
            continue  # the page itself
        urls.append(params["url"])
    return urls


class Dom(html.parser.HTMLParser):
    """The rendered DOM's numbers (data-k), headings, header cells and SVG titles."""

    def __init__(self):
        super().__init__()
        self.values = {}  # data-k -> (text, data-v)
        self.open = []  # [data-k, data-v, text] of elements being read
        self.headings, self.th_scopes, self.svg_titles, self.svgs = [], [], [], 0
        self.in_title_of_svg = 0
        self.tags = []

    VOID = ("meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr", "source")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.VOID:
            return
        self.tags.append(tag)
        if "data-k" in a:
            self.open.append([a["data-k"], a.get("data-v"), "", len(self.tags)])
        if tag in ("h1", "h2", "h3"):
            self.headings.append(tag)
        if tag == "th":
            self.th_scopes.append(a.get("scope"))
        if tag == "svg":
            self.svgs += 1
        if tag == "title" and "svg" in self.tags:
            self.in_title_of_svg = 1
            self.svg_titles.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1][3] == len(self.tags):
            k, v, text, _ = self.open.pop()
            self.values[k] = (text.strip(), v)
        if tag == "title":
            self.in_title_of_svg = 0
        if self.tags:
            self.tags.pop()

    def handle_data(self, data):
        for o in self.open:
            o[2] += data
        if self.in_title_of_svg:
            self.svg_titles[-1] += data


def lookup(summary, key):
    v = summary
    for part in key.split("."):
        v = v[int(part)] if isinstance(v, list) else v[part]
    return v


class RenderedPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        src = os.path.join(TMP, "in.jsonl")
        with open(src, "w") as f:
            for i in range(51, 61):
                f.write('{"id":%d,"sms_quota":%d,"name":"Name %d"}\n' % (i, 700 + i, i))
            f.write('{"id":999999,"sms_quota":1}\n{"id":61,"sms_quota":-1}\n')
        cls.results = os.path.join(TMP, "results.jsonl")
        code, _, err = custapi(["compare", "--input", src, "--yes", "--results", cls.results])
        assert code == 1, err
        cls.page = os.path.join(TMP, "report.html")
        code, out, err = custapi(["report", cls.results, "--html", cls.page, "--json",
                                  os.path.join(TMP, "summary.json")])
        assert code == 1, err
        cls.summary = json.loads(out)

    def test_numbers_in_the_rendered_dom_equal_the_summary(self):
        dom = Dom()
        dom.feed(chromium(self.page, "--dump-dom"))
        self.assertGreater(len(dom.values), 30)
        checked = 0
        for key, (text, exact) in dom.values.items():
            if key == "verdict":
                self.assertTrue(text.startswith(self.summary["verdict"] + ":"), text)
            elif exact is not None:  # a rate: shown as a percentage, exact in data-v
                self.assertAlmostEqual(float(exact), lookup(self.summary, key), places=6)
                self.assertEqual(text, "%.2f%%" % (float(exact) * 100))
            elif isinstance(lookup(self.summary, key), str):
                self.assertEqual(text, lookup(self.summary, key), key)
            else:
                self.assertEqual(int(text), lookup(self.summary, key), key)
            checked += 1
        # Every property's counts are on the page, and the records' and latencies' too.
        for i, p in enumerate(self.summary["properties"]):
            for member in ("checks", "agree", "differ", "noise"):
                self.assertIn("properties.%d.%s" % (i, member), dom.values)
        for key in ("records.compared", "records.differed", "records.failed",
                    "latency.rest.p50_ms", "latency.xmlrpc.p99_ms", "errors.0.count"):
            self.assertIn(key, dom.values)
        self.assertEqual(checked, len(dom.values))
        # Readable without sight: one h1, sections as h2, every header cell scoped, and each
        # histogram titled.
        self.assertEqual(dom.headings.count("h1"), 1)
        self.assertGreaterEqual(dom.headings.count("h2"), 5)
        self.assertTrue(dom.th_scopes and all(s in ("col", "row") for s in dom.th_scopes))
        self.assertEqual(dom.svgs, 2)
        self.assertTrue(all(t.strip() for t in dom.svg_titles))
        self.assertTrue(any("REST latency" in t for t in dom.svg_titles))

    def test_no_network_request_and_a_screenshot(self):
        netlog = os.path.join(TMP, "net.json")
        shot = os.path.join(TMP, "report.png")
        chromium(self.page, "--screenshot=" + shot, "--window-size=1100,1600",
                 "--log-net-log=" + netlog)
        self.assertEqual(page_requests(netlog), [])
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        logs = os.environ.get("CUSTAPI_LOG_DIR")
        if logs and os.path.isdir(logs):
            shutil.copy(shot, os.path.join(logs, "report-page.png"))
            print("screenshot kept: %s" % os.path.join(logs, "report-page.png"))

    def test_the_network_check_can_fail(self):
        # A control page that does fetch (from a closed loopback port): the same check sees it.
        control = os.path.join(TMP, "control.html")
        with open(control, "w") as f:
            f.write('<!DOCTYPE html><title>control</title><img src="http://127.0.0.1:9/x.png">')
        netlog = os.path.join(TMP, "control-net.json")
        chromium(control, "--dump-dom", "--log-net-log=" + netlog)
        self.assertEqual(page_requests(netlog), ["http://127.0.0.1:9/x.png"])


def main():
    global TMP, SERVER
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        os.environ.pop(var, None)
    if not os.environ.get("CUSTAPI_EXE"):
        print("SKIP: CUSTAPI_EXE is not set (meson sets it)")
        return 77
    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s is not installed (scripts/install-deps installs chromium)" % CHROMIUM)
        return 77
    TMP = tempfile.mkdtemp(prefix="custapi-report-page.")
    ok = False
    try:
        SERVER = interop.start_server(TMP, ("--diverge", "noisy:last_seen",
                                            "--diverge", "xmlrpc-drops:sms_quota"))
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        ok = result.wasSuccessful()
    finally:
        if SERVER:
            SERVER[0].send_signal(signal.SIGTERM)
            try:
                SERVER[0].wait(timeout=20)
            except subprocess.TimeoutExpired:
                SERVER[0].kill()
                SERVER[0].wait()
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
