"""The parameters of a swap or an edit: one pydantic model family for the CLI, the API schema
and job records.

`EditParams` is what `facecast edit` and `POST /api/edits` take (looks and trim, no face);
`SwapParams` adds the swap's own knobs. Every field has a range and a description, so the
CLI's errors, the API's 422s and its /docs all come from here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Style = Literal["realistic", "oil", "watercolor", "comic"]
STYLES: tuple[str, ...] = ("realistic", "oil", "watercolor", "comic")


def _level(description: str, low: float = -100.0) -> float:
    """A slider from `low` to 100 where 0 leaves the picture exactly as it was."""
    return Field(0.0, ge=low, le=100.0, description=description)


class Adjustments(BaseModel):
    """Photo and video adjustments. 0 is the exact identity for every one of them."""

    model_config = ConfigDict(extra="forbid")

    exposure: float = Field(0.0, ge=-3.0, le=3.0,
                            description="EV stops, -3..3: light times 2^EV, as a camera would")
    brightness: float = _level("-100..100: midtones darker or lighter; black and white stay")
    shadows: float = _level("-100..100: the dark parts of the picture darker or lighter")
    highlights: float = _level("-100..100: the bright parts of the picture darker or lighter")
    contrast: float = _level("-100..100: flatter or punchier tones around the middle grey")
    saturation: float = _level("-100..100: -100 is black and white, 100 twice as colourful")
    temperature: float = _level("-100..100: cooler (bluer) or warmer (more amber) white balance")
    tint: float = _level("-100..100: greener or more magenta white balance")
    sharpness: float = _level("-100..100: softer or crisper fine detail")
    clarity: float = _level("-100..100: less or more local contrast of mid-sized detail")
    noise_reduction: float = _level("0..100: smooths grain and sensor noise, keeping edges",
                                    low=0.0)
    resolution: float = Field(0.0, ge=-90.0, le=0.0,
                              description="-90..0: output width and height smaller by this "
                                          "percentage (0 keeps the source size)")
    quality: float = _level("-100..100: encoder quality, smaller files or finer detail "
                            "(0: H.264 CRF 18, JPEG 95)")

    def tonal(self) -> dict[str, float]:
        """The adjustments that change pixels (not the output's size or encoding), non-zero."""
        return {k: v for k, v in self.model_dump(exclude={"resolution", "quality"}).items()
                if v != 0}


class Sliders(BaseModel):
    """Portrait refinement: local warps of the face's features, each -100..100, 0 = unchanged,
    positive = more of what the name says."""

    model_config = ConfigDict(extra="forbid")

    eye_size: float = _level("smaller or larger eyes")
    nose_width: float = _level("narrower or wider nose")
    mouth_width: float = _level("narrower or wider mouth")
    lip_fullness: float = _level("thinner or fuller lips")
    face_width: float = _level("slimmer (negative) or wider cheeks")
    jaw: float = _level("narrower or wider jaw")
    chin_length: float = _level("shorter or longer chin")
    forehead_height: float = _level("lower or higher forehead")

    def active(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v != 0}


class EditParams(BaseModel):
    """How a photo or video looks: style, adjustments, portrait sliders, trim."""

    model_config = ConfigDict(extra="forbid")

    style: Style = Field("realistic", description="realistic (as filmed), oil, watercolor or "
                                                  "comic")
    style_scope: Literal["frame", "face"] = Field(
        "frame", description="paint the whole frame, or only the face")
    adjustments: Adjustments = Field(default_factory=Adjustments)
    sliders: Sliders = Field(default_factory=Sliders)
    start: float | None = Field(None, ge=0.0, description="trim: first second to keep")
    end: float | None = Field(None, gt=0.0, description="trim: second to stop before")
    label: bool = Field(False, description="a small \"AI\" mark in the bottom-right corner")

    @model_validator(mode="after")
    def _trim_order(self) -> EditParams:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class SwapParams(EditParams):
    """How a swap is done. Every field has a range; out-of-range values are rejected."""

    label: bool = Field(True, description="a small \"AI\" mark in the bottom-right corner: "
                        "on for swaps, since a swapped face is a deep fake")
    identity_strength: float = Field(1.0, ge=0.0, le=1.0,
                                     description="0 keeps the original face, 1 is fully the user")
    # 1.0 measured on the eval matrix against 0.6: id_win 0.83 -> 0.88, id_user 0.567 -> 0.547
    shape_strength: float = Field(1.0, ge=0.0, le=1.0,
                                  description="how far the face shape moves toward the user's")
    likeness: float = Field(0.0, ge=0.0, le=1.0,
                            description="how much of the shading of the user's own forms "
                                        "from the selfies the face keeps beyond its middle "
                                        "(brows, eyes and nose keep theirs always): 0 takes "
                                        "the footage's light on the cheeks and outline (fits "
                                        "the scene best), 1 the selfies' over the whole face "
                                        "(recognised as the user best)")
    match: float | None = Field(None, ge=0.0, le=1.0,
                                description="how far the swapped face takes on the target's "
                                            "own detail, texture and colours (a painting's "
                                            "brushwork, a film's grain); 0 keeps the selfies' "
                                            "look; unset: 1 on photos, 0 on videos")
    engine: str = Field("mesh", pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                        description="what draws the face: mesh (the default, no model needed) "
                                    "or an installed swapper model (`facecast models list`), "
                                    "e.g. inswapper_128")
    enhancer: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                                 description="an installed face restoration model run after "
                                             "the swap (gfpgan_1.4, codeformer, gpen_bfr_512);"
                                             " unset: none")
    target_glasses: bool = Field(False, description="the target wears clear or thin-rimmed "
                                 "glasses: their rims are learnt over the clip and kept in "
                                 "front of the swapped face (dark frames are kept without it)")
    mask_models: list[str] = Field(default_factory=list, max_length=4,
                                   description="installed occluder or face-parser models "
                                               "(xseg_1, bisenet_resnet_34): where they see "
                                               "no face, the swap leaves the frame alone")

    def match_for(self, *, video: bool) -> float:
        """The match's strength. Unset, photos are matched (a painting, a drawing, a scan:
        the portraits users bring) and videos are not: footage is photographic, its light
        and colour are already carried by relighting, and matching its colours frame by
        frame added flicker (s18: 1.04 -> 1.08) and pulled the skin toward the target's."""
        if self.match is not None:
            return self.match
        return 0.0 if video else 1.0
