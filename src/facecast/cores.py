"""How a swap's threads share the machine's cores: each of ours runs a whole stage.

The pipeline overlaps decoding, the face models (MediaPipe, with its own pool), rendering
and encoding, one thread each. The maths libraries' own pools on top of those only fight
them for the same cores: OpenBLAS's idle worker spun on `sched_yield` some 4,000 times a
frame of s18 (and a 3 x 3 inverse took 0.8 ms, waiting for it), and an OpenCV call split over
two cores waits for whichever of them another stage holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cv2
from threadpoolctl import threadpool_limits


@contextmanager
def own_threads_only() -> Iterator[None]:
    """numpy's BLAS and OpenCV on the calling threads only, for the `with` block."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        with threadpool_limits(1, user_api="blas"):
            yield
    finally:
        cv2.setNumThreads(previous)
