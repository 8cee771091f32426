"""The GIL is released while the library waits on the network: eight threads, a client each,
against a server that holds every answer 50 ms, take about the time of one thread's calls.

Not a timing of custapi: the server's delay is the floor, and the comparison is with the 8 x
that floor the calls would take if the GIL serialised them. The bound leaves half of that as
margin for a loaded machine.
"""
import threading
import time

import custapi
from conftest import USER

DELAY_MS = 50
CALLS = 10   # per thread
THREADS = 8


def test_eight_clients_on_eight_threads_wait_in_parallel(start_server, key_file, protocol):
    s = start_server("--fault", "delay:%d" % DELAY_MS)  # a thread per connection: no queueing
    clients = [custapi.Client(s.url, USER, api_key_file=key_file, protocol=protocol)
               for _ in range(THREADS)]
    failures = []

    def work(c, first):
        try:
            for i in range(CALLS):
                assert c.get(first + i)["id"] == first + i
        except BaseException as e:  # reported by the main thread
            failures.append(e)

    threads = [threading.Thread(target=work, args=(c, 1 + k * CALLS))
               for k, c in enumerate(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    for c in clients:
        c.close()
    assert not failures, failures
    one_thread = CALLS * DELAY_MS / 1000       # what each thread waits at the least
    serialised = THREADS * one_thread          # what the GIL held through the waits would cost
    assert wall >= one_thread
    assert wall < serialised / 2, "%.2f s: the threads did not wait in parallel" % wall


def test_python_runs_while_a_call_waits(start_server, key_file):
    s = start_server("--fault", "delay:300")
    ticks = []
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.005)

    t = threading.Thread(target=counter)
    with custapi.Client(s.url, USER, api_key_file=key_file) as c:
        t.start()
        time.sleep(0.02)
        before = len(ticks)
        c.get(1)  # 300 ms in the library
        during = len(ticks) - before
    stop.set()
    t.join()
    assert during >= 10, "the other thread ran %d times in 300 ms" % during
