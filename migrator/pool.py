"""Worker processes for scan and apply: stopped on every signal, gone when their parent is,
and one file that crashes a worker reported for that file instead of stopping the run."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, List, Optional, Sequence, TypeVar

J = TypeVar("J")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


def _init_worker(parent: int) -> None:
    # The parent decides what Ctrl-C or SIGTERM (sent to the whole process group by a terminal,
    # `timeout` or a CI cancel) means, and stops the workers itself: a worker dying on its own
    # breaks the pool under the parent (an InvalidStateError traceback, at times a hang).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with(parent)


def _die_with(parent: int) -> None:
    """Exit when the parent does, even if it was SIGKILLed and could not stop us."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="migrator-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and kill the workers, without waiting for their work."""
    blocked = _block_signals()  # a second Ctrl-C must not cut this short: it is delivered after
    try:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        # let the manager thread drop the cancelled work first: once a worker is gone it fails
        # every pending item, and failing a cancelled one raises InvalidStateError in that thread
        deadline = time.monotonic() + 2
        while (
            manager is not None
            and manager.is_alive()
            and getattr(pool, "_cancel_pending_futures", False)
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        for process in processes:
            process.kill()
        for process in processes:
            process.join(2)
        # A worker killed while sending a result leaves the manager thread waiting for the rest of
        # it, and the interpreter waits for that thread at exit (a hang). With the workers gone
        # this end is the last writer of the pipe: closing it turns the wait into an EOF.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
        if manager is not None:
            manager.join(2)
    finally:
        _unblock_signals(blocked)


def _block_signals() -> bool:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    return True


def _unblock_signals(blocked: bool) -> None:
    if blocked:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def pool_map(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    workers: int,
    chunksize: int,
    crashed: Callable[[J], R],
    progress: Optional[Callable[[int], None]] = None,
    meanwhile: Optional[Callable[[], None]] = None,
) -> List[R]:
    """``[fn(job) for job in jobs]`` on ``workers`` processes.

    Any exception or signal in this process (Ctrl-C, SIGTERM) stops the pool at once: pending
    work cancelled, workers killed.  A worker that dies (a native parser crashing on one file)
    costs only its own file: the jobs left are run again, each in a process of its own, and
    ``crashed(job)`` stands for the one that brings its process down.  ``progress(done)`` is
    called as results arrive; ``meanwhile`` once all jobs are submitted."""
    out: List[R] = []
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        results = pool.map(fn, jobs, chunksize=chunksize)  # submits everything now
        if meanwhile:
            meanwhile()
        for result in results:
            out.append(result)
            if progress:
                progress(len(out))
    except BrokenProcessPool:
        _stop(pool)
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)
        return out
    for job in jobs[len(out) :]:
        out.append(_isolated(fn, job, crashed))
        if progress:
            progress(len(out))
    return out


def _isolated(fn: Callable[[J], R], job: J, crashed: Callable[[J], R]) -> R:
    pool = ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        result = pool.submit(fn, job).result()
    except BrokenProcessPool:
        _stop(pool)
        return crashed(job)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return result
