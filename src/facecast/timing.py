"""Where a stream's time goes: milliseconds per frame of each named stage.

Both the wall clock and the calling thread's CPU time are kept: on a machine other work
shares, the wall clock says what a stage cost this time, the CPU time what it costs. A
stage may run in any thread (the mesh runs in its own); each name is timed by one thread,
whose name is kept with it (where a stream's time goes is also which thread it takes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageClock:
    """Sums per stage; `per_frame` divides them by the frames counted."""

    def __init__(self) -> None:
        self._wall: dict[str, float] = {}
        self._cpu: dict[str, float] = {}
        self._thread: dict[str, str] = {}
        self.frames = 0

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self._wall[stage] = self._wall.get(stage, 0.0) + time.perf_counter() - wall
            self._cpu[stage] = self._cpu.get(stage, 0.0) + time.thread_time() - cpu
            self._thread[stage] = threading.current_thread().name

    def per_frame(self) -> dict[str, dict[str, float | str]]:
        """{stage: {"wall_ms": ..., "cpu_ms": ..., "thread": name}} per frame, in the order
        stages first ran."""
        n = max(self.frames, 1)
        return {stage: {"wall_ms": round(1000 * wall / n, 2),
                        "cpu_ms": round(1000 * self._cpu[stage] / n, 2),
                        "thread": self._thread[stage]}
                for stage, wall in list(self._wall.items())}
