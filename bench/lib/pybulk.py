#!/usr/bin/env python3
"""bench/run's Python row: custapi for Python's Client.bulk over a generator of dicts, the same
records as the command's input file (ids cycling over the seeded customers), with a results
file as the command's run has. The key comes from CUSTAPI_REFSERVER_KEY (the run's throwaway).

usage: pybulk.py PROTO URL RECORDS CONCURRENCY IDS RESULTS
Exit 0 when every record succeeded; the rate is timed by the caller, process start included.
"""
import os
import sys

import custapi


def main(argv):
    proto, url, n, conc, ids, results = argv[1], argv[2], int(argv[3]), int(argv[4]), \
        int(argv[5]), argv[6]
    records = ({"id": i % ids + 1, "sms_quota": i % 50} for i in range(n))
    failed = 0
    with custapi.Client(url, os.environ.get("BENCH_USER", "demo"),
                        api_key=os.environ["CUSTAPI_REFSERVER_KEY"], protocol=proto) as c:
        for outcome in c.bulk(records, concurrency=conc, results=results):
            if not outcome.ok:
                failed += 1
                if failed == 1:
                    print("first failure: %s" % outcome.error, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
