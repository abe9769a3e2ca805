"""The pieces of one long video run in a pool of local processes (no broker configured).

Processes are spawned, not forked: the caller (the web server) has threads and MediaPipe
graphs that a fork would copy half-way. Each process reports its frames through a queue;
the caller's own `progress` sees the sum, and when it raises (cancel, shutdown) every
process stops at its next frame.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import queue
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from typing import Any

from facecast.chunks.plan import Plan
from facecast.chunks.work import Piece

Piecework = Callable[..., Piece]
"""`work.swap_piece` or `work.edit_piece`, given its arguments before `progress`."""

_POLL_S = 0.25

_reports: Any = None
_stop: Any = None


class PieceStopped(Exception):  # noqa: N818 (a signal, not an error)
    """The caller asked the pool to stop: the piece ends unwritten."""


def die_with_parent() -> None:
    """End this process when the one that started it ends, even by SIGKILL (Linux): a piece
    left running would write for a job that is already queued again."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _start_process(reports: Any, stop: Any) -> None:
    global _reports, _stop
    _reports, _stop = reports, stop
    die_with_parent()


def _run(work: Piecework, args: tuple[Any, ...], index: int) -> Piece:
    def progress(done: int, total: int) -> None:
        if _stop.is_set():
            raise PieceStopped
        _reports.put((index, done, total))

    return work(*args, progress=progress)


def run_pieces(work: Piecework, args: list[tuple[Any, ...]], plan: Plan, processes: int,
               progress: Callable[[float], None] | None = None) -> list[Piece]:
    """Run `work(*args[i])` for every piece of `plan` in up to `processes` processes, in
    the plan's order; `progress(fraction)` gets the share of frames done (warm-ups count)."""
    context = mp.get_context("spawn")
    reports, stop = context.Queue(), context.Event()
    done: dict[int, tuple[int, int]] = {c.index: (0, c.count) for c in plan.chunks}
    workers = max(1, min(processes, len(plan.chunks)))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_process,
                             initargs=(reports, stop)) as pool:
        futures: dict[Future[Piece], int] = {pool.submit(_run, work, a, c.index): c.index
                                             for c, a in zip(plan.chunks, args, strict=True)}
        try:
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, _POLL_S, FIRST_EXCEPTION)
                _drain(reports, done)
                for future in finished:
                    future.result()  # a failed piece fails the whole
                    total = done[futures[future]][1]
                    done[futures[future]] = (total, total)
                if progress:
                    progress(sum(d for d, _ in done.values())
                             / max(sum(t for _, t in done.values()), 1))
        except BaseException:
            stop.set()
            for future in futures:
                future.cancel()
            raise
    return [f.result() for f in futures]


def _drain(reports: Any, done: dict[int, tuple[int, int]]) -> None:
    while True:
        try:
            index, count, total = reports.get_nowait()
        except queue.Empty:
            return
        done[index] = (count, total)
