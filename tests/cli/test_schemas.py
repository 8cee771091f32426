#!/usr/bin/env python3
"""Every stdout object of every custapi command, and the bulk results lines, validated against
the JSON Schemas in schemas/ (draft 2020-12), from real runs against the reference server.

Also checks that the schemas are not vacuous (a tampered output is refused) and that the input
properties' schema says what `custapi --list-properties --output json` says. Exits 77 (skip)
when python3-jsonschema is missing or the server can't be found.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import interop  # noqa: E402  (starts the reference server: one way for every Python test)

try:
    import jsonschema
    import referencing
except ImportError:
    print("SKIP: python3-jsonschema is not installed (scripts/install-deps installs it)")
    sys.exit(77)

SCHEMAS = {}
REGISTRY = None
SERVERS = {}  # name -> (process, port, tmp)
TMP = None


def load_schemas():
    global REGISTRY
    folder = os.environ.get("CUSTAPI_SCHEMAS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas")
    resources = []
    for path in sorted(glob.glob(os.path.join(folder, "*.schema.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        jsonschema.Draft202012Validator.check_schema(doc)
        SCHEMAS[os.path.basename(path)[: -len(".schema.json")]] = doc
        resources.append((doc["$id"], referencing.Resource.from_contents(doc)))
    REGISTRY = referencing.Registry().with_resources(resources)


def validator(name):
    return jsonschema.Draft202012Validator(SCHEMAS[name], registry=REGISTRY)


def custapi(args, server="plain", stdin=None, key=True, settings=True):
    """Runs custapi; returns (exit code, stdout text, stderr text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_") or
           k in ("CUSTAPI_EXE", "CUSTAPI_CONFIG")}
    env["XDG_CONFIG_HOME"] = "/nonexistent/custapi-tests"
    if key:
        env["CUSTAPI_API_KEY"] = interop.KEY
    base = []
    if settings:
        base = ["--url", "http://127.0.0.1:%d" % SERVERS[server][1], "--username", interop.USER]
    proc = subprocess.run([os.environ["CUSTAPI_EXE"]] + base + args, input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def one_object(out):
    lines = out.splitlines()
    assert len(lines) == 1, "stdout is not one line: %r" % out
    return json.loads(lines[0])


class Outputs(unittest.TestCase):
    def check(self, schema, args, codes=(0,), server="plain", stdin=None, **kw):
        code, out, err = custapi(args, server, stdin, **kw)
        self.assertIn(code, codes, "%s: exit %d: %s %s" % (args, code, out, err))
        doc = one_object(out)
        validator(schema).validate(doc)
        return doc

    def test_update(self):
        doc = self.check("update", ["update", "--id", "21", "sms_quota=3"])
        self.assertIn("customer", doc)
        doc = self.check("update", ["--protocol", "xmlrpc", "update", "--id", "21", "sms_quota=4"])
        self.assertIn("result", doc)
        self.check("update", ["--protocol", "xmlrpc", "--read-back", "update", "--id", "21",
                              "email_quota=5"])
        for args, code in ((["update", "--id", "999999", "sms_quota=1"], 5),
                           (["update", "--id", "21", "sms_quota=-1"], 3),
                           (["update", "--id", "21"], 3),
                           (["--protocol", "xmlrpc", "update", "--id", "999999", "name=A"], 5)):
            doc = self.check("update", args, codes=(code,))
            self.assertFalse(doc["ok"])
        self.check("update", ["update", "--id", "21", "name=A"], codes=(2,), settings=False)

    def test_get(self):
        self.check("get", ["get", "--id", "22"])
        self.check("get", ["--protocol", "xmlrpc", "get", "--id", "22"])
        self.check("get", ["get", "--id", "999999"], codes=(5,))
        self.check("get", ["get", "--id", "22"], codes=(2,), key=False)

    def test_validate(self):
        # validate talks to no server: --url and --username do not apply to it (refused)
        doc = self.check("validate", ["validate", "email=a@example.com", "sms_quota=5",
                                      "country=za", "industry=Automotive"], settings=False)
        # what validate accepts, normalised, is what the input schema describes
        validator("properties").validate(doc["properties"])
        self.check("validate", ["validate", "emial=a@example.com"], codes=(3,), settings=False)
        self.check("validate", ["validate", "--allow-unknown", "colour=blue"], settings=False)
        self.check("validate", ["validate", "sms_quota=5"], codes=(2,))

    def test_probe(self):
        doc = self.check("probe", ["probe"])
        self.assertTrue(doc["ok"])
        doc = self.check("probe", ["--xmlrpc-prefix", "nosuch.", "probe"], codes=(2,))
        self.assertFalse(doc["ok"])
        self.assertFalse(doc["xmlrpc"]["usable"])
        self.check("probe", ["probe"], server="broken", codes=(8, 9))

    def test_compare(self):
        doc = self.check("compare", ["compare", "--id", "23", "--yes", "sms_quota=7"])
        self.assertTrue(doc["agree"])
        doc = self.check("compare", ["compare", "--id", "23", "--yes", "sms_quota=8"],
                         server="diverging", codes=(1,))
        self.assertTrue(doc["differences"])
        self.check("compare", ["compare", "--id", "23", "--dry-run", "sms_quota=9"])
        self.check("compare", ["compare", "--id", "23", "sms_quota=9"], codes=(2,))
        self.check("compare", ["compare", "--id", "999999", "--yes", "sms_quota=1"], codes=(5,))
        path = os.path.join(TMP, "compare.jsonl")
        with open(path, "w") as f:
            f.write('{"id":24,"sms_quota":1}\n{"id":25,"sms_quota":-1}\n')
        doc = self.check("compare", ["compare", "--input", path, "--yes"], codes=(10,))
        self.assertEqual(doc["records"], 2)
        self.check("compare", ["compare", "--input", path, "--yes"], server="diverging",
                   codes=(1,))

    def test_bulk(self):
        path = os.path.join(TMP, "bulk.jsonl")
        results = os.path.join(TMP, "bulk-results.jsonl")
        with open(path, "w") as f:
            f.write('{"id":26,"sms_quota":1}\n{"id":999999,"sms_quota":2}\n'
                    '{"id":27,"sms_quota":-3}\n{"id":28,"email":"x"}\n')
        doc = self.check("bulk-summary", ["bulk", "--input", path, "--results", results],
                         codes=(10,))
        self.assertEqual(doc["failed"], 3)
        with open(results, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 5)
        for line in lines:
            validator("bulk-results").validate(line)
        self.assertIn("custapi_bulk_results", lines[0])
        self.check("bulk-summary", ["bulk", "--input", "-"], stdin='{"id":26,"name":"B"}\n')
        self.check("bulk-summary", ["bulk", "--input", "-"], stdin="not json\n", codes=(10, 3))
        self.check("bulk-summary", ["bulk"], codes=(2,))

    def test_config(self):
        key_file = os.path.join(TMP, "config-key")
        with open(key_file, "w") as f:
            f.write(interop.KEY + "\n")
        config = os.path.join(TMP, "config-file")
        with open(config, "w") as f:
            f.write("[default]\nretries = 2\napi-key-file = %s\n" % key_file)
        os.chmod(config, 0o600)
        os.environ["CUSTAPI_CONFIG"] = config
        try:
            doc = self.check("config", ["config", "list"])
            self.assertEqual(doc["config_file"], config)
            self.check("config", ["config", "path"])
            self.check("config", ["config", "what"], codes=(2,))
        finally:
            del os.environ["CUSTAPI_CONFIG"]

    def test_compare_results_and_report(self):
        path = os.path.join(TMP, "compare-results-in.jsonl")
        with open(path, "w") as f:
            f.write('{"id":40,"sms_quota":401}\n{"id":41,"sms_quota":-1}\n'
                    '{"id":999999,"sms_quota":1}\n')
        results = os.path.join(TMP, "compare-results.jsonl")
        code, out, err = custapi(["compare", "--input", path, "--yes", "--results", results],
                                 server="diverging")
        self.assertEqual(code, 1, err)
        with open(results, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 4)
        for line in lines:
            validator("compare-results").validate(line)
        self.assertEqual([l.get("verdict") for l in lines], [None, "differ", "failed", "failed"])
        bulk_results = os.path.join(TMP, "bulk-results-for-report.jsonl")
        code, _, err = custapi(["bulk", "--input", path, "--results", bulk_results])
        self.assertEqual(code, 10, err)
        summary_file = os.path.join(TMP, "summary.json")
        doc = self.check("report-summary", ["report", results, bulk_results, "--json",
                                            summary_file], codes=(1,), settings=False)
        with open(summary_file, encoding="utf-8") as f:
            validator("report-summary").validate(json.load(f))
        self.assertEqual(doc["verdict"], "differ")

    def test_shadow_report(self):
        report = os.path.join(TMP, "shadow.jsonl")
        port_file = os.path.join(TMP, "gateway-port")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTAPI_")}
        env["XDG_CONFIG_HOME"] = "/nonexistent/custapi-tests"
        gw = subprocess.Popen([os.environ["CUSTAPI_EXE"], "gateway", "--url",
                               "http://127.0.0.1:%d" % SERVERS["diverging"][1], "--listen",
                               "127.0.0.1:0", "--port-file", port_file, "--shadow", "--report",
                               report], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 10
            while not (os.path.exists(port_file) and open(port_file).read().strip()):
                self.assertLess(time.time(), deadline, "the gateway did not start")
                time.sleep(0.05)
            with open(port_file) as f:
                port = int(f.read())
            proxy = xmlrpc.client.ServerProxy("http://%s:%s@127.0.0.1:%d/api/2.0/xmlrpc/" %
                                              (interop.USER, interop.KEY, port))
            self.assertEqual(proxy.customers.UpdateCustomer(42, {"sms_quota": 4242,
                                                                 "name": "Q"}), 42)
        finally:
            gw.send_signal(signal.SIGTERM)
            gw.communicate(timeout=60)
        with open(report, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 3)
        for line in lines:
            validator("shadow-report").validate(line)
        self.assertEqual(sorted(l["verdict"] for l in lines[1:]), ["agree", "differ"])
        doc = self.check("report-summary", ["report", report], codes=(1,), settings=False)
        self.assertEqual(doc["records"]["shadow_checks"], 2)

    def test_list_properties(self):
        code, out, _ = custapi(["--list-properties", "--output", "json"], settings=False)
        self.assertEqual(code, 0)
        doc = one_object(out)
        validator("list-properties").validate(doc)
        # the input schema says what the schema table says: names, types, enumerations, lengths
        schema = SCHEMAS["properties"]["properties"]
        listed = [p for p in doc["properties"] if not p["read_only"]]
        self.assertEqual(sorted(schema), sorted(p["name"] for p in listed))
        for p in listed:
            s = schema[p["name"]]
            if p["type"] == "integer":
                self.assertEqual(s["anyOf"][0]["type"], "integer")
            else:
                self.assertEqual(s["type"], "string")
                self.assertEqual(s["maxLength"], p["max_bytes"])
                self.assertEqual(s.get("enum"), p["allowed_values"])
        self.assertFalse(set(p["name"] for p in doc["properties"] if p["read_only"]) & set(schema))


class SchemasRefuse(unittest.TestCase):
    """The schemas are not vacuous: outputs a command must never print are refused."""

    def refused(self, schema, doc):
        self.assertFalse(validator(schema).is_valid(doc), "%s accepted %r" % (schema, doc))

    def test_tampered_outputs(self):
        error = {"category": "auth", "message": "m", "http_status": 401, "fault_code": None,
                 "property": None}
        self.refused("update", {"ok": True})
        self.refused("update", {"protocol": "soap", "id": 1, "ok": True, "http_status": 200,
                                "attempts": 1, "result": 1})
        self.refused("update", {"ok": False, "error": dict(error, category="unknown")})
        self.refused("get", {"ok": False, "error": dict(error, extra=1)})
        self.refused("bulk-results", {"line": 1, "id": 1, "ok": False, "attempts": 1})
        self.refused("bulk-results", {"line": 1, "id": 1, "ok": True, "attempts": 1,
                                      "error": error})
        self.refused("config", {"ok": True, "config_file": None,
                                "settings": [{"name": "api-key", "origin": "x"}]})
        self.refused("config", {"ok": True, "path": "/x", "from": "PWD"})
        self.refused("compare-results", {"line": 1, "id": 1, "at": "2026-12-06T03:00:00.000Z",
                                         "verdict": "failed"})
        self.refused("compare-results", {"custapi_compare_results": 2, "custapi_version": "1"})
        self.refused("shadow-report", {"id": 1, "property": "name", "sent": "a", "rest": "a",
                                       "xmlrpc": "a", "verdict": "same", "when": "x",
                                       "at": "x", "elapsed_ms": {}})
        self.refused("bulk-results", {"line": 1, "id": 1, "ok": True, "attempts": 1,
                                      "elapsed_ms": {"soap": 1}})
        self.refused("report-summary", {"custapi_report": 1, "ok": True})
        self.refused("properties", {"status": "active"})
        self.refused("properties", {"sms_quota": 1.5})
        self.refused("properties", {"emial": "a@b.co"})
        self.refused("properties", {"industry": "Travel & Tourism"})
        validator("properties").validate({"sms_quota": "500", "status": "on", "country": "za"})


def main():
    global TMP
    load_schemas()
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        os.environ.pop(var, None)
    if not os.environ.get("CUSTAPI_EXE"):
        print("SKIP: CUSTAPI_EXE is not set (meson sets it)")
        return 77
    TMP = tempfile.mkdtemp(prefix="custapi-schemas.")
    ok = False
    try:
        for name, extra in (("plain", ()), ("diverging", ("--diverge", "xmlrpc-drops:sms_quota")),
                            ("broken", ("--fault", "http500"))):
            tmp = os.path.join(TMP, name)
            os.mkdir(tmp)
            proc, port = interop.start_server(tmp, extra)
            SERVERS[name] = (proc, port, tmp)
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        ok = result.wasSuccessful()
    finally:
        for proc, _, _ in SERVERS.values():
            interop.stop_server(proc)
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
