"""Parse many documents on all cores, each under a wall-time and a memory limit.

The parsers are pure and fast, but they meet hostile input: a table that makes a layout
algorithm quadratic, a PDF that asks for gigabytes, a reader that segfaults.  So every
document is parsed in a worker process that

* has an address-space limit (``RLIMIT_AS``): a document that needs more raises
  ``MemoryError`` inside the worker, or kills it — either way only that document fails.  Not
  every failed allocation says so (CPython 3.11 raises ``SystemError`` when a call needs a new
  frame-stack chunk; a library may swallow the error), so a document whose parse brought the
  worker's address space to within a few MB of the limit fails as over the limit, whatever it
  returned.  The limit covers the whole process, including what it shares with the parent it
  was forked from (a few hundred MB for the importer, and a 64 MB malloc arena the pool leaves
  idle there for the worker's second thread), so keep it well above the parent's size;
* is killed (``SIGKILL``) by the parent when one document takes longer than the time limit,
  and replaced by a fresh worker.

Python's ``ProcessPoolExecutor`` cannot do the second (it cannot kill one task, and a dead
worker breaks the whole pool), hence this small pool.  A document whose worker dies or is killed
comes back as an ``error`` :class:`~parsers.model.Report` whose detail says why, so callers
handle every outcome the same way.

Each worker holds a few documents queued behind the one it parses (``queued_per_worker``), so it
never waits for the parent between two documents while the parent writes results.  A thread of
the worker takes them off the pipe as they come, so neither side ever blocks the other on a full
pipe.  When a worker is killed or dies, only the document it was parsing fails; the ones queued
behind it go to its replacement.

:func:`run_many` is the general form: any picklable job, any function of it run in the workers
(``xxgknb build`` reads and classifies the archived record there, not in the parent).

Workers ignore SIGINT: on Ctrl-C the parent gets ``KeyboardInterrupt`` and kills them all.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import queue
import resource
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from archive.convert import parse_with_conversions
from parsers.model import Report, Status

#: Seconds one document may take by default: a 30-page OCR or a cold LibreOffice start fits.
DEFAULT_TIME_LIMIT = 300.0
#: Address space of one worker by default, in MB.  LibreOffice and tesseract, started from the
#: worker, inherit it; a LibreOffice conversion runs within 1 GB.
DEFAULT_MEMORY_LIMIT_MB = 2048
#: In ordered mode, how many documents past the oldest unfinished one may be in flight or
#: waiting to be yielded, per worker (bounds memory when one document is slow).
ORDERED_WINDOW_PER_WORKER = 64
#: Documents handed to a worker ahead of time, besides the one it parses: enough that it never
#: idles while the parent writes a result, few enough that a replaced worker's queue is short.
QUEUED_PER_WORKER = 3

Parse = Callable[..., Report]

#: How often an idle worker checks that its parent is still alive, in seconds.
PARENT_CHECK_SECONDS = 1.0
#: Exit status of a worker that ran out of memory outside the parser.
_EXIT_OUT_OF_MEMORY = 86
#: Stack of the thread that receives a worker's jobs (it only unpickles them).
_RECEIVER_STACK_BYTES = 512 * 1024
#: A job during which the worker's address space came this close to the limit failed for memory,
#: whatever it returned: an allocation that fails there may not raise ``MemoryError`` (a 16 KB
#: frame-stack chunk raises ``SystemError`` in CPython 3.11; libraries swallow errors), and what
#: the parser made of the document with a failed allocation behind it cannot be trusted.
_NEAR_LIMIT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ParseJob:
    """One document to parse; the keyword arguments of :func:`parsers.parse`."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None
    url: str | None = None
    region_hint: str | None = None
    """6-digit division code of the portal the document came from; settles shared place names."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse_many(
    jobs: Iterable[ParseJob],
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    ordered: bool = False,
    parse: Parse = parse_with_conversions,
) -> Iterator[tuple[int, Report]]:
    """Parse every job; yield ``(index of the job, report)``, as completed or, if ``ordered``, in input order.

    ``jobs`` is consumed lazily, a few jobs ahead per worker, so it may be a generator over a huge
    directory.  Never raises for a bad document.
    """
    return run_many(
        jobs,
        functools.partial(_parse_job, parse),
        workers=workers,
        time_limit=time_limit,
        memory_limit_mb=memory_limit_mb,
        ordered=ordered,
    )


def run_many(
    jobs: Iterable[Any],
    work: Callable[[Any], Any],
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    ordered: bool = False,
    queued_per_worker: int = QUEUED_PER_WORKER,
) -> Iterator[tuple[int, Any]]:
    """Run ``work(job)`` in the workers for every job; yield ``(index of the job, result)`` like :func:`parse_many`.

    ``work`` runs in forked children (it need not be picklable; jobs and results must be).  A job
    whose ``work`` raises, or whose worker is killed for time, dies or runs out of memory, yields an
    ``error`` :class:`~parsers.model.Report` saying why instead of a result.
    """
    pool = _Pool(workers or default_workers(), time_limit, memory_limit_mb, work, queued_per_worker)
    window = ORDERED_WINDOW_PER_WORKER * pool.size if ordered else None
    pending = enumerate(jobs)
    exhausted = False
    finished: dict[int, Any] = {}
    next_to_yield = 0
    try:
        while True:
            while not exhausted and (window is None or pool.dispatched - next_to_yield < window):
                worker = pool.least_loaded()
                if worker is None:
                    break
                try:
                    index, job = next(pending)
                except StopIteration:
                    exhausted = True
                    break
                pool.dispatch(worker, index, job)
            if not pool.busy():
                break
            for index, result in pool.collect():
                if not ordered:
                    yield index, result
                    continue
                finished[index] = result
                while next_to_yield in finished:
                    yield next_to_yield, finished.pop(next_to_yield)
                    next_to_yield += 1
    finally:
        pool.close()


def read_ahead(items: Iterator[Any], size: int) -> Iterator[Any]:
    """Yield what ``items`` yields, drawn by a thread up to ``size`` items ahead of the caller.

    For a caller that does slow work of its own between two items with the GIL released, such as
    a SQLite commit waiting for a checkpoint's fsync: the thread keeps drawing meanwhile, so a pool
    behind ``items`` keeps its workers busy.  An exception raised by ``items`` is raised here.
    Leaving early (an exception, ``close()``) stops the thread after its current item and closes
    ``items`` in that thread, which shuts a pool down.
    """
    drawn: queue.Queue = queue.Queue(max(1, size))
    stop = threading.Event()

    def hand_over(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                drawn.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def draw() -> None:
        try:
            for item in items:
                if not hand_over(("item", item)):
                    return
            hand_over(("done", None))
        except BaseException as exc:  # handed to the caller, who raises it
            hand_over(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=draw, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = drawn.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()


def _parse_job(parse: Parse, job: ParseJob) -> Report:
    return parse(
        job.data, filename=job.filename, content_type=job.content_type, url=job.url, region_hint=job.region_hint
    )


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        memory_limit_mb: int | None,
        work: Callable[[Any], Any],
        siblings: list[Connection],
    ):
        self.connection, child = context.Pipe()
        # The forked child inherits the parent's end of its own pipe and of its siblings' pipes;
        # it closes them so that it sees EOF, and exits, as soon as the parent is gone.
        inherited = [self.connection, *siblings]
        self.process = context.Process(target=_work, args=(child, inherited, memory_limit_mb, work), daemon=True)
        self.process.start()
        child.close()
        # Kept for the life of the worker: asking whether a result is waiting costs a system call,
        # where ``Connection.poll`` builds a selector each time (several times per document).
        self.results_waiting = select.poll()
        self.results_waiting.register(self.connection.fileno(), select.POLLIN)
        self.tasks: deque[tuple[int, Any]] = deque()
        """(job index, job) sent to the worker and not answered yet, the one being parsed first."""
        self.started = 0.0
        """Monotonic time the first task started (when it was sent, or when the one before it came back)."""

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class _Pool:
    def __init__(
        self,
        size: int,
        time_limit: float,
        memory_limit_mb: int | None,
        work: Callable[[Any], Any],
        queued_per_worker: int,
    ):
        # fork: a worker starts in milliseconds with the parsers already imported, which
        # matters when a worker is replaced after every killed document.
        self.context = multiprocessing.get_context("fork")
        self.size = max(1, size)
        self.time_limit = time_limit
        self.memory_limit_mb = memory_limit_mb
        self.work = work
        self.capacity = 1 + max(0, queued_per_worker)
        _leave_a_malloc_arena_idle()
        self.workers = [self._start() for _ in range(self.size)]
        self.dispatched = 0

    def _start(self) -> _Worker:
        siblings = [w.connection for w in getattr(self, "workers", ())]
        return _Worker(self.context, self.memory_limit_mb, self.work, siblings)

    def least_loaded(self) -> _Worker | None:
        """The worker with the fewest tasks, if it can take another."""
        worker = min(self.workers, key=lambda w: len(w.tasks))
        return worker if len(worker.tasks) < self.capacity else None

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.tasks]

    def dispatch(self, worker: _Worker, index: int, job: Any) -> None:
        self._send(worker, index, job)
        self.dispatched = max(self.dispatched, index + 1)

    def _send(self, worker: _Worker, index: int, job: Any) -> _Worker:
        for _attempt in range(2):
            try:
                worker.connection.send((index, job))
                break
            except (OSError, EOFError):
                if worker.tasks:
                    break  # it died with work in hand: collect() fails its current task and moves the rest
                # The worker died between documents (e.g. out of memory while idle): replace it.
                worker = self._replace(worker)
        if not worker.tasks:
            worker.started = time.monotonic()
        worker.tasks.append((index, job))
        return worker

    def _replace(self, worker: _Worker, *, requeue: Iterable[tuple[int, Any]] = ()) -> _Worker:
        worker.kill()
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        for index, job in requeue:
            fresh = self._send(fresh, index, job)
        return fresh

    def collect(self) -> list[tuple[int, Any]]:
        """Wait until at least one busy worker finishes a task, dies or runs out of time; return those results."""
        busy = self.busy()
        deadline = min(w.started for w in busy) + self.time_limit
        waiting = select.poll()
        for worker in busy:
            waiting.register(worker.connection.fileno(), select.POLLIN)
            waiting.register(worker.process.sentinel, select.POLLIN)
        waiting.poll(max(0.0, deadline - time.monotonic()) * 1000)
        results = []
        for worker in busy:
            received, retiring = self._receive(worker)
            for result in received:
                results.append((worker.tasks.popleft()[0], result))
                worker.started = time.monotonic()
            if retiring:
                # It ran out of memory: a fresh process for the documents queued behind.
                self._replace(worker, requeue=list(worker.tasks))
                continue
            if not worker.tasks:
                continue
            if not worker.process.is_alive():
                reason = _exit_reason(worker.process.exitcode, self.memory_limit_mb)
                failure = _failure(f"parser process died ({reason})")
            elif time.monotonic() - worker.started >= self.time_limit:
                failure = _failure(f"parsing took longer than the time limit of {self.time_limit:g} s; stopped")
            else:
                continue
            index, _job = worker.tasks.popleft()
            results.append((index, failure))
            self._replace(worker, requeue=list(worker.tasks))
        return results

    def _receive(self, worker: _Worker) -> tuple[list[Any], bool]:
        """Every result the worker has sent so far, and whether it retires after the last one."""
        received: list[Any] = []
        try:
            while len(received) < len(worker.tasks) and worker.results_waiting.poll(0):
                _index, result, retiring = worker.connection.recv()
                received.append(result)
                if retiring:
                    return received, True
        except (EOFError, OSError):
            pass
        return received, False

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()


def _failure(detail: str) -> Report:
    return Report(status=Status.ERROR, status_detail=detail)


def _exit_reason(exitcode: int | None, memory_limit_mb: int | None) -> str:
    if exitcode == _EXIT_OUT_OF_MEMORY:
        return f"out of memory: the document needs more than the limit of {memory_limit_mb} MB"
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        hint = " — killed, often for running out of memory" if number == signal.SIGKILL else ""
        if number == signal.SIGABRT and memory_limit_mb:
            # C libraries (PDFium) abort when an allocation fails under the address-space limit.
            hint = f" — aborted, usually an allocation over the memory limit of {memory_limit_mb} MB"
        return f"signal {name}{hint}"
    return f"exit code {exitcode}"


def _leave_a_malloc_arena_idle() -> None:
    """Run a thread to its end here, so that its malloc arena waits idle for the workers' receiving threads.

    glibc gives a thread that finds no idle arena a new one, mapping 128 MB to keep an aligned
    64 MB.  Made in a worker, that would add 64 MB to its size and lift its high-water mark (how
    :func:`_reached_memory_limit` sees the limit coming) 128 MB above its size before any document;
    a worker forked from here takes the idle arena instead.
    """
    thread = threading.Thread(target=int, name="malloc-arena")
    thread.start()
    thread.join()


def _work(
    connection: Connection, inherited: list[Connection], memory_limit_mb: int | None, work: Callable[[Any], Any]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in inherited:
        other.close()
    # What the worker inherited from the parent (modules, the parsers' tables) lives as long as it
    # does: out of the collector's sight, a full collection no longer walks it (0.23 -> 0.01 ms per
    # document parsed) nor marks every object of it, which dirtied pages shared with the parent.
    gc.freeze()
    # A document makes a few hundred thousand objects and frees them all, almost none in cycles: the
    # default first generation (700) ran a collection every few hundred objects of them, each one
    # promoting survivors for the older generations to walk again (1.4 % of a worker's instructions).
    gc.set_threshold(10_000, 10, 10)
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    # Started before the address-space limit is set: its stack must not depend on the headroom left.
    threading.stack_size(_RECEIVER_STACK_BYTES)
    threading.Thread(target=_receive_jobs, args=(connection, jobs), daemon=True).start()
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        _serve(connection, jobs, memory_limit_mb, work)
    except Exception as exc:
        if isinstance(exc, MemoryError) or _reached_memory_limit(memory_limit_mb):
            # Out of memory outside the parser (receiving a huge document, pickling a huge result):
            # the exit code tells the parent why, as no message can be built any more.
            os._exit(_EXIT_OUT_OF_MEMORY)
        raise


def _reached_memory_limit(memory_limit_mb: int | None) -> bool:
    """Whether this process's address space ever came within ``_NEAR_LIMIT_BYTES`` of the limit."""
    if not memory_limit_mb:
        return False
    try:
        peak = _peak_address_space()
    except MemoryError:
        return True  # not even the few KB of the question are left
    return peak >= memory_limit_mb * 1024 * 1024 - _NEAR_LIMIT_BYTES


def _peak_address_space() -> int:
    """Bytes: the kernel's high-water mark of this process's address space (a fork starts at its size)."""
    # One read and no Python file object: this runs after every document.
    descriptor = os.open("/proc/self/status", os.O_RDONLY)
    try:
        status = os.read(descriptor, 8192)
    finally:
        os.close(descriptor)
    start = status.index(b"VmPeak:") + len(b"VmPeak:")
    return int(status[start : status.index(b"kB", start)]) * 1024


#: What the receiving thread hands over when the pipe closes or fails.
_CLOSED = object()


def _receive_jobs(connection: Connection, jobs: queue.SimpleQueue) -> None:
    """Take jobs off the pipe as soon as they come, so that the parent never blocks sending one."""
    while True:
        try:
            jobs.put(connection.recv())
        except MemoryError:
            os._exit(_EXIT_OUT_OF_MEMORY)
        except (EOFError, OSError):
            jobs.put(_CLOSED)
            return


def _serve(
    connection: Connection, jobs: queue.SimpleQueue, memory_limit_mb: int | None, work: Callable[[Any], Any]
) -> None:
    parent = os.getppid()
    while True:
        # Wait with a timeout rather than for EOF: a parent killed with SIGKILL may leave a pipe end
        # open in a grandchild (a converter it started), so EOF alone cannot be relied on.
        try:
            task = jobs.get(timeout=PARENT_CHECK_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is _CLOSED:
            return
        index, job = task
        del task
        out_of_memory = False
        try:
            result = work(job)
        except MemoryError:
            out_of_memory = True
        except Exception as exc:  # a parser bug on one document must cost only that document
            result = _failure(f"parser crashed: {type(exc).__name__}{f': {exc}' if str(exc) else ''}")
        del job
        # A heap that hit its limit stays fragmented and half-full, and the high-water mark stays
        # up: let a fresh process go on.
        retiring = out_of_memory or _reached_memory_limit(memory_limit_mb)
        if retiring:
            result = _failure(f"parsing needed more than the memory limit of {memory_limit_mb} MB")
        try:
            connection.send((index, result, retiring))
        except (BrokenPipeError, ConnectionResetError):
            return  # the parent is gone
        if retiring:
            return
