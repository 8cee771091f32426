#!/usr/bin/env python3
"""Prints bench/run's table from its rows (server proto conc tool requests seconds cpu rss_kib
errors, tab-separated): rates side by side, the ratios custapi/wrk and custapi/each peer, peak
RSS at 10k and 100k records, and each target of issue 7 marked met or missed.

usage: report.py RESULTS.tsv HEADER_LINE...
"""
import statistics
import sys
from collections import defaultdict

PROTOS = ("rest", "xmlrpc")
RSS_SMALL, RSS_LARGE = 10000, 100000
SERVER_NAMES = {"reference": "reference server", "static": "static responder"}


class Row:
    def __init__(self, fields):
        (self.server, self.proto, conc, self.tool, requests, seconds, cpu, rss,
         errors) = fields
        self.conc, self.requests, self.errors = int(conc), int(requests), int(errors)
        self.seconds, self.cpu, self.rss_kib = float(seconds), float(cpu), int(rss)
        self.rate = self.requests / self.seconds if self.seconds > 0 else 0.0


def load(path):
    groups = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                row = Row(line.rstrip("\n").split("\t"))
                groups[(row.server, row.proto, row.conc, row.tool)].append(row)
    # repeated runs: keep the run with the median rate (an odd count gives a real run)
    return {key: sorted(rows, key=lambda r: r.rate)[len(rows) // 2] for key, rows in groups.items()}


def fmt_rate(row):
    if row is None:
        return "n/a"
    return "%.0f%s" % (row.rate, "!" if row.errors else "")


def ratio(a, b):
    return a.rate / b.rate if a and b and b.rate > 0 else None


def fmt_ratio(x):
    return "n/a" if x is None else ("%.2f" % x if x < 10 else "%.0f" % x)


def print_table(title, rows, server, peers):
    cols = ["proto", "conc", "custapi/s", "cpu s", "us/upd", "rss MiB", "wrk/s", "wrk us"]
    cols += ["%s/s" % p for p in peers] + ["c/wrk"] + ["c/%s" % p for p in peers]
    lines = []
    for proto in PROTOS:
        for conc in sorted({k[2] for k in rows if k[0] == server and k[1] == proto}):
            c = rows.get((server, proto, conc, "custapi"))
            w = rows.get((server, proto, conc, "wrk"))
            ps = [rows.get((server, proto, conc, p)) for p in peers]
            line = [proto, str(conc), fmt_rate(c),
                    "%.2f" % c.cpu if c else "n/a",
                    "%.0f" % (1e6 * c.cpu / c.requests) if c else "n/a",
                    "%.1f" % (c.rss_kib / 1024) if c else "n/a", fmt_rate(w),
                    "%.1f" % (1e6 * w.cpu / w.requests) if w else "n/a"]
            line += [fmt_rate(p) for p in ps]
            line += [fmt_ratio(ratio(c, w))] + [fmt_ratio(ratio(c, p)) for p in ps]
            lines.append(line)
    print(title)
    widths = [max(len(x) for x in col) for col in zip(cols, *lines)]
    for line in [cols] + lines:
        print("  " + "  ".join(x.rjust(w) for x, w in zip(line, widths)))
    print()


def rss_rows(rows):
    out = {}
    for proto in PROTOS:
        small = rows.get(("static", proto, 16, "custapi-rss-%d" % RSS_SMALL))
        large = rows.get(("static", proto, 16, "custapi-rss-%d" % RSS_LARGE))
        out[proto] = (small, large)
    return out


def print_rss(rss):
    print("peak RSS of custapi bulk, concurrency 16, static responder")
    print("  proto   10k MiB  100k MiB  100k/10k")
    for proto, (small, large) in rss.items():
        s = "%.1f" % (small.rss_kib / 1024) if small else "n/a"
        l = "%.1f" % (large.rss_kib / 1024) if large else "n/a"
        g = "%.2f" % (large.rss_kib / small.rss_kib) if small and large else "n/a"
        print("  %-6s %8s %9s %9s" % (proto, s, l, g))
    print()


def targets(rows, rss):
    def vs(server, proto, peer):
        return ratio(rows.get((server, proto, 16, "custapi")), rows.get((server, proto, 16, peer)))

    ref, static = SERVER_NAMES["reference"], SERVER_NAMES["static"]
    t = [("rest c16 custapi/wrk, " + ref, vs("reference", "rest", "wrk"), ">=", 0.8),
         ("xmlrpc c16 custapi/wrk, " + ref, vs("reference", "xmlrpc", "wrk"), ">=", 0.7)]
    t += [("%s c16 custapi/wrk, %s" % (p, static), vs("static", p, "wrk"), ">=", 0.5)
          for p in PROTOS]
    for server in ("reference", "static"):
        for proto in PROTOS:
            for peer, name, need in (("python", "python", 10), ("curl", "curl loop", 200)):
                t.append(("%s c16 custapi/%s, %s" % (proto, name, SERVER_NAMES[server]),
                          vs(server, proto, peer), ">=", need))
    for proto, (small, large) in rss.items():
        t.append(("%s peak RSS at 100k records, MiB" % proto,
                  large.rss_kib / 1024 if large else None, "<=", 16))
        t.append(("%s peak RSS 100k/10k" % proto,
                  large.rss_kib / small.rss_kib if small and large else None, "<=", 1.10))
    return t


def print_targets(ts):
    print("targets (issue 7, item 5)")
    for name, value, op, need in ts:
        if value is None:
            verdict, shown = "n/a ", "not measured"
        else:
            ok = value >= need if op == ">=" else value <= need
            verdict, shown = ("met " if ok else "MISS"), fmt_ratio(value)
        print("  %s  %-46s %12s  (%s %s)" % (verdict, name, shown, op, need))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    rows = load(argv[1])
    for line in argv[2:]:
        print(line)
    print()
    print_table("reference server: updates per second", rows, "reference", ["python", "curl"])
    print_table("static responder (nginx): updates per second", rows, "static", ["python", "curl"])
    rss = rss_rows(rows)
    print_rss(rss)
    print_targets(targets(rows, rss))
    errors = sum(r.errors for r in rows.values())
    if errors:
        print("\n! marks a rate whose run had failed requests (%d in all): see the run's notes" % errors)


if __name__ == "__main__":
    main(sys.argv)
