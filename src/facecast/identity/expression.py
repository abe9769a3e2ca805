"""What expression each selfie shows, zone by zone: which photos may paint which part of the face.

A swap paints the texture onto every frame and the target's own expressions are added back
by its mesh, so the texture must be the person's resting face. One grimace baked into it is
a fold on every frame; a tongue in the lips' texels is a smeared mouth on every frame. A
photo is read against the rest of its set (people differ in how open their eyes are or how
high their brows sit) and against fixed limits where a limit is universal (a mouth open a
tenth of the eye distance is open on anyone). Each measure is taken in the canonical frame
(unit distance between the outer eye corners), so head turn and photo size do not count.

Each zone of the face (lips, eyes, brows, cheeks with the folds beside the nose, forehead)
is painted only by photos that are neutral there: a frown may still give the lips and the
cheeks; a smile the eyes and the forehead. Limits were read on the shared selfie sets
(talking, grimacing, smiling, frowning, squinting, looking away).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.shape import axes_alignment, corner_lift

ZONES = ("lips", "eyes", "brows", "cheeks", "forehead")
"""The texture's zones that an expression changes; the rest (temples, jaw, the sides toward
the ears) takes any photo."""

OPEN_MOUTH = 0.03
"""Inner-lip gap in eye distances from which the lips count as apart: closed lips read under
0.01 in every shared set; lips parted by 0.055 (three of d3's selfies) painted a dark gap
into the texture that dlib's 68 points read as an open mouth on a closed one (s18-d3:
false openings in 25 % of frames)."""
WIDE_OPEN = 0.15  # a mouth this open stretches the cheeks too
SMILE = 0.025  # lip corners raised this much above the set's resting level (its lower quartile)
PURSED_WIDTH, PURSED_HEIGHT = 0.9, 1.03  # mouth narrower and lips fuller than the set's usual
PRESSED = 0.75  # lips this much thinner than the set's median: pressed together
LIPS_APART = 1.35  # lip height over the set's median: something between them (a tongue)
CLOSED_EYES = 0.12  # lid gap over eye width: closed, or looking far down
SQUINT, WIDE_EYES = 0.7, 1.35  # against the median of the set's open eyes
GAZE = 0.12  # iris off its usual place by this share of the eye's width: looking away
BROWS_RAISED, BROWS_LOWERED = 0.025, 0.018  # eye distances from the set's median height
FROWN = 0.94  # inner brow ends this much closer together than the set's median: frowning

ZONES_OF = {
    "mouth open": ("lips",),
    "mouth wide open": ("lips", "cheeks"),
    "smiling": ("lips", "cheeks"),
    "lips pursed": ("lips", "cheeks"),
    "lips pressed": ("lips",),
    "lips apart (tongue or teeth between)": ("lips",),
    "eyes closed": ("eyes",),
    "squinting": ("eyes",),
    "eyes wide open": ("eyes",),
    "looking away": ("eyes",),
    "brows raised": ("brows", "forehead"),
    "frowning": ("brows", "cheeks"),
}
"""Each expression a photo may show, and the zones it leaves to other photos."""

ASK_FOR = {
    "lips": "a closed, relaxed mouth (no smile, no pursed lips)",
    "eyes": "relaxed eyes open and looking at the camera",
    "brows": "relaxed brows (not raised, not frowning)",
    "cheeks": "a relaxed face (no smile, no frown)",
    "forehead": "relaxed brows (not raised)",
}
"""What to upload when no photo of a set is neutral in a zone."""


@dataclass
class Measures:
    """One photo's raw expression measures, in eye distances (eyes: lid gap / eye width)."""

    gap: float
    smile: float
    width: float
    height: float
    brow: float
    brow_gap: float
    eyes: float
    gaze: np.ndarray  # (right x, left x, mean y) iris offsets in eye widths


@dataclass
class Reading:
    """What one photo shows, and the zones it must not paint."""

    shows: list[str] = field(default_factory=list)

    @property
    def off(self) -> set[str]:
        return {z for what in self.shows for z in ZONES_OF[what]}

    def neutral(self, zone: str) -> bool:
        return zone not in self.off

    def notes(self) -> list[str]:
        """'mouth open: lips from other photos', one per expression seen."""
        return [f"{what}: {' and '.join(ZONES_OF[what])} from other photos"
                for what in self.shows]


def measure(face: Face) -> Measures:
    c = axes_alignment(face.points).to_canonical(face.points)[:, :2]
    eye = float(np.linalg.norm(c[L.LEFT_EYE_OUTER] - c[L.RIGHT_EYE_OUTER]))

    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(c[a] - c[b]))

    gap = dist(L.LIP_INNER_TOP, L.LIP_INNER_BOTTOM)
    smile = corner_lift(c)
    lips = dist(L.LIP_OUTER_TOP, L.LIP_OUTER_BOTTOM) - gap
    brow = float((c[L.RIGHT_EYE_INNER, 1] - c[L.BROW_INNER[0], 1]
                  + c[L.LEFT_EYE_INNER, 1] - c[L.BROW_INNER[1], 1]) / 2)
    lids, gaze = [], []
    for lid_pairs, outer, inner, iris in (
            (L.RIGHT_LIDS, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_IRIS),
            (L.LEFT_LIDS, L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER, L.LEFT_IRIS)):
        width = max(dist(outer, inner), 1e-6)
        lids.append(np.mean([dist(a, b) for a, b in lid_pairs]) / width)
        offset = (c[list(iris)].mean(axis=0) - (c[outer] + c[inner]) / 2) / width
        gaze.append(offset)
    return Measures(gap=gap / eye, smile=smile / eye, width=dist(L.MOUTH_LEFT, L.MOUTH_RIGHT) / eye,
                    height=lips / eye, brow=brow / eye, brow_gap=dist(*L.BROW_INNER) / eye,
                    eyes=float(np.mean(lids)),
                    gaze=np.array([gaze[0][0], gaze[1][0], (gaze[0][1] + gaze[1][1]) / 2]))


def read_set(faces: list[Face]) -> list[Reading]:
    """Each photo's expressions, read against the set it belongs to."""
    m = [measure(f) for f in faces]
    rest_smile = np.percentile([x.smile for x in m], 25)
    # the lips' usual width and fullness, from the photos where they are at rest: a set of
    # mostly smiles would make a resting mouth look pursed
    at_rest = [x for x in m if x.gap <= OPEN_MOUTH and x.smile - rest_smile <= SMILE] or m
    width = np.percentile([x.width for x in at_rest], 75)  # pursed photos are at rest too
    height = np.median([x.height for x in at_rest])
    brow = np.median([x.brow for x in m])
    brow_gap = np.median([x.brow_gap for x in m])
    open_eyes = [x for x in m if x.eyes >= CLOSED_EYES] or m
    eyes = np.median([x.eyes for x in open_eyes])
    gaze = np.median([x.gaze for x in open_eyes], axis=0)
    readings = []
    for x in m:
        checks = {
            "mouth wide open": x.gap > WIDE_OPEN,
            "mouth open": OPEN_MOUTH < x.gap <= WIDE_OPEN,
            "smiling": x.smile - rest_smile > SMILE,
            "lips pursed": x.width < PURSED_WIDTH * width and x.height > PURSED_HEIGHT * height,
            "lips pressed": x.height < PRESSED * height,
            "lips apart (tongue or teeth between)": x.height > LIPS_APART * height,
            "eyes closed": x.eyes < CLOSED_EYES,
            "squinting": CLOSED_EYES <= x.eyes < SQUINT * eyes,
            "eyes wide open": x.eyes > WIDE_EYES * eyes,
            "looking away": x.eyes >= CLOSED_EYES and bool(np.abs(x.gaze - gaze).max() > GAZE),
            "brows raised": x.brow - brow > BROWS_RAISED,
            "frowning": brow - x.brow > BROWS_LOWERED or x.brow_gap < FROWN * brow_gap,
        }
        readings.append(Reading([what for what, seen in checks.items() if seen]))
    return readings


def missing_zones(readings: list[Reading]) -> list[str]:
    """Zones no photo of the set shows neutral."""
    return [z for z in ZONES if not any(r.neutral(z) for r in readings)]
