"""Run decoding and encoding in worker threads so they overlap with per-frame processing.

FFmpeg releases the GIL while it decodes, converts colours and encodes, so a worker thread
keeps the codec busy while the main thread runs face processing. Queues are small and bounded:
memory stays at a few frames whatever the video length, and a slow consumer throttles the
producer instead of letting it run ahead.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Generic, TypeVar, cast

from facecast.cores import as_helper

T = TypeVar("T")

_DONE = object()
_POLL_S = 0.1


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(make_items: Callable[[], Iterator[T]], depth: int) -> Generator[T, None, None]:
    """Iterate `make_items()` in a worker thread, up to `depth` items ahead of the consumer.

    The iterator is created, consumed and closed in the worker, so the resources it holds
    (an open container) never cross threads. Its exceptions are re-raised in the consumer.
    Closing this generator early (break, exception) stops the worker and waits for it.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        as_helper()
        source = make_items()
        try:
            for item in source:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # re-raised in the consumer thread
            offer(_Failure(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="facecast-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield cast(T, item)
    finally:
        stop.set()
        worker.join()


class BackgroundSink(Generic[T]):
    """Hand items to `consume` in a worker thread; errors surface on the next put or on close.

    `consume` runs in the worker only, so the encoder and muxer it drives stay on one thread.
    """

    def __init__(self, consume: Callable[[T], None], depth: int, name: str) -> None:
        self._consume = consume
        self._items: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._discard = False
        self._worker = threading.Thread(target=self._work, name=name, daemon=True)
        self._worker.start()

    def put(self, item: T) -> None:
        """Queue `item`, blocking while the worker is `depth` items behind."""
        while True:
            self._raise_error()
            try:
                self._items.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Wait until every queued item is consumed; raise the worker's error if it failed."""
        self._stop()
        self._raise_error()

    def abandon(self) -> None:
        """Stop the worker, skipping what is still queued: the output is being thrown away."""
        self._discard = True
        self._stop()

    def _stop(self) -> None:
        while self._worker.is_alive():
            try:
                self._items.put(_DONE, timeout=_POLL_S)
                break
            except queue.Full:
                continue
        self._worker.join()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        as_helper()
        while True:
            item = self._items.get()
            if item is _DONE:
                return
            if self._error is None and not self._discard:
                try:
                    self._consume(cast(T, item))
                except BaseException as exc:  # re-raised in the producer thread
                    self._error = exc
