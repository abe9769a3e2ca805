"""The dataset tools' knobs: one pydantic model for the CLI, the API and job records.

Defaults are the seed's: eye line within ±30°, the face at least 40 % of the crop, nothing
turned beyond a full profile.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class DatasetParams(BaseModel):
    """How faces are cut out, judged and grouped. Every field has a range."""

    model_config = ConfigDict(extra="forbid")

    every: int = Field(1, ge=1, le=1000, description="keep every Nth frame of a video")
    size: Literal[256, 512, 1024] = Field(512, description="side of the aligned crops in px")
    max_faces: int = Field(6, ge=1, le=20, description="most faces cut out of one frame")
    min_face: float = Field(64, ge=8, le=4000, description="smallest face kept: the larger "
                            "side of its landmarks' box in the source, px")
    max_tilt: float = Field(30, ge=0, le=180, description="largest eye-line tilt in the "
                            "source frame, degrees either way")
    min_face_share: float = Field(0.40, ge=0, le=1, description="smallest share of the crop's "
                                  "area the face's box covers")
    min_sharpness: float = Field(6, ge=0, description="least detail in the face (variance "
                                 "of the Laplacian at 256 px): below is blurred")
    min_relative_sharpness: float = Field(0.5, ge=0, le=1, description="least detail as a "
                                          "share of the crops' around it in time (or of its "
                                          "photo folder's median): below is blurred (motion)")
    max_turn: float = Field(90, ge=0, le=180, description="largest turn from frontal (yaw "
                            "and pitch together), degrees: 90 is a full profile")
    k: Literal["auto"] | Annotated[int, Field(ge=1, le=200)] = Field(
        "auto", description='number of people: "auto" cuts the similarity tree at `cut`')
    cut: float = Field(0.53, gt=0, lt=2, description="face-descriptor distance at which "
                       "clusters stop merging (k auto)")
