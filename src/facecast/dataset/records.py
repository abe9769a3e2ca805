"""The JSON record beside each crop: where the face came from and what was measured on it.

The filter rules read only these records (never the pixels again), so every figure a rule
needs is measured once, at extraction, and a person can see why a crop was rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from facecast.errors import DatasetError

CROP_SUFFIXES = (".jpg", ".png")


class PoseRecord(BaseModel):
    yaw: float
    pitch: float
    roll: float
    turn: float = Field(description="degrees from frontal, yaw and pitch together")


class FaceRecord(BaseModel):
    """One aligned crop. Coordinates: `landmarks` in the crop's pixels, `box` in the
    source's; `transform` maps source pixels to crop pixels (2 x 3 affine)."""

    source: str = Field(description="the video or photo the face was cut from, as named")
    frame: int = Field(description="index of the source frame (or of the photo in its folder)")
    time: float | None = Field(None, description="seconds into the video")
    face: int = Field(0, description="which face of the frame, largest first")
    source_size: tuple[int, int] = Field(description="width, height of the source frame")
    crop_size: int
    transform: list[list[float]]
    box: tuple[float, float, float, float] = Field(description="x, y, w, h in the source")
    face_size: float = Field(description="larger side of `box`, px in the source")
    face_share: float = Field(description="share of the crop's area inside the face outline")
    tilt: float = Field(description="eye line's angle in the source frame, degrees")
    pose: PoseRecord
    sharpness: float = Field(description="variance of the Laplacian over the face at 256 px")
    features_outside: float = Field(description="share of eye, brow, nose, mouth and chin "
                                    "points outside the source frame")
    landmarks: list[list[float]] = Field(description="478 x 3 mesh points in crop pixels")

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json())

    @classmethod
    def load(cls, path: Path) -> FaceRecord:
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise DatasetError(f"{path} is not a face record written by `facecast dataset "
                               f"extract` ({type(exc).__name__})") from exc


def crop_of(record_path: Path) -> Path | None:
    """The crop image beside a record, if there is one."""
    for suffix in CROP_SUFFIXES:
        crop = record_path.with_suffix(suffix)
        if crop.is_file():
            return crop
    return None


def find_records(folder: Path, skip: tuple[Path, ...] = ()) -> Iterator[tuple[Path, Path]]:
    """(record, crop) pairs under `folder`, in name order, leaving out folders in `skip`
    (an output or rejects folder placed inside the input)."""
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder")
    skipped = [s.resolve() for s in skip]
    for record in sorted(folder.rglob("*.json")):
        if any(record.resolve().is_relative_to(s) for s in skipped):
            continue
        crop = crop_of(record)
        if crop is not None:
            yield record, crop
