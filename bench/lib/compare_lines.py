#!/usr/bin/env python3
"""Writes N compare --results lines for bench/report: a header, then records shaped as custapi
compare writes them (three properties, one of them noise; one record in 8 differs, one in 100
failed; latencies spread over two orders of magnitude). Deterministic (a fixed seed).

    compare_lines.py N FILE
"""
import json
import random
import sys


def main():
    n, path = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(24)
    ok = {"ok": True, "category": "ok", "http_status": 200, "fault_code": None}
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"custapi_compare_results":1,"custapi_version":"bench"}\n')
        for i in range(1, n + 1):
            at = "2026-12-06T03:%02d:%02d.%03dZ" % (i // 60000 % 60, i // 1000 % 60, i % 1000)
            if i % 100 == 0:
                f.write(json.dumps({"line": i, "id": i, "at": at, "verdict": "failed", "error": {
                    "category": "not_found", "message": "customer %d not found" % i,
                    "http_status": 404, "fault_code": None, "property": None}},
                    separators=(",", ":")) + "\n")
                continue
            differs = i % 8 == 0
            quota = rnd.randrange(1000)
            props = [
                {"name": "sms_quota", "before": quota, "after_rest": quota + 1,
                 "after_xmlrpc": quota if differs else quota + 1,
                 "verdict": "differ" if differs else "agree"},
                {"name": "name", "before": "Customer %d" % i, "after_rest": "New %d" % i,
                 "after_xmlrpc": "New %d" % i, "verdict": "agree"},
                {"name": "last_seen", "before": "tick-%d" % (3 * i),
                 "after_rest": "tick-%d" % (3 * i + 1), "after_xmlrpc": "tick-%d" % (3 * i + 2),
                 "verdict": "noise"},
            ]
            line = {"line": i, "id": i, "at": at,
                    "elapsed_ms": {"rest": int(rnd.lognormvariate(2.5, 0.6)),
                                   "xmlrpc": int(rnd.lognormvariate(2.8, 0.7))},
                    "verdict": "differ" if differs else "agree",
                    "outcomes": {"rest": ok, "xmlrpc": ok}, "properties": props,
                    "other_differences": []}
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
