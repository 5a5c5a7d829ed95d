"""Executors: run jobs on local processes or on a Dask distributed cluster, behind one interface.

`executor.map(jobs)` yields results as they finish, in any order, keeping only a small window of
jobs in flight, so memory stays flat however many jobs a study has.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from types import TracebackType
from typing import Any, Protocol

from sim.engine import Cancelled
from sim.experiment import ShouldStop
from sim.experiments.jobs import Job, JobResult, run_job
from sim.processes import init_worker


class Executor(Protocol):
    """Runs jobs; a context manager that releases its workers on exit."""

    workers: int
    description: str

    def map(self, jobs: Iterable[Job]) -> Iterator[JobResult]: ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


class LocalExecutor:
    """Jobs in this process (1 worker) or in a pool of local processes."""

    def __init__(self, workers: int | None = None, should_stop: ShouldStop | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.should_stop = should_stop or (lambda: False)
        """Asked between jobs and every 0.2 s while waiting: True raises `Cancelled`."""
        self.description = f"{self.workers} local process(es)"
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=init_worker, initargs=(os.getpid(),)
            )
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        """Shut the pool down; stopped by an error or Ctrl-C, end its workers at once."""
        if self._pool is not None:
            if kind is not None:  # the workers first, so the pool's queues close quietly
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.terminate()
            self._pool.shutdown(wait=kind is not None, cancel_futures=True)
            self._pool = None

    def map(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        if self._pool is None:
            for job in jobs:
                if self.should_stop():
                    raise Cancelled
                yield run_job(job)
            return
        pool, window = self._pool, 2 * self.workers
        source = iter(jobs)
        pending = set()
        for job in islice(source, window):  # building a job takes a while: listen in between
            if self.should_stop():
                raise Cancelled
            pending.add(pool.submit(run_job, job))
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if self.should_stop():
                raise Cancelled
            for future in finished:
                following = None if self.should_stop() else next(source, None)
                if following is not None:
                    pending.add(pool.submit(run_job, following))
                yield future.result()


QUIET_WORKERS = {"distributed.worker.profile.enabled": False}
"""A LocalCluster's workers skip Dask's statistical profiler: it samples the running job's stack
every 10 ms for a dashboard nobody opens (`dashboard_address=None`), and cost about 4% of every
job's time (`bench/sweep_scaling.py`). A cluster's own workers keep their own settings."""


class DaskExecutor:
    """Jobs on a Dask distributed cluster: an existing scheduler's address, or a LocalCluster.

    `address` is `tcp://HOST:PORT`, or `local` for a LocalCluster of `workers` processes (one
    thread each). Workers need this package installed (same version) to run the jobs.
    """

    def __init__(self, address: str, workers: int | None = None, processes: bool = True) -> None:
        self.address = address
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.processes = processes
        self.description = f"Dask at {address}"
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        if self.address == "local":
            with dask.config.set(QUIET_WORKERS):
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                )
            self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
            self.description = f"Dask LocalCluster of {self.workers} worker(s)"
        else:
            self._client = Client(self.address, timeout="10s")  # type: ignore[no-untyped-call]
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
            self.description = f"Dask at {self.address} ({self.workers} worker(s))"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def map(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        from distributed import as_completed

        client, window = self._client, 2 * self.workers
        source = iter(jobs)
        first = [client.submit(run_job, job, pure=False) for job in islice(source, window)]
        if not first:
            return
        queue = as_completed(first)  # type: ignore[no-untyped-call]
        for future in queue:
            job = next(source, None)
            if job is not None:
                queue.add(client.submit(run_job, job, pure=False))  # type: ignore[no-untyped-call]
            result: JobResult = future.result()
            future.release()
            yield result


def make_executor(
    scheduler: str | None = None, workers: int | None = None, should_stop: ShouldStop | None = None
) -> Executor:
    """Local processes by default; `local` or `tcp://HOST:PORT` for Dask. `should_stop` (local
    only) stops the local executor between jobs and within 0.2 s while waiting."""
    if scheduler:
        return DaskExecutor(scheduler, workers)
    return LocalExecutor(workers, should_stop)
