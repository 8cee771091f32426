#!/usr/bin/env python3
"""Legacy XML-RPC clients as they really are (issue 20), one client a run:

    interop.py php|perl|ruby|python|node     the client, each with its own defaults
    interop.py custapi-php-answers           custapi against an install answering as PHP does

A client updates a customer's address and reads it back, with a non-ASCII address and a plain
one, straight to the reference server, through the gateway with --upstream same and through it
with --upstream rest. Both the value stored (read over REST, from the server itself) and the
client's own read-back must be the bytes the application sent. The client programs are in
clients/; each prints {"result": N, "address_hex": "..."}.

Servers and gateways come from tests/gateway/test_gateway.py's Env (127.0.0.1, port 0, stopped
at the end; a gateway must exit 0). Exits 77 (skip) with the reason when the client is missing.
Node's `xmlrpc` is installed from npm into INTEROP_NODE_DIR (the build folder) on first use.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gateway"))
from test_gateway import Env, KEY, TOKEN, USER, stop_envs  # noqa: E402

CLIENTS = os.path.join(HERE, "clients")
# The address; one whose characters are all in Latin-1 (PHP's xmlrpc_decode turns such a
# string, read from a UTF-8 answer, into Latin-1 bytes; the em dash above keeps it from doing
# so, which would hide an answer in the wrong dialect); a plain one.
ADDRESSES = ("Stra\u00dfe 1 \u2014 Z\u00fcrich", "Bahnhofstra\u00dfe 3, Z\u00fcrich", "1 Main Road")
NODE_XMLRPC = "xmlrpc@1.3.2"


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(77)


def probe(cmd):
    """The first line a command prints, or None when it fails."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None


def node_setup():
    """NODE_PATH for the npm package, installed into the build folder when it is not yet."""
    if not shutil.which("node"):
        skip("node is not installed: Node's xmlrpc client is not tested")
    if not shutil.which("npm"):
        skip("npm is not installed: Node's xmlrpc package cannot be installed, so it is not tested")
    prefix = os.environ.get("INTEROP_NODE_DIR") or os.path.join(tempfile.gettempdir(), "custapi-node")
    modules = os.path.join(prefix, "node_modules")
    if not os.path.exists(os.path.join(modules, "xmlrpc", "package.json")):
        os.makedirs(prefix, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                            "--no-save", NODE_XMLRPC], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise SystemExit("npm install %s failed: %s" % (NODE_XMLRPC, r.stderr[-2000:]))
    return modules


def client_command(name):
    """(command, extra environment, version text) of a client, or a skip."""
    if name == "php":
        if not shutil.which("php"):
            skip("php is not installed (php8.2-cli)")
        version = probe(["php", "-r", 'if (!function_exists("xmlrpc_encode_request") || '
                         '!function_exists("curl_init")) exit(1); echo PHP_VERSION, " xmlrpc ", '
                         'phpversion("xmlrpc"), "\\n";'])
        if not version:
            skip("PHP's xmlrpc or curl extension is missing (php8.2-xmlrpc, php8.2-curl)")
        return ["php", os.path.join(CLIENTS, "client.php")], {}, "PHP " + version
    if name == "perl":
        version = probe(["perl", "-MRPC::XML::Client", "-e", "print $RPC::XML::VERSION, qq(\\n)"])
        if not version:
            skip("Perl's RPC::XML is missing (librpc-xml-perl)")
        return ["perl", os.path.join(CLIENTS, "client.pl")], {}, "RPC::XML " + version
    if name == "ruby":
        if not shutil.which("ruby"):
            skip("ruby is not installed")
        version = probe(["ruby", "-rxmlrpc/client", "-e",
                         'puts "#{RUBY_VERSION} xmlrpc #{Gem::Specification.find_by_name("xmlrpc").version}"'])
        if not version:
            skip("Ruby's xmlrpc is missing (ruby-xmlrpc)")
        return ["ruby", os.path.join(CLIENTS, "client.rb")], {}, "Ruby " + version
    if name == "python":
        return [sys.executable, os.path.join(CLIENTS, "client.py")], {}, "Python " + sys.version.split()[0]
    if name == "node":
        env = {"NODE_PATH": node_setup()}
        version = probe(["env", "NODE_PATH=" + env["NODE_PATH"], "node", "-p",
                         "process.version + ' xmlrpc ' + require('xmlrpc/package.json').version"])
        if not version:
            raise SystemExit("Node cannot load the xmlrpc package installed in " + env["NODE_PATH"])
        return ["node", os.path.join(CLIENTS, "client.js")], env, "Node " + version
    raise SystemExit("unknown client %r" % name)


class Legacy(unittest.TestCase):
    """One client through every path."""

    name = None

    @classmethod
    def setUpClass(cls):
        cls.cmd, cls.env, version = client_command(cls.name)
        print("client: %s" % version, file=sys.stderr)
        cls.tmp = tempfile.mkdtemp(prefix="custapi-interop-")
        cls.envs = []
        try:
            for upstream in ("same", "rest"):
                sub = os.path.join(cls.tmp, upstream)
                os.mkdir(sub)
                cls.envs.append(Env(sub, upstream=upstream))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        stop_envs(cls.envs, cls.tmp)

    def run_client(self, port, cid, address):
        env = dict(os.environ, INTEROP_USER=USER, INTEROP_KEY=KEY, **self.env)
        for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(var, None)
        url = "http://127.0.0.1:%d/api/2.0/xmlrpc/" % port
        r = subprocess.run(self.cmd + [url, str(cid), address], env=env, capture_output=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, "%s: %s" % (self.name, r.stderr.decode("utf-8", "replace")))
        return json.loads(r.stdout.decode().strip().splitlines()[-1])

    def check(self, e, port, cid, address):
        got = self.run_client(port, cid, address)
        self.assertEqual(got["result"], cid)
        self.assertEqual(bytes.fromhex(got["address_hex"]).decode("utf-8", "replace"), address,
                         "the client's read-back")
        self.assertEqual(e.server_get(cid)["address"], address, "the value stored")

    def test_straight_to_the_reference_server(self):
        e = self.envs[0]
        for i, address in enumerate(ADDRESSES):
            self.check(e, e.server_port, 31 + i, address)

    def test_through_the_gateway_upstream_same(self):
        e = self.envs[0]
        for i, address in enumerate(ADDRESSES):
            self.check(e, e.port, 41 + i, address)
        # The update reached the install encoded anew in the caller's dialect (docs/gateway.md).
        forwarded = [c["body"] for c in e.captured()
                     if "UpdateCustomer" in c.get("body", "") and "<i4>41</i4>" in c["body"]]
        self.assertEqual(len(forwarded), 1, forwarded)
        if self.name == "php":
            self.assertTrue(forwarded[0].startswith(
                '<?xml version="1.0" encoding="iso-8859-1"?>'), forwarded[0])
            self.assertIn("Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich", forwarded[0])
        else:
            self.assertIn('encoding="UTF-8"', forwarded[0])
            self.assertIn(ADDRESSES[0], forwarded[0])

    def test_through_the_gateway_upstream_rest(self):
        e = self.envs[1]
        for i, address in enumerate(ADDRESSES):
            self.check(e, e.port, 51 + i, address)


class CustapiAgainstPhpAnswers(unittest.TestCase):
    """custapi's XML-RPC backend against an install whose answers PHP's extension writes."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="custapi-interop-")
        cls.e = Env(cls.tmp, server_args=["--answer-as-php"])
        cls.base = "http://127.0.0.1:%d" % cls.e.server_port

    @classmethod
    def tearDownClass(cls):
        stop_envs([cls.e], cls.tmp)

    def custapi(self, *args, stdin=None):
        env = dict(os.environ, CUSTAPI_URL=self.base, CUSTAPI_USERNAME=USER, CUSTAPI_API_KEY=KEY)
        r = subprocess.run([os.environ["CUSTAPI_EXE"], "--protocol", "xmlrpc"] + list(args),
                           env=env, capture_output=True, timeout=120, input=stdin)
        out = r.stdout.decode()
        return r.returncode, (json.loads(out.splitlines()[-1]) if out.strip() else None), r.stderr

    def test_the_server_answers_as_php_writes(self):
        call = ("<?xml version=\"1.0\"?><methodCall><methodName>customers.GetCustomer"
                "</methodName><params><param><value><int>9</int></value></param></params>"
                "</methodCall>").encode()
        self.e.rest("PUT", "/api/2.0/customers/9", {"address": ADDRESSES[0]},
                    port=self.e.server_port)
        req = urllib.request.Request(self.base + "/api/2.0/xmlrpc/", data=call, method="POST")
        req.add_header("Authorization", "Basic " + TOKEN)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=30) as resp:
            body = resp.read()
        self.assertTrue(body.startswith(b'<?xml version="1.0" encoding="iso-8859-1"?>'), body[:80])
        self.assertIn(b"Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich", body)
        self.assertTrue(all(b < 0x80 for b in body))

    def test_get_and_update_read_back(self):
        for cid, address in enumerate(ADDRESSES, 11):
            rc, out, err = self.custapi("--read-back", "update", "--id", str(cid),
                                        "address=" + address)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out["customer"]["address"], address)
            rc, out, err = self.custapi("get", "--id", str(cid))
            self.assertEqual(rc, 0, err)
            self.assertEqual(out["customer"]["address"], address)
            self.assertEqual(self.e.server_get(cid)["address"], address)

    def test_bulk(self):
        lines = "".join(json.dumps({"id": 20 + i, "address": a}) + "\n"
                        for i, a in enumerate(ADDRESSES))
        rc, out, err = self.custapi("bulk", "--input", "-", stdin=lines.encode())
        self.assertEqual(rc, 0, err)
        for i, a in enumerate(ADDRESSES):
            self.assertEqual(self.e.server_get(20 + i)["address"], a)

    def test_compare(self):
        for cid, address in enumerate(ADDRESSES, 25):
            rc, out, err = self.custapi("compare", "--id", str(cid), "--yes", "address=" + address)
            self.assertEqual(rc, 0, (out, err))

    def test_probe(self):
        rc, out, err = self.custapi("probe")
        self.assertEqual(rc, 0, (out, err))


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: interop.py php|perl|ruby|python|node|custapi-php-answers")
    for var in ("CUSTAPI_EXE", "CUSTAPI_REFSERVER"):
        if not os.access(os.environ.get(var, ""), os.X_OK):
            skip("%s does not name the built program" % var)
    if sys.argv[1] == "custapi-php-answers":
        case = CustapiAgainstPhpAnswers
    else:
        case = type("Legacy_" + sys.argv[1], (Legacy,), {"name": sys.argv[1]})
        client_command(sys.argv[1])  # a missing client skips before any server starts
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
