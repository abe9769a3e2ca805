"""The one place for facts about MediaPipe's 478-point face mesh: index groups and triangles.

The wheel ships the mesh's edges (its tessellation) but no triangle list or UV layout, so the
triangles are recovered here from the edges, once per process, and wound consistently.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as _mc

N_LANDMARKS = 478
N_MESH = 468  # the last 10 points are the irises, which are not part of the surface

NOSE_TIP = 1
FOREHEAD = 10
CHIN = 152
RIGHT_EYE_OUTER = 33  # the subject's right eye: on the image's left in a frontal view
RIGHT_EYE_INNER = 133
LEFT_EYE_OUTER = 263
LEFT_EYE_INNER = 362
RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM = 159, 145
LEFT_EYE_TOP, LEFT_EYE_BOTTOM = 386, 374
MOUTH_LEFT, MOUTH_RIGHT = 291, 61
LIP_INNER_TOP, LIP_INNER_BOTTOM = 13, 14
LIP_OUTER_TOP, LIP_OUTER_BOTTOM = 0, 17
RIGHT_LIDS = ((159, 145), (158, 153), (160, 144))  # upper and lower lid points, facing pairs
LEFT_LIDS = ((386, 374), (385, 380), (387, 373))
NOSE = (168, 193, 245, 129, 64, 98, 97, 2, 326, 327, 294, 358, 465, 417)
"""The nose's outline, from between the eyes around the wings to below the tip."""
NOSTRILS = (98, 97, 2, 326, 327, 294, 4, 64)
"""Around the nostrils and under the tip: dark in every face, a feature, not skin."""
BROW_INNER = (55, 285)  # the inner ends of the right and left brows
RIGHT_IRIS = tuple(range(468, 473))
LEFT_IRIS = tuple(range(473, 478))

RIGID_POINTS = (NOSE_TIP, 4, 6, 168, RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_OUTER,
                LEFT_EYE_INNER, FOREHEAD, 234, 454, 127, 356)
"""Points that barely move with expression: used for alignment and pose."""


def _loop(edges: frozenset[tuple[int, int]]) -> tuple[int, ...]:
    """Order a closed contour given as an unordered set of edges."""
    nxt: dict[int, list[int]] = {}
    for a, b in edges:
        nxt.setdefault(a, []).append(b)
        nxt.setdefault(b, []).append(a)
    start = min(nxt)
    order, prev, cur = [start], -1, start
    while True:
        a, b = nxt[cur]
        step = b if a == prev else a
        if step == start:
            return tuple(order)
        order.append(step)
        prev, cur = cur, step


def _lip_loops() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split FACEMESH_LIPS (two closed loops) into (outer, inner)."""
    edges = set(_mc.FACEMESH_LIPS)
    loops = []
    while edges:
        first = next(iter(edges))
        group, frontier = {first}, {first[0], first[1]}
        changed = True
        while changed:
            changed = False
            for e in list(edges - group):
                if e[0] in frontier or e[1] in frontier:
                    group.add(e)
                    frontier |= {e[0], e[1]}
                    changed = True
        edges -= group
        loops.append(_loop(frozenset(group)))
    outer, inner = sorted(loops, key=len, reverse=True) if len(loops[0]) != len(loops[1]) else loops
    if LIP_INNER_TOP not in inner:
        outer, inner = inner, outer
    return outer, inner


FACE_OVAL = _loop(frozenset(_mc.FACEMESH_FACE_OVAL))
RIGHT_EYE = _loop(frozenset(_mc.FACEMESH_RIGHT_EYE))
LEFT_EYE = _loop(frozenset(_mc.FACEMESH_LEFT_EYE))
RIGHT_BROW = tuple(sorted({i for e in _mc.FACEMESH_RIGHT_EYEBROW for i in e}))
LEFT_BROW = tuple(sorted({i for e in _mc.FACEMESH_LEFT_EYEBROW for i in e}))
LIPS_OUTER, LIPS_INNER = _lip_loops()
LIPS_INNER_CORNERS = (308, 78)  # the inner loop's ends, at the mouth's left and right
LIPS_FACING = ((13, 14), (82, 87), (81, 178), (80, 88), (312, 317), (311, 402), (310, 318))
"""Upper and lower inner-lip points facing each other, the middle pair first: how open a
mouth is, and where its lips meet."""


def _between(loop: tuple[int, ...], ends: tuple[int, int], through: int) -> tuple[int, ...]:
    """The chain of a closed `loop` from one of `ends` to the other that holds `through`."""
    i, j = loop.index(ends[0]), loop.index(ends[1])
    one = loop[i : j + 1] if i < j else loop[i:] + loop[: j + 1]
    other = loop[j : i + 1] if j < i else loop[j:] + loop[: i + 1]
    return one if through in one else other[::-1]


def _lip(outer_through: int, inner_through: int) -> tuple[int, ...]:
    """One lip's outline: its outer edge from corner to corner, back along its inner one."""
    outer = _between(LIPS_OUTER, (MOUTH_LEFT, MOUTH_RIGHT), outer_through)
    inner = _between(LIPS_INNER, LIPS_INNER_CORNERS, inner_through)
    return outer + inner[::-1]


UPPER_LIP = _lip(LIP_OUTER_TOP, LIP_INNER_TOP)
LOWER_LIP = _lip(LIP_OUTER_BOTTOM, LIP_INNER_BOTTOM)


@cache
def triangles() -> np.ndarray:
    """The mesh's 852 triangles (int32, T x 3), wound consistently.

    Triangles are the 3-cycles of the tessellation graph, minus two 3-cycles that are not faces
    (their three edges are each shared by three cycles). Winding is made consistent by walking
    the mesh so that neighbours traverse their shared edge in opposite directions; the global
    sign is arbitrary and callers compare signs against the majority (see `front_facing`).
    """
    edges = {tuple(sorted(e)) for e in _mc.FACEMESH_TESSELATION}
    adj: dict[int, set[int]] = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    cycles = {tuple(sorted((a, b, c))) for a, b in edges for c in adj[a] & adj[b]}
    use = Counter(e for t in cycles for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])))
    faces = [t for t in cycles
             if not all(use[e] > 2 for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])))]
    faces.sort()
    by_edge: dict[tuple[int, int], list[int]] = {}
    for i, (a, b, c) in enumerate(faces):
        for e in ((a, b), (b, c), (a, c)):
            by_edge.setdefault(e, []).append(i)
    wound: dict[int, tuple[int, int, int]] = {0: faces[0]}
    stack = [0]
    while stack:
        i = stack.pop()
        t = wound[i]
        directed = {(t[0], t[1]), (t[1], t[2]), (t[2], t[0])}
        for a, b in directed:
            for j in by_edge[tuple(sorted((a, b)))]:
                if j in wound:
                    continue
                x, y, z = faces[j]
                cand = (x, y, z)
                cdir = {(x, y), (y, z), (z, x)}
                if (a, b) in cdir:  # must traverse the shared edge the other way
                    cand = (x, z, y)
                wound[j] = cand
                stack.append(j)
    return np.array([wound[i] for i in range(len(faces))], dtype=np.int32)


def signed_areas(points2d: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle in 2D."""
    p = points2d[tris]
    return ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1]))


def front_facing(points2d: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Boolean mask of triangles facing the camera.

    With a consistent winding, triangles facing the viewer share the sign of the majority
    (a tracked face always shows most of its surface).
    """
    a = signed_areas(points2d, tris)
    sign = np.sign(a.sum()) or 1.0
    return a * sign > 0
