#!/usr/bin/env python3
"""One update as one process: `custapi update` against `curl` sending the identical request.
Runs the two commands RUNS times each, interleaved (so that drift hits both alike), and takes
each run's wall time (monotonic clock around fork/exec/wait) and CPU time (the child's user +
system time from wait4, microsecond resolution; /usr/bin/time rounds to 10 ms, more than a
whole run). Every run must exit 0. Prints one line per command:
    NAME RUNS MEDIAN_WALL_S MEDIAN_CPU_S
The key reaches both commands through the environment or a private file, never argv.

usage: single.py RUNS NAME=COMMAND_FILE...   (each COMMAND_FILE holds one argv, one per line)
"""
import os
import statistics
import sys
import time


def run_once(argv):
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit("single.py: %s failed (status %d)" % (argv[0], status))
    return wall, usage.ru_utime + usage.ru_stime


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    runs = int(argv[1])
    commands = []
    for spec in argv[2:]:
        name, path = spec.split("=", 1)
        with open(path, encoding="utf-8") as f:
            commands.append((name, [line for line in f.read().split("\n") if line]))
    samples = {name: [] for name, _ in commands}
    for name, cmd in commands:  # one warm-up each: page cache, nginx's first connection
        run_once(cmd)
    for _ in range(runs):
        for name, cmd in commands:
            samples[name].append(run_once(cmd))
    for name, _ in commands:
        walls = [w for w, _ in samples[name]]
        cpus = [c for _, c in samples[name]]
        print("%s %d %.6f %.6f" % (name, runs, statistics.median(walls), statistics.median(cpus)))


if __name__ == "__main__":
    main(sys.argv)
