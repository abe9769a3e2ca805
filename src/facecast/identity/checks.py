"""Per-photo checks for a selfie set: what makes a photo usable for an identity.

Thresholds are module constants so the report can quote them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from facecast.faces.mesh import Face

MIN_FACE_PX = 100
MIN_SHARPNESS = 10.0  # absolute floor: a Gaussian blur of 2 px on a 512 px selfie lands at 5-8
RELATIVE_SHARPNESS = 0.3  # and no photo much blurrier than the rest of its set
MAX_YAW = 40.0
MAX_PITCH = 30.0
MAX_ROLL = 35.0
SIMILAR_FACE_AREA = 0.35  # a second face at least this share of the first's area is "similar"


@dataclass
class PhotoReport:
    """What the build found in one photo; `problems` empty means accepted."""

    file: str
    width: int = 0
    height: int = 0
    enhanced: bool = False
    faces: int = 0
    face_px: float = 0.0
    sharpness: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    distance: float | None = None
    glasses: bool = False
    expression: list[str] = field(default_factory=list)
    """What expression the photo shows and what it leaves to the others ("mouth open: lips
    from other photos"); the photo is still used for the rest of the face."""
    problems: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        d = asdict(self)
        d["accepted"] = self.accepted
        return d


def sharpness(rgb: np.ndarray, face: Face) -> float:
    """Variance of the Laplacian over the face, at a fixed face size of 256 px.

    Normalising the size makes the figure independent of the photo's resolution, so one
    threshold separates sharp from motion- or focus-blurred faces.
    """
    x, y, w, h = face.box
    x0, y0 = max(int(x), 0), max(int(y), 0)
    crop = rgb[y0 : int(y + h), x0 : int(x + w)]
    if crop.size == 0:
        return 0.0
    scale = 256.0 / max(crop.shape[:2])
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def check_sharpness(reports: list[PhotoReport]) -> None:
    """Blur is judged against an absolute floor and against the set's own median, because
    the Laplacian's level depends on the camera and the scene as much as on focus."""
    measured = [r.sharpness for r in reports if r.face_px > 0]
    if not measured:
        return
    floor = max(MIN_SHARPNESS, RELATIVE_SHARPNESS * float(np.median(measured)))
    for r in reports:
        if r.face_px > 0 and r.sharpness < floor:
            r.problems.append(f"blurred (sharpness {r.sharpness:.0f}; at least {floor:.0f} "
                              "for this set)")


def check_face(report: PhotoReport, rgb: np.ndarray, face: Face) -> None:
    """Fill the face measurements and the soft problems (size, sharpness, pose)."""
    report.face_px = round(face.size, 1)
    report.sharpness = round(sharpness(rgb, face), 1)
    report.yaw, report.pitch, report.roll = (round(v, 1) for v in
                                             (face.pose.yaw, face.pose.pitch, face.pose.roll))
    if face.size < MIN_FACE_PX:
        report.problems.append(f"face too small ({face.size:.0f} px; at least {MIN_FACE_PX} px)")
    if abs(face.pose.yaw) > MAX_YAW:
        report.problems.append(f"head turned too far ({face.pose.yaw:+.0f}° yaw; "
                               f"at most ±{MAX_YAW:.0f}°)")
    if abs(face.pose.pitch) > MAX_PITCH:
        report.problems.append(f"head tilted up or down too far ({face.pose.pitch:+.0f}° pitch;"
                               f" at most ±{MAX_PITCH:.0f}°)")
    if abs(face.pose.roll) > MAX_ROLL:
        report.problems.append(f"head tilted sideways too far ({face.pose.roll:+.0f}° roll; "
                               f"at most ±{MAX_ROLL:.0f}°)")
