#!/usr/bin/env python3
"""What a user writes today with Python's standard library: http.client with keep-alive for
REST, xmlrpc.client for XML-RPC, one connection per thread for concurrency. Sends REQUESTS
updates ({"sms_quota": n} to ids cycling over 1..IDS) and prints "REQUESTS SECONDS ERRORS".
The key comes from CUSTAPI_REFSERVER_KEY, the user from BENCH_USER; never from argv.

usage: pyclient.py rest|xmlrpc BASE_URL REQUESTS CONCURRENCY IDS
"""
import base64
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import xmlrpc.client


def rest_worker(base, auth, jobs, errors):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": "Basic " + auth, "Content-Type": "application/json",
               "Accept": "application/json"}
    for cid, quota in jobs:
        conn.request("PUT", "/api/2.0/customers/%d" % cid, json.dumps({"sms_quota": quota}),
                     headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or "item" not in json.loads(body):
            errors.append(response.status)
    conn.close()


def xmlrpc_worker(base, user, key, jobs, errors):
    url = urllib.parse.urlsplit(base)
    quoted = "%s:%s@%s" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(key, safe=""),
                           url.netloc)
    with xmlrpc.client.ServerProxy("http://%s/api/2.0/xmlrpc/" % quoted) as proxy:
        for cid, quota in jobs:
            try:
                if not isinstance(proxy.customers.UpdateCustomer(cid, {"sms_quota": quota}), int):
                    errors.append("not an int")
            except (xmlrpc.client.Error, OSError) as e:
                errors.append(str(e))


def main(argv):
    if len(argv) != 6 or argv[1] not in ("rest", "xmlrpc"):
        sys.exit(__doc__)
    proto, base = argv[1], argv[2]
    requests, concurrency, ids = int(argv[3]), int(argv[4]), int(argv[5])
    user, key = os.environ["BENCH_USER"], os.environ["CUSTAPI_REFSERVER_KEY"]
    auth = base64.b64encode(("%s:%s" % (user, key)).encode()).decode()
    jobs = [((i % ids) + 1, i % 50) for i in range(requests)]
    errors = []
    threads = []
    for t in range(concurrency):
        share = jobs[t::concurrency]
        if proto == "rest":
            args = (base, auth, share, errors)
        else:
            args = (base, user, key, share, errors)
        threads.append(threading.Thread(target=rest_worker if proto == "rest" else xmlrpc_worker,
                                        args=args))
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%d %.6f %d" % (requests, time.monotonic() - start, len(errors)))


if __name__ == "__main__":
    main(sys.argv)
