#!/usr/bin/env python3
"""Prints bench/run's table from its rows (server proto conc tool requests seconds cpu rss_kib
errors, tab-separated): rates side by side, the ratios custapi/wrk and custapi/each peer
(libcurl: the bare multi loop of bench/curl_floor.c), peak RSS at 10k records and at the large
count, one update as one process against curl, and each target of issues 7 and 16 marked met or
missed. The one-update rows (tool single-custapi, single-curl) hold the median wall time in
`seconds` and the median CPU time of one run in `cpu`.

usage: report.py RESULTS.tsv HEADER_LINE...
"""
import statistics
import sys
from collections import defaultdict

PROTOS = ("rest", "xmlrpc")
RSS_SMALL = 10000
FLOOR_TARGET = 0.85  # issue 16: custapi bulk at this fraction of the bare libcurl loop or more
RSS_TARGET_MIB = 16
SINGLE_TARGET = 1.10  # issue 16: one custapi update at most this many times one curl
PY_VS_COMMAND = 0.9  # issue 23: bulk through Python at this fraction of the command's or more
PY_VS_STDLIB = 5     # issue 23: ... and this many times Python's own http.client loop, at the
                     # concurrency bulk runs at by default (16): at 1 both wait for every
                     # answer, and the ratio is the round trip's (shown, not judged)
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
    cols = ["proto", "conc", "custapi/s", "cpu s", "us/upd", "rss MiB", "libcurl/s", "lc us",
            "wrk/s", "wrk us"]
    cols += ["%s/s" % p for p in peers] + ["c/libcurl", "c/wrk"] + ["c/%s" % p for p in peers]
    lines = []
    for proto in PROTOS:
        for conc in sorted({k[2] for k in rows if k[0] == server and k[1] == proto}):
            c = rows.get((server, proto, conc, "custapi"))
            f = rows.get((server, proto, conc, "libcurl"))
            w = rows.get((server, proto, conc, "wrk"))
            ps = [rows.get((server, proto, conc, p)) for p in peers]
            line = [proto, str(conc), fmt_rate(c),
                    "%.2f" % c.cpu if c else "n/a",
                    "%.0f" % (1e6 * c.cpu / c.requests) if c else "n/a",
                    "%.1f" % (c.rss_kib / 1024) if c else "n/a", fmt_rate(f),
                    "%.1f" % (1e6 * f.cpu / f.requests) if f else "n/a", fmt_rate(w),
                    "%.1f" % (1e6 * w.cpu / w.requests) if w else "n/a"]
            line += [fmt_rate(p) for p in ps]
            line += [fmt_ratio(ratio(c, f)), fmt_ratio(ratio(c, w))]
            line += [fmt_ratio(ratio(c, p)) for p in ps]
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
        large = rows.get(("static", proto, 16, "custapi-rss-large"))
        out[proto] = (small, large)
    return out


def large_count(rss):
    counts = {large.requests for _, large in rss.values() if large}
    return counts.pop() if len(counts) == 1 else None


def print_rss(rss):
    n = large_count(rss)
    big = "%dk" % (n // 1000) if n else "large"
    print("peak RSS of custapi bulk, concurrency 16, static responder")
    print("  proto  %8s %9s %9s" % ("10k MiB", big + " MiB", big + "/10k"))
    for proto, (small, large) in rss.items():
        s = "%.1f" % (small.rss_kib / 1024) if small else "n/a"
        l = "%.1f" % (large.rss_kib / 1024) if large else "n/a"
        g = "%.2f" % (large.rss_kib / small.rss_kib) if small and large else "n/a"
        print("  %-6s %8s %9s %9s" % (proto, s, l, g))
    print()


def single_rows(rows):
    return {proto: (rows.get(("static", proto, 1, "single-custapi")),
                    rows.get(("static", proto, 1, "single-curl"))) for proto in PROTOS}


def print_single(single):
    print("one update as one process (custapi update / curl, the same request), static responder,")
    print("median of each; cpu = user + system of the process")
    print("  proto  custapi ms  curl ms  wall c/curl  custapi cpu ms  curl cpu ms  cpu c/curl")
    for proto, (c, k) in single.items():
        def ms(x):
            return "%.2f" % (1e3 * x) if x is not None else "n/a"
        wall = "%.2f" % (c.seconds / k.seconds) if c and k and k.seconds > 0 else "n/a"
        cpu = "%.2f" % (c.cpu / k.cpu) if c and k and k.cpu > 0 else "n/a"
        print("  %-6s %10s %8s %12s %15s %12s %11s" % (
            proto, ms(c.seconds if c else None), ms(k.seconds if k else None), wall,
            ms(c.cpu if c else None), ms(k.cpu if k else None), cpu))
    print()


def print_pybulk(rows):
    """custapi for Python's bulk (a generator of dicts) beside the command's bulk and the
    stdlib loop, on the static responder."""
    print("bulk through Python (custapi for Python, a generator of dicts) against the command's")
    print("bulk and Python's own http.client loop, static responder")
    print("  proto  conc   py/s  custapi/s  python/s  py/custapi  py/python  py cpu s  py rss MiB")
    for proto in PROTOS:
        for conc in (1, 16):
            py = rows.get(("static", proto, conc, "pybulk"))
            c = rows.get(("static", proto, conc, "custapi"))
            std = rows.get(("static", proto, conc, "python"))
            print("  %-6s %4d %6s %10s %9s %11s %10s %9s %11s" % (
                proto, conc, fmt_rate(py), fmt_rate(c), fmt_rate(std),
                fmt_ratio(ratio(py, c)), fmt_ratio(ratio(py, std)),
                "%.2f" % py.cpu if py else "n/a",
                "%.1f" % (py.rss_kib / 1024) if py else "n/a"))
    print()


def pybulk_targets(rows):
    t = []
    for proto in PROTOS:
        for conc in (1, 16):
            py = rows.get(("static", proto, conc, "pybulk"))
            t.append(("%s c%d python bulk/custapi bulk, static" % (proto, conc),
                      ratio(py, rows.get(("static", proto, conc, "custapi"))), ">=",
                      PY_VS_COMMAND))
            if conc == 16:
                t.append(("%s c%d python bulk/http.client, static" % (proto, conc),
                          ratio(py, rows.get(("static", proto, conc, "python"))), ">=",
                          PY_VS_STDLIB))
    return t


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
        t.append(("%s peak RSS 1M/10k" % proto if large_count(rss) == 1000000
                  else "%s peak RSS large/10k" % proto,
                  large.rss_kib / small.rss_kib if small and large else None, "<=", 1.10))
    return t


def floor_targets(rows, rss, single):
    t = []
    for proto in PROTOS:
        for conc in (1, 16):
            t.append(("%s c%d custapi/libcurl, static responder" % (proto, conc),
                      ratio(rows.get(("static", proto, conc, "custapi")),
                            rows.get(("static", proto, conc, "libcurl"))), ">=", FLOOR_TARGET))
    n = large_count(rss)
    for proto, (small, large) in rss.items():
        t.append(("%s peak RSS at 10k records, MiB" % proto,
                  small.rss_kib / 1024 if small else None, "<=", RSS_TARGET_MIB))
        t.append(("%s peak RSS at %s records, MiB" % (proto, "%d" % n if n else "large"),
                  large.rss_kib / 1024 if large else None, "<=", RSS_TARGET_MIB))
    for proto, (c, k) in single.items():
        t.append(("%s one update, wall custapi/curl" % proto,
                  c.seconds / k.seconds if c and k and k.seconds > 0 else None, "<=",
                  SINGLE_TARGET))
        t.append(("%s one update, cpu custapi/curl" % proto,
                  c.cpu / k.cpu if c and k and k.cpu > 0 else None, "<=", SINGLE_TARGET))
    return t


def print_targets(title, ts):
    print(title)
    for name, value, op, need in ts:
        if value is None:
            verdict, shown = "n/a ", "not measured"
        else:
            ok = value >= need if op == ">=" else value <= need
            verdict, shown = ("met " if ok else "MISS"), fmt_ratio(value)
        print("  %s  %-46s %12s  (%s %s)" % (verdict, name, shown, op, need))
    print()


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
    single = single_rows(rows)
    print_single(single)
    print_pybulk(rows)
    print_targets("targets (issue 16: the libcurl floor, flat memory, one update)",
                  floor_targets(rows, rss, single))
    print_targets("targets (issue 7, item 5)", targets(rows, rss))
    print_targets("targets (issue 23: custapi for Python)", pybulk_targets(rows))
    errors = sum(r.errors for r in rows.values())
    if errors:
        print("! marks a rate whose run had failed requests (%d in all): see the run's notes" % errors)


if __name__ == "__main__":
    main(sys.argv)
