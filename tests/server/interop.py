#!/usr/bin/env python3
"""Interoperability: drive custapi-refserver with Python's standard xmlrpc.client and urllib.

An implementation of both protocols that shares nothing with the project (not json-c, not
xmlrpc-c), so that a server that only understands its own dialect fails here. Starts the server
itself (path from CUSTAPI_REFSERVER) on 127.0.0.1 port 0 with a temporary SQLite file, and
always stops it. Exits 77 (skip) when the server can't be found.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client

USER = "demo"
KEY = "test-key-7f3a9c2e51b8d046"
SERVER = None  # set by start_server()


def start_server(tmp, extra=()):
    """Starts the server in `tmp`, with `extra` arguments; returns (process, port)."""
    path = os.environ.get("CUSTAPI_REFSERVER")
    if not path or not os.access(path, os.X_OK):
        print("SKIP: CUSTAPI_REFSERVER does not name the built custapi-refserver")
        sys.exit(77)
    port_file = os.path.join(tmp, "port")
    env = dict(os.environ, CUSTAPI_REFSERVER_KEY=KEY)
    proc = subprocess.Popen(
        [path, "--listen", "127.0.0.1:0", "--db", os.path.join(tmp, "db.sqlite"),
         "--port-file", port_file, "--capture", os.path.join(tmp, "capture.jsonl"),
         "--quiet", "--faults-allowed"] + list(extra),
        env=env)
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return proc, int(text)
        if proc.poll() is not None:
            raise SystemExit("custapi-refserver exited with %d before listening" % proc.returncode)
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise SystemExit("custapi-refserver did not write its port file within 10 s")


def stop_server(proc):
    """Stops a server start_server started (SIGTERM, then SIGKILL after 20 s); its exit code."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def auth_header(user=USER, key=KEY):
    token = base64.b64encode(("%s:%s" % (user, key)).encode()).decode()
    return "Basic " + token


def rest(method, path, body=None, user=USER, key=KEY, headers=None):
    """Returns (status, parsed JSON or None, raw bytes, response headers)."""
    url = "http://127.0.0.1:%d%s" % (SERVER["port"], path)
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if user is not None:
        req.add_header("Authorization", auth_header(user, key))
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=20) as resp:
            raw = resp.read()
            status, hdrs = resp.status, resp.headers
    except urllib.error.HTTPError as e:
        raw, status, hdrs = e.read(), e.code, e.headers
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, raw, hdrs


class NoProxyTransport(xmlrpc.client.Transport):
    """The standard transport (http.client: no proxy is ever used)."""


def proxy(user=USER, key=KEY):
    url = "http://%s:%s@127.0.0.1:%d/api/2.0/xmlrpc/" % (user, key, SERVER["port"])
    return xmlrpc.client.ServerProxy(url, transport=NoProxyTransport())


class Rest(unittest.TestCase):
    def test_get_envelope(self):
        status, doc, raw, hdrs = rest("GET", "/api/2.0/customers/21")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["Content-Type"].startswith("application/json"))
        item = doc["item"]
        self.assertEqual(item["id"], 21)
        self.assertEqual(item["email"], "customer21@example.com")
        self.assertEqual(len(item["hash"]), 16)
        self.assertTrue(item["hash"].isalnum())
        for field in ("enterprise_id", "country_code", "is_department", "fax"):
            self.assertIn(field, item)
        rels = [link["rel"] for link in doc["links"]]
        self.assertEqual(rels, ["self", "home"])
        for link in doc["links"]:
            self.assertEqual(sorted(link), ["href", "rel", "title"])
        self.assertTrue(doc["links"][0]["href"].endswith("/api/2.0/customers/21"))

    def test_put_then_get(self):
        status, doc, _, _ = rest("PUT", "/api/2.0/customers/22",
                                 {"name": "Zo\u00eb \u00c5ngstr\u00f6m", "email_quota": 12,
                                  "address": "1 Road\nTown"})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["item"]["name"], "Zo\u00eb \u00c5ngstr\u00f6m")
        status, doc, _, _ = rest("GET", "/api/2.0/customers/22")
        self.assertEqual(doc["item"]["email_quota"], 12)
        self.assertEqual(doc["item"]["address"], "1 Road\nTown")

    def test_errors(self):
        status, doc, _, hdrs = rest("GET", "/api/2.0/customers/22", user=None)
        self.assertEqual(status, 401)
        self.assertIn("Basic", hdrs["WWW-Authenticate"])
        self.assertIn("message", doc["error"])
        self.assertEqual(rest("GET", "/api/2.0/customers/22", key="nope")[0], 401)
        status, doc, _, _ = rest("GET", "/api/2.0/customers/999999")
        self.assertEqual(status, 404)
        self.assertIn("999999", doc["error"]["message"])
        self.assertEqual(rest("PUT", "/api/2.0/customers/22", {"sms_quota": "5"})[0], 422)
        self.assertEqual(rest("PUT", "/api/2.0/customers/22", {"sms_quota": 1.5})[0], 422)
        self.assertEqual(rest("PUT", "/api/2.0/customers/22", {})[0], 422)
        self.assertEqual(rest("PUT", "/api/2.0/customers/22", b"{not json")[0], 400)
        self.assertEqual(rest("PUT", "/api/2.0/customers/22", [1])[0], 400)
        status, doc, _, _ = rest("PUT", "/api/2.0/customers/22", {"emial": "a@b.co"})
        self.assertEqual(status, 422)
        self.assertIn("email", doc["error"]["message"])
        status, _, _, hdrs = rest("DELETE", "/api/2.0/customers/22")
        self.assertEqual(status, 405)
        self.assertEqual(hdrs["Allow"], "GET, PUT")

    def test_fault_header(self):
        status, doc, _, hdrs = rest("GET", "/api/2.0/customers/22",
                                    headers={"X-Custapi-Fault": "http429"})
        self.assertEqual(status, 429)
        self.assertEqual(hdrs["Retry-After"], "1")


class XmlRpc(unittest.TestCase):
    def test_get_customer(self):
        for name in ("customers.GetCustomer", "GetCustomer"):
            c = getattr(proxy(), name)(23)
            self.assertEqual(c["id"], 23)
            self.assertIsInstance(c["email_quota"], int)
            self.assertIsInstance(c["name"], str)
            self.assertEqual(c["country_code"], "ZA")

    def test_update_then_read_over_both(self):
        p = proxy()
        result = p.customers.UpdateCustomer(24, {"name": "Py \u00e9", "sms_quota": 31,
                                                 "industry": "Hospitality, Travel & Tourism"})
        self.assertEqual(result, 24)
        self.assertEqual(p.customers.GetCustomer(24)["sms_quota"], 31)
        status, doc, _, _ = rest("GET", "/api/2.0/customers/24")
        self.assertEqual(doc["item"]["name"], "Py \u00e9")
        self.assertEqual(doc["item"]["industry"], "Hospitality, Travel & Tourism")
        self.assertEqual(p.UpdateCustomer(24, {"status": "suspended"}), 24)
        # and REST's write is what XML-RPC reads
        rest("PUT", "/api/2.0/customers/24", {"unique_id": "x/y"})
        self.assertEqual(p.GetCustomer(24)["unique_id"], "x/y")

    def test_hash_must_match(self):
        p = proxy()
        h = p.customers.GetCustomer(25)["hash"]
        self.assertEqual(p.customers.UpdateCustomer(25, {"hash": h, "name": "ok"}), 25)
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            p.customers.UpdateCustomer(25, {"hash": "0000000000000000", "name": "no"})
        self.assertEqual(cm.exception.faultCode, 422)

    def test_list_methods(self):
        names = proxy().system.listMethods()
        for n in ("customers.UpdateCustomer", "customers.GetCustomer", "UpdateCustomer",
                  "GetCustomer"):
            self.assertIn(n, names)

    def test_faults(self):
        p = proxy()
        cases = [
            (lambda: p.customers.GetCustomer(999999), 404),
            (lambda: p.customers.UpdateCustomer(999999, {"name": "x"}), 404),
            (lambda: p.customers.UpdateCustomer(26, {"email": "not-an-email"}), 422),
            (lambda: p.customers.UpdateCustomer(26, {"sms_quota": "5"}), 422),
            (lambda: p.customers.UpdateCustomer(26, {"id": 3}), 422),
            (lambda: p.customers.UpdateCustomer(26, {}), 422),
            (lambda: p.customers.Nope(1), -32601),
            (lambda: p.customers.GetCustomer("26"), -32602),
            (lambda: p.customers.GetCustomer(), -32602),
            (lambda: p.customers.UpdateCustomer(26), -32602),
        ]
        for call, code in cases:
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                call()
            self.assertEqual(cm.exception.faultCode, code, cm.exception.faultString)
            self.assertTrue(cm.exception.faultString)

    def test_unauthorized(self):
        with self.assertRaises(xmlrpc.client.ProtocolError) as cm:
            proxy(key="wrong").customers.GetCustomer(1)
        self.assertEqual(cm.exception.errcode, 401)

    def test_injected_fault_and_wrong_shape(self):
        class FaultTransport(NoProxyTransport):
            def send_headers(self, connection, headers):
                super().send_headers(connection, headers)
                connection.putheader("X-Custapi-Fault", self.mode)

        t = FaultTransport()
        url = "http://%s:%s@127.0.0.1:%d/api/2.0/xmlrpc/" % (USER, KEY, SERVER["port"])
        p = xmlrpc.client.ServerProxy(url, transport=t)
        t.mode = "xmlfault:-32603"
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            p.customers.GetCustomer(1)
        self.assertEqual(cm.exception.faultCode, -32603)
        t.mode = "wrongshape"
        self.assertIsInstance(p.customers.UpdateCustomer(1, {"name": "x"}), str)
        t.mode = "badxml"
        with self.assertRaises(Exception):
            p.customers.GetCustomer(1)


def main():
    global SERVER
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        os.environ.pop(var, None)
    tmp = tempfile.mkdtemp(prefix="refserver-interop.")
    proc = None
    ok = False
    try:
        proc, port = start_server(tmp)
        SERVER = {"port": port}
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        ok = result.wasSuccessful()
    finally:
        if proc is not None:
            code = stop_server(proc)
            if code != 0:
                print("custapi-refserver exited with %d" % code)
                ok = False
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
