"""Client.bulk: `custapi bulk` as an iterator of outcomes.

The run is custapi_bulk_run on a thread of its own with the GIL released (bulk_queue.c). An
iterable's records reach it as JSON Lines through a pipe, written by a second thread as fast as
the run reads them, so that the records are taken lazily and memory stays flat whatever the
input's length. Outcomes come back in batches through a bounded queue.
"""
from __future__ import annotations

import os
import struct
import threading
import weakref
from collections.abc import Iterable, Mapping
from itertools import islice
from time import monotonic

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Tuple

from ._errors import Error, UsageError
from ._native import ffi, lib
from ._native_util import (Closing, encode_json, error_from, joined_lines, json_lines, mode_of,
                           new_error)

BATCH = 256           # outcomes taken at once
FEED_BATCH = 512      # records taken from the iterable, and written to the pipe, at most at once
FEED_WAIT = 0.005     # seconds a batch may take to gather before the next is smaller
WAIT_MS = 200         # how long a wait for outcomes lasts before Python sees a signal

# custapi_py_outcome (line ... result), a batch of them read at once with struct rather than
# field by field through cffi: a third of the cost of turning an outcome into an Outcome. The
# layout is checked against the compiler's here, once.
_HEAD = struct.Struct("@qiiiiqiq")
_FIELDS = ("line", "id", "status", "attempts", "http_status", "elapsed_ms", "has_result",
           "result")
if [ffi.offsetof("custapi_py_outcome", f) for f in _FIELDS] != [0, 8, 12, 16, 20, 24, 32, 40] \
        or _HEAD.size != ffi.sizeof("custapi_py_outcome"):
    raise ImportError("custapi: custapi_py_outcome is not laid out as _bulk.py reads it")


class Outcome:
    """How one record ended: a line of the results file (line, id, ok, attempts, error)."""

    __slots__ = ("line", "id", "ok", "attempts", "http_status", "elapsed_ms", "result",
                 "error")

    def __init__(self, line: int, id: Optional[int], ok: bool, attempts: int,
                 http_status: Optional[int], elapsed_ms: int, result: Optional[int],
                 error: Optional[Error]) -> None:
        self.line, self.id, self.ok, self.attempts = line, id, ok, attempts
        self.http_status, self.elapsed_ms, self.result, self.error = (
            http_status, elapsed_ms, result, error)

    def __repr__(self) -> str:
        if self.ok:
            return "Outcome(line=%d, id=%r, ok=True, attempts=%d)" % (
                self.line, self.id, self.attempts)
        return "Outcome(line=%d, id=%r, ok=False, attempts=%d, error=%r)" % (
            self.line, self.id, self.attempts, self.error)


def _concurrency(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not (
            1 <= n <= lib.CUSTAPI_BULK_CONCURRENCY_MAX):
        raise UsageError("concurrency: not a whole number from 1 to %d: %.100s"
                         % (lib.CUSTAPI_BULK_CONCURRENCY_MAX, n))
    return n


def _open_input(path: bytes, format: Optional[str]) -> Any:
    err = new_error()
    fmt = ffi.NULL
    if format is not None:
        fmt = ffi.new("custapi_bulk_format *")
        if not isinstance(format, str) or lib.custapi_bulk_format_parse(
                fmt, format.encode("utf-8", "surrogatepass"), err) < 0:
            raise UsageError("format: must be jsonl or csv, not %.100s" % (format,))
    out = ffi.new("custapi_bulk_input **")
    if lib.custapi_bulk_input_open(out, path, fmt, err) < 0:
        raise error_from(err)
    return out[0]


class _Shared:
    """What the threads hand back. The threads hold this, never the Bulk: a Bulk dropped by
    its caller (a `break` out of the loop) is collected at once, and its __del__ stops the run."""

    __slots__ = ("rc", "feed_error")

    def __init__(self) -> None:
        self.rc = 0
        self.feed_error: Optional[BaseException] = None


def _go(run: Any, owner: Any, shared: _Shared, concurrency: int, mode: int, flags: int) -> None:
    shared.rc = lib.custapi_py_bulk_run(run, owner, concurrency, mode, flags)


def _feed(records: Iterator[Any], wfd: int, shared: _Shared) -> None:
    """Writes the records as JSON Lines, a batch at a time, until they end or the run stops
    reading. When the iterable fails, or a record can't be a line, the records before it run,
    then the iterator raises that error.

    A batch costs one encoder call and one write, not one per record; its size adapts to the
    iterable's pace: doubled (up to FEED_BATCH) while a batch comes in under FEED_WAIT, halved
    when it takes longer, so that a slow iterable's records don't wait on the ones to come."""
    size = 1
    try:
        while shared.feed_error is None:
            batch: List[Any] = []
            started = monotonic()
            try:
                batch.extend(islice(records, size))  # keeps what came before a failure
            except BaseException as e:
                shared.feed_error = e
            gathered = monotonic() - started
            if batch:
                data, error = _lines(batch)
                if error is not None:
                    shared.feed_error = error
                _write(wfd, data)
            if len(batch) < size:
                break
            if gathered < FEED_WAIT:
                size = min(size * 2, FEED_BATCH)
            else:
                size = max(size // 2, 1)
    except BrokenPipeError:
        pass  # the run stopped reading: it was stopped
    finally:
        os.close(wfd)


def _lines(batch: List[Any]) -> Tuple[str, Optional[BaseException]]:
    """The batch's JSON Lines, and the error of a record that can't be one (with the lines of
    those before it only)."""
    if set(map(type, batch)) == {dict}:
        try:
            return json_lines(batch), None
        except Exception:
            pass  # the record at fault is found, and named, one at a time below
    lines: List[str] = []
    error: Optional[BaseException] = None
    for record in batch:
        try:
            if type(record) is not dict:
                if not isinstance(record, Mapping):
                    error = UsageError("records: each must be a dict, not %s"
                                       % type(record).__name__)
                    break
                record = dict(record)
            lines.append(encode_json(record))
        except (TypeError, ValueError) as e:
            error = UsageError("records: not representable as JSON: %s" % e)
            break
        except Exception as e:  # a circular record's RecursionError, a Mapping's own failure
            error = e
            break
    return joined_lines(lines), error


def _write(wfd: int, text: str) -> None:
    data = memoryview(text.encode("utf-8", "surrogatepass"))
    while data:
        data = data[os.write(wfd, data):]


class Bulk(Closing):
    """The iterator Client.bulk returns; also a context manager. `summary` has the counts."""

    def __init__(self, client: Any, records: Any, *, concurrency: int,
                 results: Any, resume: bool, mode: str, format: Optional[str],
                 max_attempts: Optional[int] = None) -> None:
        self._client = client
        self._input = self._run = ffi.NULL
        self._runner: Optional[threading.Thread] = None
        self._outcomes: Optional[Iterator[Outcome]] = None
        self._done = False
        self._shared = _Shared()
        self._counts = ffi.new("long[5]")
        self._buf = ffi.new("custapi_py_outcome[]", BATCH)
        self._errors = ffi.new("custapi_error[]", BATCH)
        self._failures = ffi.new("size_t *")
        self._finished = ffi.new("int *")
        concurrency = _concurrency(concurrency)
        cmode = mode_of(mode)
        err = new_error()
        if lib.custapi_validate_mode_as_given(cmode, b"bulk", err) < 0:
            raise error_from(err)
        owner = client._idle()
        by_path = isinstance(records, (str, bytes, os.PathLike))
        if resume and not results:
            raise UsageError("resume needs results (the file of the run to finish)")
        if max_attempts is not None:
            if not results:
                raise UsageError("max_attempts counts the runs recorded in results: give "
                                 "results a file")
            if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or \
                    max_attempts < 1:
                raise UsageError("max_attempts: not a whole number of at least 1: %.100s"
                                 % (max_attempts,))
        if resume and not by_path:
            raise UsageError("resuming needs the input as a file: records from an iterable "
                             "can't be read again")
        if not by_path and not isinstance(records, Iterable):
            raise UsageError("records: must be an iterable of dicts or a file's path, not %s"
                             % type(records).__name__)
        wfd = -1
        try:
            if by_path:
                self._input = _open_input(os.fsencode(records), format)
            else:
                rfd, wfd = os.pipe()
                try:
                    self._input = _open_input(b"/dev/fd/%d" % rfd, "jsonl")
                finally:
                    os.close(rfd)  # the input opened its own descriptor of the pipe
            out = ffi.new("custapi_py_bulk **")
            path = ffi.NULL if results is None else os.fsencode(results)
            if lib.custapi_py_bulk_new(out, path, self._input,
                                       lib.CUSTAPI_PY_BULK_RESUME if resume else 0, err) < 0:
                raise error_from(err)
            self._run = out[0]
            if max_attempts is not None and lib.custapi_py_bulk_set_max_attempts(
                    self._run, max_attempts) < 0:
                raise UsageError("max_attempts: not a whole number of at least 1: %d"
                                 % max_attempts)
        except BaseException:
            if wfd >= 0:
                os.close(wfd)
            self._free()
            raise
        client._bulk = weakref.ref(self)
        if not by_path:
            # Not joined: it ends when the records do, or with EPIPE once the input is freed.
            threading.Thread(target=_feed, args=(iter(records), wfd, self._shared), daemon=True,
                             name="custapi-bulk-records").start()
        self._runner = threading.Thread(
            target=_go, args=(self._run, owner, self._shared, concurrency, cmode,
                              client._customer_flags),
            daemon=True, name="custapi-bulk-run")
        self._runner.start()

    # ---- the iterator ----

    def __iter__(self) -> Iterator[Outcome]:
        return self._each()

    def __next__(self) -> Outcome:
        if self._outcomes is None:
            self._outcomes = self._each()
        return next(self._outcomes)

    def _each(self) -> Iterator[Outcome]:
        """The outcomes, a batch at a time from the queue: a generator, which a `for` loop
        resumes without a method call per outcome. Its end, however it comes (the run's, a
        `break`, KeyboardInterrupt), stops the run: what finished is in the results file."""
        try:
            while not self._done:
                n = lib.custapi_py_bulk_take(self._run, self._buf, self._errors, BATCH,
                                             WAIT_MS, self._failures, self._finished)
                if n:
                    yield from self._batch(n)
                elif self._finished[0]:
                    self._end()
        finally:
            self.close()

    def _batch(self, n: int) -> List[Outcome]:
        batch = [Outcome(line, id or None, status == 0, attempts, http_status or None,
                         elapsed_ms, result if has_result else None, None)
                 for line, id, status, attempts, http_status, elapsed_ms, has_result, result
                 in _HEAD.iter_unpack(ffi.buffer(self._buf, n * _HEAD.size))]
        if self._failures[0]:
            for i, outcome in enumerate(batch):
                if not outcome.ok:
                    outcome.error = error_from(self._errors[i])
        return batch

    def _end(self) -> None:
        """The run ended by itself: its failure, or the iterable's, is raised."""
        self._join()
        self._done = True
        err = new_error()
        lib.custapi_py_bulk_error(self._run, err)
        lib.custapi_py_bulk_summary(self._run, self._counts)
        rc, feed_error = self._shared.rc, self._shared.feed_error
        self._free()
        if feed_error is not None:
            raise feed_error
        if rc < 0 and rc != -lib.CUSTAPI_CATEGORY_PARTIAL:
            raise error_from(err)

    def _join(self) -> None:
        """Waits for the run, in short waits so that a signal is seen; an interrupt here
        stops the run again, which ends the updates in flight at once."""
        while self._runner is not None and self._runner.is_alive():
            try:
                self._runner.join(WAIT_MS / 1000)
            except BaseException:
                lib.custapi_py_bulk_stop(self._run)
                raise

    def _free(self) -> None:
        if self._run != ffi.NULL:
            lib.custapi_py_bulk_free(self._run)  # writes what is held, closes the file
            self._run = ffi.NULL
        if self._input != ffi.NULL:
            lib.custapi_bulk_input_free(self._input)  # a writer blocked on the pipe gets EPIPE
            self._input = ffi.NULL
        if self._client._bulk is not None and self._client._bulk() in (self, None):
            self._client._bulk = None

    def close(self) -> None:
        """Stops the run: nothing more is started; the updates in flight finish and are
        written to the results file. Idempotent; also the end of a `with` block."""
        if self._done:
            return
        self._done = True
        if self._run != ffi.NULL:
            lib.custapi_py_bulk_stop(self._run)
            try:
                self._join()
            except BaseException:
                self._join()  # a second interrupt: in flight ended at once, now done
                raise
            finally:
                lib.custapi_py_bulk_summary(self._run, self._counts)
                self._free()

    def __enter__(self) -> "Bulk":
        return self

    @property
    def summary(self) -> Dict[str, int]:
        """records, succeeded, failed, skipped and elapsed_ms: so far, or at the end."""
        if self._run != ffi.NULL:
            lib.custapi_py_bulk_summary(self._run, self._counts)
        c = self._counts
        return {"records": c[0], "succeeded": c[1], "failed": c[2], "skipped": c[3],
                "elapsed_ms": c[4]}
