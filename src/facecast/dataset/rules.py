"""The rules a crop must pass to stay in a dataset, each with a name a person can read.

A rule looks only at the crop's record (what extraction measured) and, for blur, at the
sharpness of the crops around it, so judging a folder of thousands of crops takes a moment
and can be redone with other thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from facecast.dataset.params import DatasetParams
from facecast.dataset.records import FaceRecord

NEIGHBOURS = 8  # crops on each side of a video's crop that it is compared with
MIN_COMPANY = 3  # fewest crops a median of comparison is taken over


@dataclass(frozen=True)
class Company:
    """The sharpness a crop is judged against, besides the absolute floor.

    Sharpness depends on the camera, the lens and the skin as much as on focus: a soft but
    steady video sits where a sharp video's motion-blurred frames do. So a video's crop is
    also compared with its neighbours in time: the median of the 8 crops before it and of
    the 8 after it, whichever is lower, so that at a cut to a softer shot the new shot is
    compared with itself. Motion blur, which lasts a few frames, stands out; a whole soft
    shot is left to the floor. A photo is compared with the median of its folder.
    """

    sharpness: float | None = None
    against: str = ""

    @classmethod
    def of_video(cls, sharpness: list[float]) -> list[Company]:
        """One per crop of a video, `sharpness` in frame order."""
        out = []
        for i in range(len(sharpness)):
            sides = [median(side) for side in (sharpness[max(0, i - NEIGHBOURS) : i],
                                               sharpness[i + 1 : i + 1 + NEIGHBOURS])
                     if len(side) >= MIN_COMPANY]
            out.append(cls(min(sides), "the crops around it") if sides else cls())
        return out

    @classmethod
    def of_photos(cls, sharpness: list[float]) -> Company:
        if len(sharpness) < MIN_COMPANY:
            return cls()
        return cls(median(sharpness), "its folder's median")


@dataclass(frozen=True)
class Rule:
    name: str
    meaning: str
    why: Callable[[FaceRecord, DatasetParams, Company], str | None]  # None: the crop passes


def _tilted(r: FaceRecord, p: DatasetParams, _c: Company) -> str | None:
    if abs(r.tilt) > p.max_tilt:
        return f"eye line tilted {r.tilt:+.0f}° in the frame (at most ±{p.max_tilt:g}°)"
    return None


def _too_small(r: FaceRecord, p: DatasetParams, _c: Company) -> str | None:
    if r.face_size < p.min_face:
        return f"face {r.face_size:.0f} px in the source (at least {p.min_face:g} px)"
    if r.face_share < p.min_face_share:
        return (f"face covers {r.face_share:.0%} of the crop (at least "
                f"{p.min_face_share:.0%})")
    return None


def _blurred(r: FaceRecord, p: DatasetParams, c: Company) -> str | None:
    if r.sharpness < p.min_sharpness:
        return f"sharpness {r.sharpness:.1f} (at least {p.min_sharpness:g})"
    if c.sharpness is not None and r.sharpness < p.min_relative_sharpness * c.sharpness:
        return (f"sharpness {r.sharpness:.1f}, under {p.min_relative_sharpness:.0%} of "
                f"{c.against} ({c.sharpness:.1f})")
    return None


def _cut_off(r: FaceRecord, _p: DatasetParams, _c: Company) -> str | None:
    if r.features_outside > 0:
        return (f"{r.features_outside:.0%} of the eyes, brows, nose, mouth and chin outside "
                "the frame")
    return None


def _turned_away(r: FaceRecord, p: DatasetParams, _c: Company) -> str | None:
    if r.pose.turn > p.max_turn:
        return f"turned {r.pose.turn:.0f}° from frontal (at most {p.max_turn:g}°)"
    return None


RULES = (
    Rule("tilted", "the eye line is tilted too far in the source frame", _tilted),
    Rule("too_small", "the face is too small in the source or in its crop", _too_small),
    Rule("blurred", "the face is blurred (motion or focus)", _blurred),
    Rule("cut_off", "facial features are cut off by the frame's edge", _cut_off),
    Rule("turned_away", "the head is turned away beyond a full profile", _turned_away),
)
REASONS = tuple(rule.name for rule in RULES)


def judge(record: FaceRecord, params: DatasetParams, company: Company | None = None
          ) -> dict[str, str]:
    """Every rule the crop fails, by name, with what was measured; empty if it passes."""
    company = company or Company()
    return {rule.name: why for rule in RULES
            if (why := rule.why(record, params, company)) is not None}
