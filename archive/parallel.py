"""Parse many documents on all cores, each under a wall-time and a memory limit.

The parsers are pure and fast, but they meet hostile input: a table that makes a layout
algorithm quadratic, a PDF that asks for gigabytes, a reader that segfaults.  So every
document is parsed in a worker process that

* has an address-space limit (``RLIMIT_AS``): a document that needs more raises
  ``MemoryError`` inside the worker, or kills it — either way only that document fails.  The
  limit covers the whole process, including what it shares with the parent it was forked from
  (a few hundred MB for the importer), so keep it well above the parent's size;
* is killed (``SIGKILL``) by the parent when one document takes longer than the time limit,
  and replaced by a fresh worker.

Python's ``ProcessPoolExecutor`` cannot do the second (it cannot kill one task, and a dead
worker breaks the whole pool), hence this small pool.  A document whose worker dies or is killed
comes back as an ``error`` :class:`~parsers.model.Report` whose detail says why, so callers
handle every outcome the same way.

Workers ignore SIGINT: on Ctrl-C the parent gets ``KeyboardInterrupt`` and kills them all.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

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

Parse = Callable[..., Report]

#: How often an idle worker checks that its parent is still alive, in seconds.
PARENT_CHECK_SECONDS = 1.0
#: Exit status of a worker that ran out of memory outside the parser.
_EXIT_OUT_OF_MEMORY = 86


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

    ``jobs`` is consumed lazily, one job per idle worker, so it may be a generator over a huge
    directory.  Never raises for a bad document.
    """
    pool = _Pool(workers or default_workers(), time_limit, memory_limit_mb, parse)
    window = ORDERED_WINDOW_PER_WORKER * pool.size if ordered else None
    pending = enumerate(jobs)
    exhausted = False
    finished: dict[int, Report] = {}
    next_to_yield = 0
    try:
        while True:
            for worker in pool.idle():
                if exhausted or (window is not None and pool.dispatched - next_to_yield >= window):
                    break
                try:
                    index, job = next(pending)
                except StopIteration:
                    exhausted = True
                    break
                pool.dispatch(worker, index, job)
            if not pool.busy():
                break
            for index, report in pool.collect():
                if not ordered:
                    yield index, report
                    continue
                finished[index] = report
                while next_to_yield in finished:
                    yield next_to_yield, finished.pop(next_to_yield)
                    next_to_yield += 1
    finally:
        pool.close()


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        memory_limit_mb: int | None,
        parse: Parse,
        siblings: list[Connection],
    ):
        self.connection, child = context.Pipe()
        # The forked child inherits the parent's end of its own pipe and of its siblings' pipes;
        # it closes them so that it sees EOF, and exits, as soon as the parent is gone.
        inherited = [self.connection, *siblings]
        self.process = context.Process(target=_work, args=(child, inherited, memory_limit_mb, parse), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, float] | None = None
        """(job index, monotonic start) of the document being parsed."""

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class _Pool:
    def __init__(self, size: int, time_limit: float, memory_limit_mb: int | None, parse: Parse):
        # fork: a worker starts in milliseconds with the parsers already imported, which
        # matters when a worker is replaced after every killed document.
        self.context = multiprocessing.get_context("fork")
        self.size = max(1, size)
        self.time_limit = time_limit
        self.memory_limit_mb = memory_limit_mb
        self.parse = parse
        self.workers = [self._start() for _ in range(self.size)]
        self.dispatched = 0

    def _start(self) -> _Worker:
        siblings = [w.connection for w in getattr(self, "workers", ())]
        return _Worker(self.context, self.memory_limit_mb, self.parse, siblings)

    def idle(self) -> list[_Worker]:
        return [w for w in self.workers if w.task is None]

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.task is not None]

    def dispatch(self, worker: _Worker, index: int, job: ParseJob) -> None:
        for _attempt in range(2):
            try:
                worker.connection.send((index, job))
                break
            except (BrokenPipeError, ConnectionResetError, EOFError):
                # The worker died between documents (e.g. out of memory while idle): replace it.
                worker = self._replace(worker)
        worker.task = (index, time.monotonic())
        self.dispatched = max(self.dispatched, index + 1)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def collect(self) -> list[tuple[int, Report]]:
        """Wait until at least one busy worker finishes, dies or runs out of time; return those results."""
        busy = self.busy()
        deadline = min(w.task[1] for w in busy) + self.time_limit
        waitables: list = [w.connection for w in busy] + [w.process.sentinel for w in busy]
        wait(waitables, timeout=max(0.0, deadline - time.monotonic()))
        results = []
        now = time.monotonic()
        for worker in busy:
            index, started = worker.task
            received = self._receive(worker)
            report = received[0] if received else None
            if received is not None and received[1]:
                self._replace(worker)  # it ran out of memory: a fresh process for the next document
            elif report is not None:
                worker.task = None
            elif not worker.process.is_alive():
                report = _failure(
                    f"parser process died ({_exit_reason(worker.process.exitcode, self.memory_limit_mb)})"
                )
                self._replace(worker)
            elif now - started >= self.time_limit:
                report = _failure(f"parsing took longer than the time limit of {self.time_limit:g} s; stopped")
                self._replace(worker)
            else:
                continue
            results.append((index, report))
        return results

    def _receive(self, worker: _Worker) -> tuple[Report, bool] | None:
        """The worker's (report, whether it retires), if it has sent them."""
        try:
            if not worker.connection.poll():
                return None
            _index, report, retiring = worker.connection.recv()
        except (EOFError, OSError):
            return None
        return report, retiring

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


def _work(connection: Connection, inherited: list[Connection], memory_limit_mb: int | None, parse: Parse) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in inherited:
        other.close()
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        _serve(connection, memory_limit_mb, parse)
    except MemoryError:
        # Out of memory outside the parser (receiving a huge document, pickling a huge result):
        # the exit code tells the parent why, as no message can be built any more.
        os._exit(_EXIT_OUT_OF_MEMORY)


def _serve(connection: Connection, memory_limit_mb: int | None, parse: Parse) -> None:
    parent = os.getppid()
    while True:
        try:
            # Poll rather than block: a parent killed with SIGKILL may leave a pipe end open in a
            # grandchild (a converter it started), so EOF alone cannot be relied on.
            while not connection.poll(PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return
            index, job = connection.recv()
        except (EOFError, OSError):
            return
        retiring = False
        try:
            report = parse(
                job.data,
                filename=job.filename,
                content_type=job.content_type,
                url=job.url,
                region_hint=job.region_hint,
            )
        except MemoryError:
            report = _failure(f"parsing needed more than the memory limit of {memory_limit_mb} MB")
            # A heap that hit its limit stays fragmented and half-full: let a fresh process go on.
            retiring = True
        except Exception as exc:  # a parser bug on one document must cost only that document
            report = _failure(f"parser crashed: {type(exc).__name__}{f': {exc}' if str(exc) else ''}")
        del job
        try:
            connection.send((index, report, retiring))
        except (BrokenPipeError, ConnectionResetError):
            return  # the parent is gone
        if retiring:
            return
