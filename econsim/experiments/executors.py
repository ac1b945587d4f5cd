"""Executors: where runs execute. One interface, three backends.

``map`` yields results as runs finish, keeping only a small window of tasks in
flight, so the parent holds neither all tasks' futures nor their outputs: workers
write their runs to the study folder and send back one small row each.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol

from econsim.experiments.study import StudyError

Job = Callable[[Any], dict[str, Any]]


class Executor(Protocol):
    """Runs ``job`` on every item and yields the results in completion order."""

    workers: int

    def map(self, job: Job, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        """Results as they come."""
        ...  # pragma: no cover

    def close(self) -> None:
        """Release workers and connections."""
        ...  # pragma: no cover


class Sequential:
    """Every run in this process, one after another."""

    workers = 1

    def map(self, job: Job, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        """Results in order."""
        for item in items:
            yield job(item)

    def close(self) -> None:
        """Nothing to release."""


class LocalProcesses:
    """Worker processes on this machine (spawned: polars and forking do not mix).

    The workers end when this process does, however it ends (a SIGKILL included).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def map(self, job: Job, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        """Results as workers finish them."""
        return _windowed(lambda item: self._pool.submit(job, item), items, 2 * self.workers)

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown(cancel_futures=True)


def die_with_parent(parent: int) -> None:
    """Make this worker end when its parent process does (a pool's initializer).

    On Linux the kernel kills it at once (``PR_SET_PDEATHSIG``; the parent is the
    thread that started the worker, which for a pool is the one that submits to it).
    Elsewhere a daemon thread notices within a second that the worker has been handed
    to another parent.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the kernel was asked
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)  # no cleanup: the parent is gone, and the next run removes what is left


class DaskCluster:
    """An existing Dask cluster (``tcp://host:port``); workers must share the folder."""

    def __init__(self, address: str) -> None:
        self._client = dask_client(address)
        self.workers = max(len(self._client.scheduler_info().get("workers", {})), 1)

    def map(self, job: Job, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        """Results as cluster workers finish them."""

        def submit(item: Any) -> Any:
            return self._client.submit(job, item, pure=False)

        return _windowed(submit, items, 2 * self.workers, dask=True)

    def close(self) -> None:
        """Disconnect (the cluster itself keeps running)."""
        self._client.close()


def dask_client(address: str) -> Any:
    """A client of the Dask cluster at ``address``, or a StudyError that says why not."""
    try:
        from distributed import Client
    except ImportError:
        raise StudyError("--scheduler needs Dask: pip install 'econsim[cluster]'") from None
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError) as error:
        raise StudyError(f"--scheduler {address}: cannot connect ({error})") from None


def executor_for(workers: int | None, scheduler: str | None) -> Executor:
    """The executor a command line asks for: a cluster, one process, or a local pool."""
    if scheduler:
        return DaskCluster(scheduler)
    if workers == 1:
        return Sequential()
    return LocalProcesses(workers)


def _windowed(
    submit: Callable[[Any], Any], items: Iterable[Any], window: int, dask: bool = False
) -> Iterator[dict[str, Any]]:
    """Keep at most ``window`` tasks in flight; yield each result once it is done."""
    pending: set[Any] = set()
    queue = iter(items)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < window:
            item = next(queue, _END)
            if item is _END:
                exhausted = True
            else:
                pending.add(submit(item))
        if not pending:
            break
        done = _wait_dask(pending) if dask else wait(pending, return_when=FIRST_COMPLETED)[0]
        for future in done:
            pending.discard(future)
            yield future.result()


def _wait_dask(pending: set[Any]) -> set[Any]:
    from distributed import wait as dask_wait

    return set(dask_wait(list(pending), return_when="FIRST_COMPLETED").done)


_END = object()
