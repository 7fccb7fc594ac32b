"""The build's pool with a deep queue per worker: results already sent are never lost to a worker's death."""

from __future__ import annotations

import os

from archive.parallel import run_many
from parsers.model import Report


def _square_or_die(job: int) -> int:
    if job < 0:
        os._exit(3)  # dies without a word, after sending the results of the jobs before it
    return job * job


def test_results_sent_before_a_worker_dies_all_arrive_and_only_its_job_fails():
    jobs = [1, 2, 3, -1, 4, 5, 6, 7, 8, 9]
    results = dict(run_many(jobs, _square_or_die, workers=1, queued_per_worker=8))
    assert sorted(results) == list(range(len(jobs)))
    failed = results.pop(3)
    assert isinstance(failed, Report) and failed.status == "error"
    assert failed.status_detail == "parser process died (exit code 3)"
    # The jobs queued behind the dead one went to its replacement.
    assert results == {i: job * job for i, job in enumerate(jobs) if job >= 0}


def test_ordered_results_come_in_input_order_from_deep_queues():
    jobs = list(range(300))
    results = list(run_many(jobs, _square_or_die, workers=2, ordered=True, queued_per_worker=8))
    assert results == [(i, i * i) for i in jobs]
