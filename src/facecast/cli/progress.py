"""Progress bars for long work on the terminal (frames/s and ETA), via rich."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def _own_stderr() -> Console:
    """A console on a duplicate of stderr's file descriptor, made at start-up: MediaPipe's
    native log noise is silenced by briefly redirecting descriptor 2, and the progress bars
    must keep drawing meanwhile."""
    try:
        return Console(file=os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1))
    except (AttributeError, OSError, ValueError):  # stderr is not a real file (captured)
        return Console(stderr=True)


console = _own_stderr()


class _Rate(TextColumn):
    """Items per second, e.g. '31.2 frames/s'."""

    def __init__(self, unit: str) -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task):
        from rich.text import Text

        speed = task.finished_speed or task.speed
        return Text(f"{speed:5.1f} {self.unit}/s" if speed else f"  ... {self.unit}/s")


@contextmanager
def progress_bar(description: str, unit: str) -> Iterator[callable]:
    """Yields `update(done, total, label="")` for a bar with rate, elapsed time and ETA.

    The bar appears with the first update, so work refused up front draws no bar.
    """
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), _Rate(unit), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn(), TextColumn("{task.fields[label]}"))
    bar = Progress(*columns, console=console, transient=False)
    task = bar.add_task(description, total=None, label="")

    def update(done: int, total: int, label: str = "") -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total, label=label)

    try:
        yield update
    finally:
        if bar.live.is_started:
            bar.stop()
