#!/usr/bin/env python3
"""threadcpu.py OUT CMD...: runs CMD and writes to OUT the CPU seconds each of its threads used
(user + system, from /proc/PID/task/TID/stat), a line per thread: TID NAME SECONDS. The threads
are read every 10 ms while CMD runs, so a thread's figure is the last read before it ended (up
to 10 ms short). bench/profile's TOOL=threads: which thread of a client costs what."""
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def read_threads(pid, seen):
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seen[tid] = (name, (int(fields[11]) + int(fields[12])) / TICK)


def main(argv):
    out, cmd = argv[1], argv[2:]
    child = subprocess.Popen(cmd)
    seen = {}
    while child.poll() is None:
        read_threads(child.pid, seen)
        time.sleep(0.01)
    with open(out, "w") as f:
        for tid, (name, seconds) in sorted(seen.items(), key=lambda kv: int(kv[0])):
            f.write("%s %s %.3f\n" % (tid, name.replace(" ", "_"), seconds))
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
