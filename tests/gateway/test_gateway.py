#!/usr/bin/env python3
"""custapi gateway, end to end: Python's xmlrpc.client as the legacy integration and urllib as
a REST caller, through the gateway, to the reference server, for every --upstream mode.

Every test starts its own reference server (CUSTAPI_REFSERVER) and gateway (CUSTAPI_EXE) on
127.0.0.1 port 0 and stops both. The gateway runs under CUSTAPI_GATEWAY_WRAPPER when set (a
command line, split on spaces), or under valgrind when CUSTAPI_UNDER_VALGRIND is set (meson
test --setup valgrind: its exe_wrapper wraps only the test's own program, so the gateway is
wrapped here); either way the gateway must exit 0, which valgrind's --error-exitcode turns
into a failure on any memory error or leak. Exits 77 when the programs are missing.
"""
import base64
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings
import urllib.error
import urllib.request
import xmlrpc.client

USER = "demo"
KEY = "gw-test-key-5e1d7c9a30b2"
TOKEN = base64.b64encode(("%s:%s" % (USER, KEY)).encode()).decode()
VALGRIND_SUPP = os.environ.get("CUSTAPI_VALGRIND_SUPP", "")


def wrapper():
    w = os.environ.get("CUSTAPI_GATEWAY_WRAPPER")
    if w:
        return w.split()
    if os.environ.get("CUSTAPI_UNDER_VALGRIND") and shutil.which("valgrind"):
        cmd = ["valgrind", "-q", "--leak-check=full",
               "--show-leak-kinds=definite,indirect,possible",
               "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99"]
        if VALGRIND_SUPP:
            cmd.append("--suppressions=" + VALGRIND_SUPP)
        return cmd
    return []


WRAPPER = wrapper()
SLOW = 10 if WRAPPER else 1  # valgrind runs the gateway ~20x slower


def wait_port(proc, path, what):
    deadline = time.time() + 10 * SLOW
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        if proc.poll() is not None:
            raise AssertionError("%s exited with %d before listening" % (what, proc.returncode))
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise AssertionError("%s did not write its port file" % what)


class Env:
    """A reference server and a gateway in front of it, in a temporary directory."""

    def __init__(self, tmp, server_args=(), gateway_args=(), upstream="same", url=None,
                 verbose=True):
        self.tmp = tmp
        self.capture = os.path.join(tmp, "capture.jsonl")
        self.server = None
        self.server_port = None
        self.start_server(server_args)
        self.url = url or "http://127.0.0.1:%d" % self.server_port
        port_file = os.path.join(tmp, "gw.port")
        self.stdout_path = os.path.join(tmp, "gw.out")
        self.stderr_path = os.path.join(tmp, "gw.err")
        self.out = open(self.stdout_path, "wb")
        self.err = open(self.stderr_path, "wb")
        env = dict(os.environ)
        env.pop("CUSTAPI_API_KEY", None)
        cmd = WRAPPER + [os.environ["CUSTAPI_EXE"], "gateway", "--url", self.url,
                         "--listen", "127.0.0.1:0", "--port-file", port_file,
                         "--upstream", upstream, "--retries", "0"] + (["-v"] if verbose else []) + \
            list(gateway_args)
        self.gateway = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, env=env)
        self.port = wait_port(self.gateway, port_file, "the gateway")
        self.summary = None

    def start_server(self, args, db="db.sqlite"):
        port_file = os.path.join(self.tmp, "rs.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        env = dict(os.environ, CUSTAPI_REFSERVER_KEY=KEY)
        self.server = subprocess.Popen(
            [os.environ["CUSTAPI_REFSERVER"], "--listen", "127.0.0.1:0",
             "--db", os.path.join(self.tmp, db), "--port-file", port_file,
             "--capture", self.capture, "--quiet"] + list(args), env=env)
        self.server_port = wait_port(self.server, port_file, "custapi-refserver")

    def stop_gateway(self, sig=signal.SIGTERM):
        """Stops the gateway; returns its summary (asserting exit 0)."""
        if self.gateway.poll() is None:
            self.gateway.send_signal(sig)
        rc = self.gateway.wait(timeout=60 * SLOW)
        self.out.close()
        self.err.close()
        with open(self.stdout_path) as f:
            out = f.read()
        if rc != 0:
            with open(self.stderr_path) as f:
                raise AssertionError("gateway exited %d: %s" % (rc, f.read()[-3000:]))
        # The sanitizers' reports go to stderr without changing the exit code (UBSan).
        err = self.stderr_text()
        for needle in ("runtime error:", "AddressSanitizer", "LeakSanitizer"):
            assert needle not in err, err[-3000:]
        lines = out.strip().splitlines()
        assert len(lines) == 1, "one summary line on stdout, got %r" % out
        self.summary = json.loads(lines[0])
        return self.summary

    def close(self):
        if self.gateway.poll() is None:
            self.gateway.kill()
            self.gateway.wait()
        if not self.out.closed:
            self.out.close()
            self.err.close()
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=30)

    # ---- callers ----

    def proxy(self, user=USER, key=KEY):
        creds = "" if user is None else "%s:%s@" % (user, key)
        return xmlrpc.client.ServerProxy(
            "http://%s127.0.0.1:%d/api/2.0/xmlrpc/" % (creds, self.port))

    def rest(self, method, path, body=None, user=USER, key=KEY, port=None, raw=None):
        url = "http://127.0.0.1:%d%s" % (port or self.port, path)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(url, data=data, method=method)
        if user is not None:
            req.add_header("Authorization", "Basic " + base64.b64encode(
                ("%s:%s" % (user, key)).encode()).decode())
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=30 * SLOW) as resp:
                raw_body, status = resp.read(), resp.status
        except urllib.error.HTTPError as e:
            raw_body, status = e.read(), e.code
        try:
            parsed = json.loads(raw_body.decode()) if raw_body else None
        except ValueError:
            parsed = None
        return status, parsed, raw_body

    def server_get(self, cid):
        """The customer as the reference server holds it (directly, not through the gateway)."""
        status, body, _ = self.rest("GET", "/api/2.0/customers/%d" % cid, port=self.server_port)
        assert status == 200, status
        return body["item"]

    def captured(self):
        if not os.path.exists(self.capture):
            return []
        with open(self.capture) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def stop_envs(envs, tmp):
    """Ends every gateway with SIGTERM, which must exit 0 (under valgrind: no error, no leak)
    whether or not the test stopped it itself; then the servers, and `tmp` is removed."""
    try:
        for e in envs:
            if e.summary is None and e.gateway.poll() is None:
                e.stop_gateway()
    finally:
        for e in envs:
            e.close()
        shutil.rmtree(tmp, ignore_errors=True)


class GatewayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="custapi-gw-")
        self.envs = []

    def tearDown(self):
        stop_envs(self.envs, self.tmp)

    def start(self, **kw):
        sub = tempfile.mkdtemp(dir=self.tmp)
        e = Env(sub, **kw)
        self.envs.append(e)
        return e

    def put_once_seen(self, e, cid, quota):
        """A REST PUT of customer `cid` in a thread, returned once the install has seen it:
        (the thread, the list its status goes to)."""
        statuses = []
        t = threading.Thread(target=lambda: statuses.append(
            e.rest("PUT", "/api/2.0/customers/%d" % cid, {"sms_quota": quota})[0]))
        t.start()
        deadline = time.time() + 10 * SLOW
        while not e.captured() and time.time() < deadline:
            time.sleep(0.02)
        return t, statuses

    def assert_no_secrets(self, *paths):
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            self.assertNotIn(KEY.encode(), data, p)
            self.assertNotIn(TOKEN.encode(), data, p)

    # ---- every mode: the legacy integration and a REST caller ----

    def check_mode(self, upstream):
        e = self.start(upstream=upstream)
        p = e.proxy()
        # XML-RPC caller.
        self.assertEqual(p.customers.UpdateCustomer(11, {"sms_quota": 31, "country": "de"}), 11)
        got = p.customers.GetCustomer(11)
        self.assertEqual(got["sms_quota"], 31)
        self.assertEqual(got["country"], "DE")  # normalised as update sends it
        # REST caller.
        status, body, _ = e.rest("PUT", "/api/2.0/customers/12", {"email_quota": 77})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["item"]["email_quota"], 77)
        status, body, _ = e.rest("GET", "/api/2.0/customers/12")
        self.assertEqual(status, 200)
        self.assertEqual(body["item"]["email_quota"], 77)
        # The install's state, read directly.
        self.assertEqual(e.server_get(11)["sms_quota"], 31)
        self.assertEqual(e.server_get(12)["email_quota"], 77)
        # Which protocol reached the install.
        writes = [c for c in e.captured() if c["method"] in ("PUT", "POST")]
        kinds = [("rest" if c["method"] == "PUT" else
                  "update" if "UpdateCustomer" in c["body"] else
                  "get" if "GetCustomer" in c["body"] else "other") for c in writes]
        if upstream == "same":
            self.assertEqual(kinds, ["update", "get", "rest"])
        elif upstream == "rest":
            self.assertEqual(kinds, ["rest", "rest"])
        else:
            # update, GetCustomer (verbatim), PUT as update + read back, GET as GetCustomer
            self.assertEqual(kinds, ["update", "get", "update", "get", "get"])
        # Credentials went through as the caller sent them.
        for c in e.captured():
            self.assertEqual(c["auth"], "valid")
        s = e.stop_gateway()
        self.assertEqual(s["calls"], {"rest": 2, "xmlrpc": 2})
        calls = [l for l in e.stderr_text().splitlines() if " -> " in l]
        self.assertEqual(len(calls), 4, calls)  # -v: one line per call
        self.assertEqual(s["refused"], 0)
        self.assertEqual(s["upstream_errors"], 0)
        self.assert_no_secrets(e.stdout_path, e.stderr_path)
        return e, s

    def test_upstream_same(self):
        _, s = self.check_mode("same")
        self.assertEqual(s["forwarded"], 2)
        self.assertEqual(s["passed_through"], 2)

    def test_upstream_rest(self):
        _, s = self.check_mode("rest")
        self.assertEqual(s["forwarded"], 3)  # two updates and GetCustomer as a GET
        self.assertEqual(s["passed_through"], 1)

    def test_upstream_xmlrpc(self):
        _, s = self.check_mode("xmlrpc")
        self.assertEqual(s["forwarded"], 3)  # two updates and the GET as GetCustomer
        self.assertEqual(s["passed_through"], 1)

    def test_bare_method_names(self):
        # An install whose methods carry no prefix: --xmlrpc-prefix '' at the gateway too.
        e = self.start(upstream="rest", server_args=["--bare-methods"],
                       gateway_args=["--xmlrpc-prefix", ""])
        p = e.proxy()
        self.assertEqual(p.UpdateCustomer(3, {"sms_quota": 13}), 3)
        self.assertEqual(p.GetCustomer(3)["sms_quota"], 13)
        with self.assertRaises(xmlrpc.client.Fault) as f:
            p.UpdateCustomer(3, {"sms_quota": -1})
        self.assertEqual(f.exception.faultCode, 422)
        # An update under another name would pass unvalidated: refused at the door.
        before = len(e.captured())
        for name in ("customers.UpdateCustomer", "updatecustomer"):
            with self.assertRaises(xmlrpc.client.Fault) as f:
                getattr(p, name)(3, {"sms_quota": -14})
            self.assertEqual(f.exception.faultCode, -32601)
            self.assertIn("UpdateCustomer", f.exception.faultString)
        self.assertEqual(len(e.captured()), before)
        # Another prefix's reads are not the gateway's business: verbatim.
        with self.assertRaises(xmlrpc.client.Fault) as f:
            p.customers.GetCustomer(3)
        self.assertEqual(f.exception.faultCode, -32601)  # the install's own answer
        self.assertEqual(len(e.captured()), before + 1)

    def test_list_methods_translated(self):
        e = self.start(upstream="rest")
        self.assertEqual(e.proxy().system.listMethods(),
                         ["customers.UpdateCustomer", "customers.GetCustomer",
                          "system.listMethods"])
        self.assertEqual(e.captured(), [])  # answered by the gateway

    # ---- validation at the door ----

    def test_invalid_refused_nothing_upstream(self):
        for upstream in ("same", "rest", "xmlrpc"):
            e = self.start(upstream=upstream)
            p = e.proxy()
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(3, {"emial": "a@example.com"})
            self.assertEqual(f.exception.faultCode, 422)
            self.assertIn("emial", f.exception.faultString)
            self.assertIn("email", f.exception.faultString)  # the suggestion
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(3, {"sms_quota": True})
            self.assertIn("sms_quota", f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(3, {"email": "no-at-sign"})
            self.assertIn("email", f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(0, {"sms_quota": 1})
            self.assertIn("id", f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(3, {"sms_quota": "2147483648"})  # one past int32
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"sms_quota": -1})
            self.assertEqual(status, 422)
            self.assertEqual(body["error"]["property"], "sms_quota")
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"sms_quota": 1.5})
            self.assertEqual(status, 422)
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", raw=b"\xef\xbb\xbf{}")
            self.assertEqual(status, 422)  # a BOM is not JSON
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3",
                                     raw='{"name":"x"}'.encode("utf-16"))
            self.assertEqual(status, 422)  # nor is UTF-16
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3",
                                     raw=b'{"sms_quota":1,"sms_quota":2}')
            self.assertEqual(status, 422)  # a name given twice: which was meant?
            self.assertIn('"sms_quota" appears more than once', body["error"]["message"])
            # nothing to update: the validator's one message, as every command says it
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {})
            self.assertEqual(status, 422)
            self.assertEqual(body["error"]["category"], "invalid")
            self.assertEqual(body["error"]["message"], "nothing to update: no properties given")
            with self.assertRaises(xmlrpc.client.Fault) as f:
                p.customers.UpdateCustomer(3, {})
            self.assertIn("nothing to update: no properties given", f.exception.faultString)
            status, body, _ = e.rest("PUT", "/api/2.0/customers/03", {"sms_quota": 1})
            self.assertEqual(status, 404)  # not slipped past the door as another path
            self.assertEqual(e.captured(), [], upstream)
            s = e.stop_gateway()
            self.assertEqual(s["refused"], 13)
            self.assertEqual(s["forwarded"], 0)

    def test_strict_mode(self):
        e = self.start(gateway_args=["--strict"])
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().customers.UpdateCustomer(3, {"sms_quota": 1})
        self.assertEqual(f.exception.faultCode, 422)
        self.assertEqual(e.captured(), [])

    def test_lenient_mode(self):
        # Lenient at the door: the format rule only warns, so the update goes upstream (where
        # the reference server, strict, refuses it: its fault comes back as it came).
        e = self.start(gateway_args=["--lenient"])
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().customers.UpdateCustomer(3, {"telephone": "call me"})
        self.assertEqual(f.exception.faultCode, 422)
        self.assertEqual(len(e.captured()), 1)
        e2 = self.start()
        with self.assertRaises(xmlrpc.client.Fault):
            e2.proxy().customers.UpdateCustomer(3, {"telephone": "call me"})
        self.assertEqual(e2.captured(), [])

    def test_doctype_refused(self):
        e = self.start()
        body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall>'
                b'<methodName>customers.UpdateCustomer</methodName><params>'
                b'<param><value><int>3</int></value></param></params></methodCall>')
        req = urllib.request.Request("http://127.0.0.1:%d/api/2.0/xmlrpc/" % e.port, data=body,
                                     method="POST", headers={"Content-Type": "text/xml"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req) as r:
            text = r.read().decode()
        self.assertIn("<fault>", text)
        self.assertIn("DOCTYPE", text)
        self.assertEqual(e.captured(), [])

    def test_body_cap(self):
        e = self.start(gateway_args=["--max-body", "200"])
        status, _, _ = e.rest("PUT", "/api/2.0/customers/3", {"address": "x" * 180})
        self.assertEqual(status, 200)  # under the cap
        status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"address": "x" * 300})
        self.assertEqual(status, 413)
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().customers.UpdateCustomer(3, {"address": "y" * 300})
        self.assertEqual(f.exception.faultCode, 413)
        self.assertEqual(len([c for c in e.captured() if c["method"] == "PUT"]), 1)
        # A body that would never end is answered at once, not read to its end.
        import socket
        s = socket.create_connection(("127.0.0.1", e.port), timeout=10 * SLOW)
        s.sendall(b"PUT /api/2.0/customers/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000"
                  b"\r\nContent-Type: application/json\r\n\r\n" + b" " * 4096)
        self.assertIn(b" 413 ", s.recv(4096))
        s.close()
        # Chunked, with no length declared: read, dropped, refused at its end.
        chunk = b"%x\r\n%s\r\n" % (150, b" " * 150)
        self.assertEqual(self.raw(e, b"PUT /api/2.0/customers/3 HTTP/1.1\r\nHost: x\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 3 +
                                     b"0\r\n\r\n"), 413)
        self.assertEqual(len([c for c in e.captured() if c["method"] == "PUT"]), 1)

    # ---- errors in the caller's protocol ----

    def test_errors_keep_their_category(self):
        for upstream in ("same", "rest", "xmlrpc"):
            e = self.start(upstream=upstream)
            p = e.proxy(key="wrong")
            with self.assertRaises((xmlrpc.client.Fault, xmlrpc.client.ProtocolError)) as f:
                p.customers.UpdateCustomer(3, {"sms_quota": 1})
            if isinstance(f.exception, xmlrpc.client.Fault):
                self.assertEqual(f.exception.faultCode, 401)
            else:
                self.assertEqual(f.exception.errcode, 401)
            status, _, _ = e.rest("PUT", "/api/2.0/customers/3", {"sms_quota": 1}, key="wrong")
            self.assertEqual(status, 401)
            status, _, _ = e.rest("PUT", "/api/2.0/customers/99999", {"sms_quota": 1})
            self.assertEqual(status, 404)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                e.proxy().customers.GetCustomer(99999)
            self.assertEqual(f.exception.faultCode, 404)
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"hash": "notthehash"})
            self.assertEqual(status, 422)  # the install refuses it: rejected, in REST's terms
            self.assert_no_secrets(e.stderr_path)

    def test_server_errors_translated(self):
        # The install fails once (503 with Retry-After / a truncated body): the translated
        # caller sees the same category in its own protocol.
        e = self.start(upstream="rest", server_args=["--fault", "http503:1", "--fault", "badjson:1"])
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().customers.UpdateCustomer(3, {"sms_quota": 1})
        self.assertEqual(f.exception.faultCode, 503)
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().customers.UpdateCustomer(3, {"sms_quota": 1})
        self.assertEqual(f.exception.faultCode, 502)  # an answer that can't be understood
        e2 = self.start(upstream="xmlrpc",
                        server_args=["--fault", "http503:1", "--fault", "xmlfault:-32603:1"])
        self.assertEqual(e2.rest("PUT", "/api/2.0/customers/3", {"sms_quota": 1})[0], 503)
        status, body, _ = e2.rest("PUT", "/api/2.0/customers/3", {"sms_quota": 1})
        self.assertEqual((status, body["error"]["category"]), (500, "server"))
        for env in (e, e2):
            self.assertEqual(env.stop_gateway()["upstream_errors"], 2)

    def test_custapi_client_through_the_gateway(self):
        # custapi's own client, pointed at the gateway, sees the categories it would see at
        # the install (its exit codes), over either protocol, whatever the upstream mode.
        for upstream in ("same", "rest", "xmlrpc"):
            e = self.start(upstream=upstream)
            url = "http://127.0.0.1:%d" % e.port
            for proto in ("rest", "xmlrpc"):
                for key, cid, code in ((KEY, 3, 0), (KEY, 99999, 5), ("wrong", 3, 4)):
                    run = subprocess.run(
                        [os.environ["CUSTAPI_EXE"], "--url", url, "--username", USER,
                         "--protocol", proto, "--retries", "0", "update", "--id", str(cid),
                         "sms_quota=4"],
                        env=dict(os.environ, CUSTAPI_API_KEY=key), capture_output=True,
                        text=True)
                    self.assertEqual(run.returncode, code, (upstream, proto, cid, run.stdout))

    def test_unreachable_install(self):
        for upstream in ("same", "rest", "xmlrpc"):
            e = self.start(upstream=upstream, url="http://127.0.0.1:1")
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"sms_quota": 1})
            self.assertEqual(status, 502, body)
            self.assertEqual(body["error"]["category"], "transport")
            with self.assertRaises(xmlrpc.client.Fault) as f:
                e.proxy().customers.UpdateCustomer(3, {"sms_quota": 1})
            self.assertEqual(f.exception.faultCode, 502)
            s = e.stop_gateway()
            self.assertEqual(s["upstream_errors"], 2)

    def raw(self, e, request):
        import socket
        s = socket.create_connection(("127.0.0.1", e.port), timeout=10 * SLOW)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return int(data.split(b" ")[1]) if data else 0

    def test_no_update_slips_past_the_door(self):
        e = self.start()
        body = b'{"sms_quota":1}'
        head = "Content-Type: application/json\r\nContent-Length: %d\r\nAuthorization: Basic %s\r\n" % (len(body), TOKEN)
        for target in ("/api/2.0//customers/3", "/API/2.0/Customers/3", "/api/2.0/./customers/3",
                       "/api/2.0/customers/3/", "/api/2.0/customers/%2B3"):
            req = ("PUT %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (target, head)).encode() + body
            self.assertEqual(self.raw(e, req), 404, target)
        req = ("POST /api/2.0//xmlrpc/ HTTP/1.1\r\nHost: x\r\n%s\r\n" % head).encode() + body
        self.assertEqual(self.raw(e, req), 404)
        # Not origin-form: "@host" after the base URL would name another host.
        self.assertEqual(self.raw(e, b"GET @127.0.0.2/api/2.0/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                         400)
        self.assertEqual(self.raw(e, b"PROPFIND /api/2.0/ HTTP/1.1\r\nHost: x\r\n\r\n"), 400)
        self.assertEqual(e.captured(), [])
        # Reads in any spelling are harmless: verbatim.
        self.assertEqual(self.raw(e, ("GET /api/2.0//customers/3 HTTP/1.1\r\nHost: x\r\n"
                                      "Authorization: Basic %s\r\n\r\n" % TOKEN).encode()), 404)
        self.assertEqual(len(e.captured()), 1)
        s = e.stop_gateway()
        self.assertEqual(s["refused"], 8)

    def test_pass_through_verbatim(self):
        e = self.start(upstream="rest")
        status, body, raw = e.rest("GET", "/api/2.0/")
        direct = e.rest("GET", "/api/2.0/", port=e.server_port)
        self.assertEqual((status, raw), (direct[0], direct[2]))
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().lists.GetList(1)
        self.assertEqual(f.exception.faultCode, -32601)  # the install's own answer
        s = e.stop_gateway()
        self.assertEqual(s["passed_through"], 2)

    # ---- ordering ----

    def test_one_id_in_arrival_order(self):
        # The install holds the first request 800 ms: without ordering, the second update would
        # land first and the first would overwrite it.
        e = self.start(server_args=["--fault", "delay:800:1"])
        results = []

        def first():
            results.append(e.rest("PUT", "/api/2.0/customers/7", {"sms_quota": 1})[0])

        t = threading.Thread(target=first)
        t.start()
        time.sleep(0.3 * SLOW)
        self.assertEqual(e.proxy().customers.UpdateCustomer(7, {"sms_quota": 2}), 7)
        t.join()
        self.assertEqual(results, [200])
        self.assertEqual(e.server_get(7)["sms_quota"], 2)

    def test_translated_read_back_stays_in_line(self):
        # --upstream xmlrpc: a PUT is UpdateCustomer then GetCustomer. The read-back is slow
        # (the install's second request waits 800 ms); a second update of the same id arriving
        # meanwhile must not land between the two, or the first caller would be shown it.
        e = self.start(upstream="xmlrpc",
                       server_args=["--fault", "delay:0:1", "--fault", "delay:800:1"])
        first = []

        def put_first():
            first.append(e.rest("PUT", "/api/2.0/customers/9", {"sms_quota": 1}))

        t = threading.Thread(target=put_first)
        t.start()
        time.sleep(0.3 * SLOW)
        status, body, _ = e.rest("PUT", "/api/2.0/customers/9", {"sms_quota": 2})
        t.join()
        self.assertEqual((status, body["item"]["sms_quota"]), (200, 2))
        self.assertEqual((first[0][0], first[0][1]["item"]["sms_quota"]), (200, 1))
        self.assertEqual(e.server_get(9)["sms_quota"], 2)

    # ---- record and replay ----

    def test_record_replays_with_bulk(self):
        record = os.path.join(self.tmp, "record.jsonl")
        e = self.start(gateway_args=["--record", record], upstream="rest")
        p = e.proxy()
        p.customers.UpdateCustomer(21, {"sms_quota": 5, "country": "fr", "address": "1\n2"})
        e.rest("PUT", "/api/2.0/customers/22", {"name": "Ada", "email_quota": 9})
        p.customers.UpdateCustomer(21, {"sms_quota": 6})
        with self.assertRaises(xmlrpc.client.Fault):
            p.customers.UpdateCustomer(21, {"sms_quota": -6})  # refused: not recorded
        e.stop_gateway()
        self.assertEqual(stat.S_IMODE(os.stat(record).st_mode), 0o600)
        with open(record) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(lines, [{"id": 21, "sms_quota": 5, "country": "FR", "address": "1\n2"},
                                 {"id": 22, "name": "Ada", "email_quota": 9},
                                 {"id": 21, "sms_quota": 6}])
        self.assert_no_secrets(record)
        end = {cid: e.server_get(cid) for cid in (21, 22)}
        # Replay on a fresh install.
        e.server.send_signal(signal.SIGTERM)
        e.server.wait()
        e.start_server([], db="fresh.sqlite")
        env = dict(os.environ, CUSTAPI_API_KEY=KEY)
        run = subprocess.run([os.environ["CUSTAPI_EXE"], "bulk", "--url",
                              "http://127.0.0.1:%d" % e.server_port, "--username", USER,
                              "--input", record], env=env, capture_output=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        for cid in (21, 22):
            self.assertEqual(e.server_get(cid), end[cid])

    def test_two_gateways_one_record(self):
        # Two gateways append to one record file at once, from many threads: every line whole.
        record = os.path.join(self.tmp, "shared.jsonl")
        a = self.start(gateway_args=["--record", record])
        b = Env(tempfile.mkdtemp(dir=self.tmp), gateway_args=["--record", record],
                url="http://127.0.0.1:%d" % a.server_port)
        self.envs.append(b)

        def send(env, base):
            for i in range(10):
                env.rest("PUT", "/api/2.0/customers/%d" % (base + i),
                         {"address": "x" * 900, "sms_quota": i})

        threads = [threading.Thread(target=send, args=(env, base))
                   for env, base in ((a, 40), (b, 50), (a, 60), (b, 70))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        a.stop_gateway()
        b.stop_gateway()
        with open(record) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(sorted(l["id"] for l in lines), list(range(40, 80)))

    # ---- shadow reads ----

    def shadow_lines(self, report):
        """The report's header, then its lines (one per updated property)."""
        with open(report) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(lines[0], {"custapi_shadow_report": 1,
                                    "custapi_version": lines[0]["custapi_version"]})
        for line in lines[1:]:
            self.assertRegex(line["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(sorted(line["elapsed_ms"]), ["rest", "xmlrpc"])
        return lines[1:]

    def test_shadow_catches_divergence(self):
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--diverge", "xmlrpc-reads:address=tampered"],
                       gateway_args=["--shadow", "--report", report])
        status, _, _ = e.rest("PUT", "/api/2.0/customers/4",
                              {"address": "4 Main Road", "sms_quota": 3})
        self.assertEqual(status, 200)
        self.assertEqual(e.proxy().customers.UpdateCustomer(5, {"sms_quota": 4}), 5)
        s = e.stop_gateway()  # waits for the queued shadow reads
        lines = self.shadow_lines(report)
        self.assertEqual(sorted((d["id"], d["property"], d["verdict"]) for d in lines),
                         [(4, "address", "differ"), (4, "sms_quota", "agree"),
                          (5, "sms_quota", "agree")])
        d = [d for d in lines if d["verdict"] == "differ"][0]
        self.assertEqual((d["id"], d["property"], d["sent"], d["rest"], d["xmlrpc"]),
                         (4, "address", "4 Main Road", "4 Main Road", "tampered"))
        self.assertRegex(d["when"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # Two reads per update, and two more for the update whose address differed (to tell
        # noise from a difference): "tampered" stays "tampered", so it is a difference.
        self.assertEqual(s["shadow_reads"], 6)
        self.assertEqual(s["differences"], 1)
        self.assertEqual(stat.S_IMODE(os.stat(report).st_mode), 0o600)
        # Reads only: the two updates are the only writes the install saw.
        writes = [c for c in e.captured()
                  if c["method"] == "PUT" or "UpdateCustomer" in c.get("body", "")]
        self.assertEqual(len(writes), 2)
        self.assert_no_secrets(report, e.stderr_path, e.stdout_path)

    def test_shadow_dropped_property(self):
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--diverge", "xmlrpc-drops:sms_quota"],
                       gateway_args=["--shadow", "--report", report])
        before = e.server_get(6)["sms_quota"]
        self.assertEqual(e.proxy().customers.UpdateCustomer(6, {"sms_quota": before + 1}), 6)
        e.stop_gateway()
        (d,) = self.shadow_lines(report)
        self.assertEqual((d["sent"], d["rest"], d["xmlrpc"], d["verdict"]),
                         (before + 1, before, before, "differ"))

    def test_shadow_tells_noise_from_a_difference(self):
        # address changes on every read by itself (noise); sms_quota is dropped over XML-RPC (a
        # real difference); postal_code is named noise in advance (--ignore) and dropped too.
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--diverge", "noisy:address",
                                    "--diverge", "xmlrpc-drops:sms_quota",
                                    "--diverge", "xmlrpc-drops:postal_code"],
                       gateway_args=["--shadow", "--report", report, "--ignore", "postal_code"])
        for cid in (7, 8):
            self.assertEqual(e.proxy().customers.UpdateCustomer(
                cid, {"address": "1 Road", "sms_quota": 50 + cid, "postal_code": "69001"}), cid)
        s = e.stop_gateway()
        verdicts = sorted((d["id"], d["property"], d["verdict"]) for d in self.shadow_lines(report))
        self.assertEqual(verdicts, [(7, "address", "noise"), (7, "postal_code", "noise"),
                                    (7, "sms_quota", "differ"), (8, "address", "noise"),
                                    (8, "postal_code", "noise"), (8, "sms_quota", "differ")])
        self.assertEqual(s["differences"], 2)

    def test_shadow_read_ordered_before_a_later_update(self):
        # Update 1 of customer 9 is slow at the install; update 2 of 9 arrives meanwhile. The
        # read-backs of update 1 take their place behind it when it arrives, so they run before
        # update 2 and see 1: no false difference ({"sent":1,"rest":2,"xmlrpc":2} before).
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--fault", "delay:%d:1" % (800 * SLOW)],
                       gateway_args=["--shadow", "--report", report])
        first = []
        t = threading.Thread(target=lambda: first.append(
            e.rest("PUT", "/api/2.0/customers/9", {"sms_quota": 1})[0]))
        t.start()
        time.sleep(0.3 * SLOW)
        self.assertEqual(e.proxy().customers.UpdateCustomer(9, {"sms_quota": 2}), 9)
        t.join()
        self.assertEqual(first, [200])
        s = e.stop_gateway()
        # One line per update, each agreeing: the reads of update 1 saw 1, not 2.
        self.assertEqual([(d["sent"], d["rest"], d["xmlrpc"], d["verdict"])
                          for d in self.shadow_lines(report)],
                         [(1, 1, 1, "agree"), (2, 2, 2, "agree")])
        self.assertEqual((s["shadow_reads"], s["differences"], s["shadow_dropped"]), (4, 0, 0))
        # The install saw: update 1, its two reads, update 2, its two reads.
        kinds = ["w" if c["method"] == "PUT" or "UpdateCustomer" in c.get("body", "") else "r"
                 for c in e.captured()]
        self.assertEqual(kinds, ["w", "r", "r", "w", "r", "r"])

    def test_shadow_queue_bounded(self):
        # --shadow-queue 1: while the first update's reads wait their turn (the install holds
        # the update 800 ms), the second update has no room: answered all the same, not read
        # back, counted as dropped.
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--fault", "delay:%d:1" % (800 * SLOW)],
                       gateway_args=["--shadow", "--report", report, "--shadow-queue", "1"])
        first = []
        t = threading.Thread(target=lambda: first.append(
            e.rest("PUT", "/api/2.0/customers/11", {"sms_quota": 1})[0]))
        t.start()
        time.sleep(0.3 * SLOW)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/12", {"sms_quota": 2})[0], 200)
        t.join()
        self.assertEqual(first, [200])
        s = e.stop_gateway()
        self.assertEqual((s["shadow_reads"], s["shadow_dropped"]), (2, 1))
        self.assertEqual(e.server_get(12)["sms_quota"], 2)

    # ---- running like a service ----

    def test_sigterm_with_calls_in_flight(self):
        e = self.start(server_args=["--fault", "delay:1500"])
        answers = []

        def call(i):
            if i % 2:
                answers.append(e.proxy().customers.UpdateCustomer(30 + i, {"sms_quota": i}))
            else:
                answers.append(e.rest("PUT", "/api/2.0/customers/%d" % (30 + i),
                                      {"sms_quota": i})[0])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5 * SLOW)
        s = e.stop_gateway()
        for t in threads:
            t.join()
        self.assertEqual(sorted(answers), [31, 33, 200, 200])
        self.assertEqual(s["forwarded"], 4)
        for i in range(4):
            self.assertEqual(e.server_get(30 + i)["sms_quota"], i)

    def test_sigint_summary(self):
        e = self.start()
        s = e.stop_gateway(signal.SIGINT)
        self.assertEqual(s["stopped_by"], "SIGINT")

    def test_slow_caller_timed_out(self):
        import socket
        e = self.start(gateway_args=["--caller-timeout", "1"])
        s = socket.create_connection(("127.0.0.1", e.port))
        s.sendall(b"PUT /api/2.0/customers/3 HTTP/1.1\r\nHost: x\r\n")  # and then nothing
        s.settimeout(10 * SLOW)
        start = time.time()
        self.assertEqual(s.recv(100), b"")  # closed by the gateway
        self.assertLess(time.time() - start, 8 * SLOW)
        s.close()
        self.assertEqual(e.captured(), [])

    def test_dripping_caller_loses_its_slot(self):
        # A byte every 0.4 s is never silent for long: --caller-timeout bounds the whole
        # request, so the connection is closed about 2 s after it opened, drip or not.
        import socket
        e = self.start(gateway_args=["--caller-timeout", "2"])
        s = socket.create_connection(("127.0.0.1", e.port))
        start = time.time()
        closed = False
        request = b"PUT /api/2.0/customers/3 HTTP/1.1\r\nHost: x\r\nX-Drip: " + b"a" * 100
        s.settimeout(0.4)
        for byte in request:
            try:
                if s.recv(100) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        elapsed = time.time() - start
        s.close()
        self.assertTrue(closed, "still open after %.1f s of dripping" % elapsed)
        self.assertLess(elapsed, 2 + 8 * SLOW)
        self.assertEqual(e.captured(), [])
        self.assertEqual(e.rest("GET", "/api/2.0/")[0], 200)  # the slot is free again

    def test_slow_install_is_not_the_callers_fault(self):
        # --caller-timeout bounds the caller's request, not the wait for the install (bounded
        # by the upstream deadline): an answer 2.5 s late still reaches a caller allowed 1 s.
        e = self.start(server_args=["--fault", "delay:2500:1"],
                       gateway_args=["--caller-timeout", "1"])
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/18", {"sms_quota": 3})[0], 200)
        self.assertEqual(e.server_get(18)["sms_quota"], 3)

    def test_429_holds_every_caller(self):
        # The install answers the first call 429 with Retry-After: 1. The hold is the one call
        # machinery's, shared by every caller: a second caller arriving meanwhile is not sent
        # upstream until the second is up (it was, at once, with a retry loop per connection).
        e = self.start(server_args=["--fault", "http429:1"], gateway_args=["--retries", "1"])
        t, first = self.put_once_seen(e, 13, 1)
        self.assertEqual(len(e.captured()), 1)  # the 429
        second = []
        t2 = threading.Thread(target=lambda: second.append(
            e.proxy().customers.UpdateCustomer(14, {"sms_quota": 2})))
        t2.start()
        time.sleep(0.4)
        self.assertEqual(len(e.captured()), 1, e.captured())  # held, not sent
        t.join()
        t2.join()
        self.assertEqual((first, second), ([200], [14]))
        self.assertEqual(len(e.captured()), 3)
        self.assertEqual((e.server_get(13)["sms_quota"], e.server_get(14)["sms_quota"]), (1, 2))

    def test_sigterm_bounded_by_stop_grace(self):
        # The update is answered at once; its shadow reads are held 8 s by the install. SIGTERM:
        # no caller is in flight, so the reads get --stop-grace 1 more, then are dropped, said
        # on stderr and counted; the gateway does not wait the 8 s.
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--fault", "delay:0:1", "--fault", "delay:8000"],
                       gateway_args=["--shadow", "--report", report, "--stop-grace", "1"])
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/15", {"sms_quota": 5})[0], 200)
        start = time.time()
        s = e.stop_gateway()
        self.assertLess(time.time() - start, 1 + 4 * SLOW)
        self.assertEqual(s["shadow_dropped"], 1)
        self.assertIn("stopped with 1 shadow read not made", e.stderr_text())
        self.assertEqual(e.server_get(15)["sms_quota"], 5)

    def test_second_signal_answers_the_waiting_callers(self):
        # A caller's update is held 8 s by the install. SIGTERM waits for it; a second signal
        # ends the gateway at once: the caller gets 504 from the gateway (not a dropped
        # connection), stderr says what was abandoned, and the exit is 0 with the summary.
        e = self.start(server_args=["--fault", "delay:%d:1" % (8000 * SLOW)])
        t, answers = self.put_once_seen(e, 17, 1)
        e.gateway.send_signal(signal.SIGTERM)
        time.sleep(0.3 * SLOW)
        self.assertIsNone(e.gateway.poll())  # still waiting for its caller
        start = time.time()
        s = e.stop_gateway(signal.SIGINT)
        t.join()
        self.assertLess(time.time() - start, 4 * SLOW)
        self.assertEqual(answers, [504])
        self.assertEqual(s["timed_out"], 1)
        self.assertIn("1 upstream call abandoned", e.stderr_text())

    def test_connection_limit(self):
        import socket
        e = self.start(gateway_args=["--max-connections", "2"])
        held = [socket.create_connection(("127.0.0.1", e.port)) for _ in range(2)]
        time.sleep(0.2 * SLOW)
        extra = socket.create_connection(("127.0.0.1", e.port))
        extra.settimeout(10 * SLOW)
        try:
            extra.sendall(b"GET /api/2.0/ HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(extra.recv(100), b"")  # refused: closed without an answer
        except ConnectionResetError:
            pass
        extra.close()
        for s in held:
            s.close()
        time.sleep(0.2 * SLOW)
        self.assertEqual(e.rest("GET", "/api/2.0/")[0], 200)  # and served again after

    def test_tls(self):
        import ssl
        if not shutil.which("openssl"):
            self.skipTest("no openssl to make a certificate")
        cert, key = os.path.join(self.tmp, "c.pem"), os.path.join(self.tmp, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        e = self.start(gateway_args=["--tls-cert", cert, "--tls-key", key], upstream="rest")
        ctx = ssl.create_default_context(cafile=cert)
        p = xmlrpc.client.ServerProxy(
            "https://%s:%s@127.0.0.1:%d/api/2.0/xmlrpc/" % (USER, KEY, e.port), context=ctx)
        self.assertEqual(p.customers.UpdateCustomer(8, {"sms_quota": 8}), 8)
        self.assertEqual(e.server_get(8)["sms_quota"], 8)

    def test_refuses_remote_listen_and_bad_options(self):
        exe = os.environ["CUSTAPI_EXE"]
        for args, needle in (
                (["--listen", "0.0.0.0:0"], "--allow-remote"),
                (["--listen", "127.0.0.1:0", "--upstream", "soap"], "--upstream"),
                (["--listen", "127.0.0.1:0", "--shadow"], "--report"),
                (["--listen", "127.0.0.1:0", "--shadow", "--report",
                  os.path.join(tempfile.mkdtemp(), "report.jsonl"), "--ignore", "a b"],
                 '--ignore: "a b": not a property name'),
                (["--listen", "127.0.0.1:0", "--fill-required"],
                 "the gateway does not support fill-required (it would read each customer "
                 "before its update)"),  # the one refusal that bulk and compare say too
                (["--listen", "127.0.0.1:99999"], "port"),
                ([], "--listen")):
            run = subprocess.run([exe, "gateway", "--url", "http://127.0.0.1:1"] + args,
                                 capture_output=True, text=True)
            self.assertEqual(run.returncode, 2, (args, run.stderr))
            self.assertIn(needle, run.stderr)


    # ---- issue 21: nothing past the door, recordings that replay, every edge bounded ----

    def raw_answer(self, e, request):
        """Sends one raw request; returns (status, head, body) of the answer."""
        import socket
        s = socket.create_connection(("127.0.0.1", e.port), timeout=10 * SLOW)
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                          if l.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), head.decode("latin-1"), body

    def test_multicall_refused_whole(self):
        # system.multicall would carry UpdateCustomer past the door: refused, in every mode,
        # whatever it wraps, in any case of its name; nothing reaches the install.
        for upstream in ("same", "rest", "xmlrpc"):
            e = self.start(upstream=upstream)
            p = e.proxy()
            m = xmlrpc.client.MultiCall(p)
            m.customers.UpdateCustomer(5, {"sms_quota": "5e3", "enterprise_id": 999})
            with self.assertRaises(xmlrpc.client.Fault) as f:
                list(m())
            self.assertEqual(f.exception.faultCode, -32601)
            self.assertIn("system.multicall", f.exception.faultString)
            m = xmlrpc.client.MultiCall(p)
            m.customers.GetCustomer(5)  # reads only: refused all the same
            with self.assertRaises(xmlrpc.client.Fault):
                list(m())
            with self.assertRaises(xmlrpc.client.Fault) as f:
                getattr(p, "System.MultiCall")([])
            self.assertEqual(f.exception.faultCode, -32601)
            self.assertEqual(e.captured(), [], upstream)
            s = e.stop_gateway()
            self.assertEqual((s["refused"], s["forwarded"], s["passed_through"]), (3, 0, 0))

    def test_other_writes_on_a_customer_405(self):
        e = self.start()
        body = b'{"sms_quota":1}'
        for method in ("PATCH", "POST", "DELETE"):
            req = ("%s /api/2.0/customers/5 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                   % (method, TOKEN, len(body))).encode() + body
            status, head, answer = self.raw_answer(e, req)
            self.assertEqual(status, 405, method)
            self.assertIn("\r\nAllow: GET, HEAD, PUT", head)
            error = json.loads(answer)["error"]
            self.assertIn("PUT /api/2.0/customers/ID", error["message"])
            self.assertIn(method, error["message"])
        self.assertEqual(e.captured(), [])
        # Reads stay verbatim.
        self.assertEqual(e.rest("GET", "/api/2.0/customers/5")[0], 200)
        self.assertEqual(len(e.captured()), 1)
        self.assertEqual(e.stop_gateway()["refused"], 3)

    def test_record_keeps_only_what_the_install_accepted(self):
        # Accepted, refused at the door, refused by the install (401, 404, 422) and failed (503)
        # updates, over both protocols; the recording replayed with bulk on a fresh install
        # leaves it as the callers left the first one.
        record = os.path.join(self.tmp, "record.jsonl")
        e = self.start(gateway_args=["--record", record],
                       server_args=["--fault", "http503:1"])
        # failed: the install's first request answers 503 (no retries)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/13", {"sms_quota": 913})[0], 503)
        start = {cid: e.server_get(cid) for cid in (12, 13, 14, 15)}
        p = e.proxy()
        self.assertEqual(p.customers.UpdateCustomer(14, {"sms_quota": 14}), 14)  # accepted
        with self.assertRaises((xmlrpc.client.Fault, xmlrpc.client.ProtocolError)):
            e.proxy(key="wrong").customers.UpdateCustomer(12, {"sms_quota": 777})  # 401
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/12", {"sms_quota": 778},
                                key="wrong")[0], 401)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/12", {"sms_quota": 779},
                                user=None)[0], 401)  # no credentials at all
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/99999", {"sms_quota": 1})[0], 404)
        with self.assertRaises(xmlrpc.client.Fault):
            p.customers.UpdateCustomer(99998, {"sms_quota": 1})  # not found
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/15", {"hash": "notthehash"})[0], 422)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/15", {"email_quota": 15})[0], 200)
        with self.assertRaises(xmlrpc.client.Fault):
            p.customers.UpdateCustomer(14, {"sms_quota": -1})  # refused at the door
        s = e.stop_gateway()
        self.assertEqual(s["updates"], {"accepted": 2, "refused": 6, "failed": 1})
        self.assertEqual(s["refused"], 1)
        with open(record) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(lines, [{"id": 14, "sms_quota": 14}, {"id": 15, "email_quota": 15}])
        end = {cid: e.server_get(cid) for cid in (12, 13, 14, 15)}
        self.assertEqual(end[12], start[12])  # the refused calls changed nothing
        self.assertEqual(end[13], start[13])
        e.server.send_signal(signal.SIGTERM)
        e.server.wait()
        e.start_server([], db="fresh.sqlite")
        run = subprocess.run([os.environ["CUSTAPI_EXE"], "bulk", "--url",
                              "http://127.0.0.1:%d" % e.server_port, "--username", USER,
                              "--input", record], env=dict(os.environ, CUSTAPI_API_KEY=KEY),
                             capture_output=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        for cid in (12, 13, 14, 15):
            self.assertEqual(e.server_get(cid), end[cid], cid)

    def test_body_cap_for_every_call(self):
        # Forwarded calls too: 413 at the door, nothing upstream, declared or chunked.
        e = self.start(gateway_args=["--max-body", "200"])
        big = b"x" * 300
        status, _, _ = self.raw_answer(
            e, b"POST /api/2.0/lists HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 300\r\n\r\n" + big)
        self.assertEqual(status, 413)
        chunk = b"%x\r\n%s\r\n" % (150, b" " * 150)
        status, _, _ = self.raw_answer(
            e, b"POST /api/2.0/lists HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + chunk * 2 + b"0\r\n\r\n")
        self.assertEqual(status, 413)
        status, _, _ = self.raw_answer(
            e, b"DELETE /api/2.0/other/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"\r\n" + chunk * 2 + b"0\r\n\r\n")
        self.assertEqual(status, 413)
        with self.assertRaises(xmlrpc.client.Fault) as f:
            e.proxy().lists.GetList("y" * 300)  # a method passed through verbatim
        self.assertEqual(f.exception.faultCode, 413)
        self.assertEqual(e.captured(), [])
        s = e.stop_gateway()
        self.assertEqual((s["refused"], s["passed_through"]), (4, 0))

    def test_header_control_bytes_refused(self):
        e = self.start()
        body = b'{"sms_quota":1}'
        for name, value in ((b"Accept", b"application/json\x01"),
                            (b"Content-Type", b"application/json\rX-Injected: 1"),
                            (b"Authorization", b"Basic " + TOKEN.encode() + b"\x7f"),
                            (b"Accept", b"text/plain\x1b[31m")):
            for path in (b"/api/2.0/customers/3", b"/api/2.0/"):
                req = (b"PUT " + path + b" HTTP/1.1\r\nHost: x\r\n" + name + b": " + value +
                       b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                status, head, answer = self.raw_answer(e, req)
                self.assertIn(status, (400,), (name, value, path))
            # XML-RPC callers: a fault 400
            call = xmlrpc.client.dumps((3, {"sms_quota": 1}), "customers.UpdateCustomer").encode()
            req = (b"POST /api/2.0/xmlrpc/ HTTP/1.1\r\nHost: x\r\n" + name + b": " + value +
                   b"\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(call) + call)
            status, head, answer = self.raw_answer(e, req)
            if status == 200:
                with self.assertRaises(xmlrpc.client.Fault) as f:
                    xmlrpc.client.loads(answer.decode())
                self.assertEqual(f.exception.faultCode, 400)
            else:
                self.assertEqual(status, 400)  # libmicrohttpd's own refusal
        self.assertEqual(e.captured(), [])
        # A NUL: libmicrohttpd 0.9.75 ends the value there, before the gateway sees it; what
        # follows the NUL never goes upstream.
        self.raw_answer(e, b"GET /api/2.0/ HTTP/1.1\r\nHost: x\r\nAccept: text/plain\x00\r\n"
                           b"X-Injected: 1\r\n\r\n")
        self.assertEqual([c["headers"].get("accept") for c in e.captured()], ["text/plain"])
        self.assertNotIn("x-injected", e.captured()[0]["headers"])
        # A TAB is allowed in a value.
        self.assertEqual(self.raw_answer(e, b"GET /api/2.0/ HTTP/1.1\r\nHost: x\r\n"
                                            b"Accept: text/plain,\tapplication/json\r\n\r\n")[0],
                         401)  # the install's answer: it went upstream

    def test_verbose_escapes_what_callers_send(self):
        e = self.start()
        self.raw_answer(e, b"GET /x%1b%5b31m%07 HTTP/1.1\r\nHost: x\r\n\r\n")
        self.raw_answer(e, b"PUT /api/2.0/customers/%1b%5b2J HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 2\r\n\r\n{}")
        e.stop_gateway()
        with open(e.stderr_path, "rb") as f:
            err = f.read()
        self.assertNotIn(b"\x1b", err)
        self.assertNotIn(b"\x07", err)
        self.assertIn(b"/x\\x1B[31m\\x07", err)

    def test_files_only_regular_or_new(self):
        import socket
        exe = os.environ["CUSTAPI_EXE"]
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        sock_path = os.path.join(self.tmp, "sock")
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(sock_path)
        link = os.path.join(self.tmp, "link")
        os.symlink(os.path.join(self.tmp, "elsewhere"), link)
        null_mode = os.stat("/dev/null").st_mode
        try:
            for option, path, kind in (
                    ("--record", "/dev/null", "a device"),
                    ("--record", fifo, "a FIFO"),
                    ("--record", self.tmp, "a directory"),
                    ("--record", sock_path, "a socket"),
                    ("--record", link, "a symbolic link"),
                    ("--report", fifo, "a FIFO"),
                    ("--report", "/dev/null", "a device"),
                    ("--port-file", fifo, "a FIFO"),
                    ("--port-file", self.tmp, "a directory"),
                    ("--port-file", "/dev/null", "a device")):
                args = [option, path]
                if option == "--report":
                    args.append("--shadow")
                if option != "--port-file":
                    args += ["--port-file", os.path.join(self.tmp, "p")]
                run = subprocess.run([exe, "gateway", "--url", "http://127.0.0.1:1",
                                      "--listen", "127.0.0.1:0"] + args,
                                     capture_output=True, text=True, timeout=20 * SLOW)
                self.assertEqual(run.returncode, 2, (option, path, run.stderr))
                self.assertIn("%s %s: %s" % (option, path, kind), run.stderr)
                self.assertEqual(len(run.stderr.strip().splitlines()), 1, run.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "p")))
        finally:
            srv.close()
        self.assertEqual(os.stat("/dev/null").st_mode, null_mode)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "elsewhere")))

    def test_startup_line(self):
        e = self.start(upstream="rest")
        e.rest("GET", "/api/2.0/")  # answered after the line is out
        lines = e.stderr_text().splitlines()
        self.assertEqual(lines[0], "custapi gateway: listening on http://127.0.0.1:%d, upstream "
                                   "http://127.0.0.1:%d (rest)" % (e.port, e.server_port))
        q = self.start(verbose=False, gateway_args=["-q"])
        e.rest("GET", "/api/2.0/")
        q.stop_gateway()
        self.assertEqual(q.stderr_text(), "")


    def xmlrpc_raw(self, e, call):
        status, _, answer = self.raw_answer(
            e, b"POST /api/2.0/xmlrpc/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
               TOKEN.encode() + b"\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
               % len(call) + call)
        self.assertEqual(status, 200)
        return xmlrpc.client.loads(answer.decode())[0][0]

    def test_xmlrpc_door_reads_as_update(self):
        # A CR given as a character reference, and a member given twice, are refused as update
        # and the REST door refuse them: xmlrpc-c would read the CR as LF and keep the last.
        def update(members):
            return (b"<?xml version='1.0'?><methodCall><methodName>customers.UpdateCustomer"
                    b"</methodName><params><param><value><int>3</int></value></param><param>"
                    b"<value><struct>" + b"".join(
                        b"<member><name>%s</name><value>%s</value></member>" % m
                        for m in members) + b"</struct></value></param></params></methodCall>")
        for upstream in ("same", "rest"):
            e = self.start(upstream=upstream)
            for ref in (b"&#13;", b"&#xD;", b"&#x0d;", b"&#0013;"):
                with self.assertRaises(xmlrpc.client.Fault) as f:
                    self.xmlrpc_raw(e, update([(b"address", b"<string>1 Main" + ref +
                                                b"Road</string>")]))
                self.assertEqual(f.exception.faultCode, 422)
                self.assertTrue(f.exception.faultString.startswith(
                    'address: control character U+000D at byte 6 (CR is refused; use LF for '
                    'line breaks): "1 Main\\r'), f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:  # untyped, in a CDATA's company
                self.xmlrpc_raw(e, update([(b"name", b"<![CDATA[a]]>&#13;")]))
            self.assertIn("U+000D at byte 1", f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                self.xmlrpc_raw(e, update([(b"sms_quota", b"<int>1</int>"),
                                           (b"sms_quota", b"<int>2</int>")]))
            self.assertEqual(f.exception.faultCode, 422)
            self.assertIn("appears more than once", f.exception.faultString)
            with self.assertRaises(xmlrpc.client.Fault) as f:
                self.xmlrpc_raw(e, update([(b"name", b"<string>a</string>"),
                                           (b"address", b"x"), (b"name", b"b")]))
            self.assertIn("appears more than once", f.exception.faultString)
            # The REST door says the same of a CR.
            status, body, _ = e.rest("PUT", "/api/2.0/customers/3", {"address": "1 Main\rRoad"})
            self.assertEqual(status, 422)
            self.assertEqual(body["error"]["message"],
                             'address: control character U+000D at byte 6 (CR is refused; use LF '
                             'for line breaks): "1 Main\\rRoad" (free text)')
            self.assertEqual(body["error"]["property"], "address")
            self.assertEqual(e.captured(), [], upstream)
            # A LF, literal or referenced, and a literal CR (XML reads it as LF) are fine.
            self.assertEqual(self.xmlrpc_raw(e, update([(b"address", b"<string>1&#10;2\r\n3"
                                                        b"</string>")])), 3)
            self.assertEqual(e.server_get(3)["address"], "1\n2\n3")


    # ---- issue 21: operators can see it ----

    def scrape(self, port, path="/metrics"):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10 * SLOW) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()

    def parse_metrics(self, text):
        """The samples, as python3-prometheus-client's own parser reads the page (Debian's
        /usr/bin/python3: the python3 first on PATH may lack the package)."""
        prog = ("import json, sys\n"
                "from prometheus_client.parser import text_string_to_metric_families\n"
                "out = []\n"
                "for fam in text_string_to_metric_families(sys.stdin.read()):\n"
                "    for s in fam.samples:\n"
                "        out.append([fam.name, fam.type, s.name, s.labels, s.value])\n"
                "print(json.dumps(out))\n")
        run = subprocess.run(["/usr/bin/python3", "-c", prog], input=text, capture_output=True,
                             text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        return json.loads(run.stdout)

    def test_metrics_counts_the_calls_made(self):
        if subprocess.run(["/usr/bin/python3", "-c", "import prometheus_client.parser"],
                          capture_output=True).returncode != 0:
            self.skipTest("/usr/bin/python3 has no prometheus_client (python3-prometheus-client)")
        import re
        report = os.path.join(self.tmp, "report.jsonl")
        e = self.start(server_args=["--diverge", "xmlrpc-reads:address=tampered",
                                    "--fault", "http503:1"],
                       gateway_args=["--metrics", "127.0.0.1:0", "--retries", "1",
                                     "--shadow", "--report", report])
        deadline = time.time() + 10 * SLOW
        while True:  # the port file can come before the start-up line is out
            m = re.search(r"^custapi gateway: metrics on http://127\.0\.0\.1:(\d+)/metrics$",
                          e.stderr_text(), re.M)
            if m or time.time() > deadline:
                break
            time.sleep(0.02)
        self.assertTrue(m, e.stderr_text())
        mport = int(m.group(1))
        self.assertNotEqual(mport, e.port)
        # REST: ok (after one retry: the install's first answer is 503), invalid, not found
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/4", {"address": "4 Main"})[0], 200)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/4", {"sms_quota": -1})[0], 422)
        self.assertEqual(e.rest("PUT", "/api/2.0/customers/99999", {"sms_quota": 1})[0], 404)
        # XML-RPC: ok, ok (a read, verbatim), invalid
        p = e.proxy()
        self.assertEqual(p.customers.UpdateCustomer(5, {"sms_quota": 5}), 5)
        p.customers.GetCustomer(5)
        with self.assertRaises(xmlrpc.client.Fault):
            p.customers.UpdateCustomer(5, {"sms_quota": -5})
        self.assertEqual(self.scrape(mport, "/healthz")[:3:2], (200, "ok\n"))
        deadline = time.time() + 20 * SLOW
        while True:  # the shadow reads run in the background
            status, ctype, text = self.scrape(mport)
            samples = self.parse_metrics(text)
            value = {(n, tuple(sorted(l.items()))): v for _, _, n, l, v in samples}
            if value.get(("custapi_gateway_shadow_reads_total", ())) == 6 or \
                    time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)

        def calls(proto, outcome):
            return value.get(("custapi_gateway_calls_total",
                              (("outcome", outcome), ("protocol", proto), ("upstream", "same"))),
                             0)

        self.assertEqual((calls("rest", "ok"), calls("rest", "invalid"),
                          calls("rest", "not_found")), (1, 1, 1))
        self.assertEqual((calls("xmlrpc", "ok"), calls("xmlrpc", "invalid")), (2, 1))
        for proto in ("rest", "xmlrpc"):
            self.assertEqual(value[("custapi_gateway_call_duration_seconds_count",
                                    (("protocol", proto),))], 3)
            self.assertEqual(value[("custapi_gateway_call_duration_seconds_bucket",
                                    (("le", "+Inf"), ("protocol", proto)))], 3)
            self.assertGreater(value[("custapi_gateway_call_duration_seconds_sum",
                                      (("protocol", proto),))], 0)
        # 4 calls upstream + 1 retry, 4 shadow reads (two per update that succeeded), and the
        # second pair of reads that tells noise from a difference: customer 4's address differs
        # over XML-RPC (--diverge), so the shadow reads it once more over each protocol
        self.assertEqual(value[("custapi_gateway_upstream_retries_total", ())], 1)
        self.assertEqual(value[("custapi_gateway_upstream_attempts_total", ())], 5 + 4 + 2)
        self.assertEqual(value[("custapi_gateway_shadow_reads_total", ())], 4 + 2)
        self.assertEqual(value[("custapi_gateway_shadow_differences_total", ())], 1)
        self.assertEqual(value[("custapi_gateway_shadow_dropped_total", ())], 0)
        self.assertEqual(value[("custapi_gateway_suspended_connections", ())], 0)
        self.assertGreaterEqual(value[("custapi_gateway_open_connections", ())], 0)
        types = {fam: t for fam, t, _, _, _ in samples}
        self.assertEqual(types["custapi_gateway_call_duration_seconds"], "histogram")
        self.assertEqual(types["custapi_gateway_calls"], "counter")
        for fam, _, name, labels, _ in samples:
            self.assertTrue(name.startswith("custapi_gateway_"), name)
            self.assertFalse(set(labels) - {"protocol", "upstream", "outcome", "le"}, labels)
        # Only the gateway's two paths there; the install's are never served on it.
        with self.assertRaises(urllib.error.HTTPError) as h:
            self.scrape(mport, "/api/2.0/customers/4")
        self.assertEqual(h.exception.code, 404)
        s = e.stop_gateway()
        self.assertEqual(s["calls"], {"rest": 3, "xmlrpc": 3})
        self.assertEqual(s["shadow_reads"], 4 + 2)

    def test_metrics_listen_refused(self):
        exe = os.environ["CUSTAPI_EXE"]
        for metrics, needle in (("0.0.0.0:0", "--allow-remote"), ("127.0.0.1:x", "--metrics"),
                                ("nohost", "--metrics")):
            run = subprocess.run([exe, "gateway", "--url", "http://127.0.0.1:1", "--listen",
                                  "127.0.0.1:0", "--metrics", metrics],
                                 capture_output=True, text=True, timeout=20 * SLOW)
            self.assertEqual(run.returncode, 2, (metrics, run.stderr))
            self.assertIn(needle, run.stderr)


def main():
    for name in ("CUSTAPI_EXE", "CUSTAPI_REFSERVER"):
        path = os.environ.get(name)
        if not path or not os.access(path, os.X_OK):
            print("SKIP: %s does not name a built program" % name)
            return 77
    # xmlrpc.client's ServerProxy keeps its keep-alive socket until collected.
    warnings.simplefilter("ignore", ResourceWarning)
    result = unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:], exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
