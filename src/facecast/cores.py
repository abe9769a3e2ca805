"""How a stream's threads share the machine's cores: each of ours runs a whole stage.

The pipeline overlaps decoding, the face models (MediaPipe, with its own pool), rendering
and encoding, one thread each. The maths libraries' own pools on top of those only fight
them for the same cores: OpenBLAS's idle worker spun on `sched_yield` some 4,000 times a
frame of s18 (and a 3 x 3 inverse took 0.8 ms, waiting for it), and an OpenCV call split over
two cores waits for whichever of them another stage holds.

The threads that swap are the ones the stream waits for; the helpers around them (decoding,
meshing the next frame, encoding) have queues that let them run a frame or two ahead or
behind. So helpers run at a lower priority: when they and the render thread want the same
core, the render thread gets it, and the helpers take the time it leaves.

Each frame's stages make and drop window- and frame-sized arrays by the dozen. glibc gives
blocks above its mmap threshold back to the kernel when freed and maps fresh, zeroed pages
for the next: on s18 that was 7 ms of system time a frame on the render thread
(`reuse_freed_memory`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
from threadpoolctl import threadpool_limits

HELPER_NICE = 5  # how much lower a helper thread runs (and the threads it starts: codecs')
HEAP_KEEP = 64 << 20
"""Bytes: blocks under this come from the heap and go back to it, and this much free heap
is kept; a 1080p frame in float32 RGB is 25 MB. Peak memory on s18: 506 -> 549 MB."""
ARENAS = 2
"""Heaps (glibc's arenas) the process's threads share. By default each thread that
allocates gets one of its own, up to 8 a core, and each keeps what its thread freed: a
swap's ~20 threads held 13 heaps of up to 53 MB each. Two: the 720x1280 close-up's peak
720 -> 668-680 MB (12 s, two runs each), its time unchanged within the runs' spread."""
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's mallopt parameters


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


def as_helper() -> None:
    """Lower the calling thread's priority by `HELPER_NICE` (Linux: nice is per thread);
    call it first thing in a helper thread. Where that is not possible, nothing changes."""
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + HELPER_NICE)


def reuse_freed_memory() -> None:
    """Have glibc's malloc keep freed blocks of up to `HEAP_KEEP` for the next allocation
    instead of unmapping them, in at most `ARENAS` heaps, so that what one thread freed
    serves the next (for the whole process, from now on: call it before the threads start).
    Elsewhere than glibc, nothing changes."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)  # the process's own symbols: libc's among them
        libc.mallopt(_M_MMAP_THRESHOLD, HEAP_KEEP)
        libc.mallopt(_M_TRIM_THRESHOLD, HEAP_KEEP)
        libc.mallopt(_M_ARENA_MAX, ARENAS)
