"""Per-face state through a video: smoothing, shape learning, the fade weight, the target's
moles found so far, and what shading, relighting and detail matching carry from frame to
frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from facecast.compose import DetailMatcher, Occlusion, Relighter
from facecast.compose.canvas import working_scale
from facecast.compose.clear_glasses import ClearGlasses
from facecast.compose.folds import Folds
from facecast.compose.iris import IrisTint
from facecast.compose.marks import CONFIRM, TargetMarks
from facecast.compose.motion import MotionBlur
from facecast.compose.rims import GlassesRims
from facecast.compose.shade import Shader
from facecast.compose.steady import Steadier
from facecast.faces.mesh import Face
from facecast.faces.smoothing import MeshFilter
from facecast.imaging import smoothstep
from facecast.swap.shape import ShapeTransfer

FADE_START = 50.0  # degrees from frontal where the swap starts to fade out
FADE_END = 80.0  # and where it is gone (a face this turned is a profile)
MAX_WEIGHT_STEP = 0.12  # per frame: the fade never pops
LOST_AFTER = 10  # frames without the face before its track starts afresh


def profile_weight(face: Face) -> float:
    """1 for faces up to FADE_START from frontal, 0 from FADE_END, smooth between."""
    return float(1.0 - smoothstep((face.pose.turn - FADE_START) / (FADE_END - FADE_START)))


@dataclass
class FaceTrack:
    """What one tracked face carries from frame to frame."""

    neutral: np.ndarray
    uv: np.ndarray
    still: bool = False  # a photo: one frame, whose own expression is all there is to go by
    smoother: MeshFilter = field(default_factory=MeshFilter)
    shape: ShapeTransfer = field(init=False)
    occlusion: Occlusion = field(init=False)
    marks: TargetMarks = field(init=False)
    shade: Shader = field(default_factory=Shader)
    light: Relighter = field(default_factory=Relighter)
    folds: Folds = field(default_factory=Folds)
    detail: DetailMatcher = field(default_factory=DetailMatcher)
    motion: MotionBlur = field(default_factory=MotionBlur)
    rims: GlassesRims = field(default_factory=GlassesRims)
    glasses: ClearGlasses = field(default_factory=ClearGlasses)
    iris: IrisTint = field(default_factory=IrisTint)
    steady: Steadier = field(default_factory=Steadier)
    weight: float | None = None
    missed: int = 0
    scale: float = 1.0
    """The scale the face is drawn at (`compose.canvas`), on the drawing thread."""
    composed_scale: float = 1.0
    """And the scale of the frames the composing thread had last."""

    def __post_init__(self) -> None:
        self.shape = ShapeTransfer(self.neutral, still=self.still)
        self.occlusion = Occlusion(self.uv)
        self.marks = TargetMarks(1 if self.still else CONFIRM)

    def observe(self, face: Face, t: float, ahead: Sequence[tuple[float, np.ndarray]] = ()
                ) -> tuple[Face, float]:
        """Smoothed face and its blend weight for a frame where the face was found; `ahead`:
        its points in the frames after this one (time, points), nearest first."""
        if self.missed > LOST_AFTER:
            self.smoother.reset()
            self.occlusion.reset()
            self.marks.reset()
            self.shade.reset()
            self.light.reset()
            self.folds.reset()
            self.detail.reset()
            self.motion.reset()
            self.rims.reset()
            self.glasses.reset()
            self.iris.reset()
            self.weight = None
        self.missed = 0
        smoothed = Face(self.smoother.both_ways(face.points, t, ahead))
        target = profile_weight(smoothed)
        if self.weight is None:
            self.weight = target
        else:
            self.weight += float(np.clip(target - self.weight, -MAX_WEIGHT_STEP, MAX_WEIGHT_STEP))
        return smoothed, self.weight

    def work_at(self, face_size: float) -> float:
        """The scale this frame's face is drawn at (`compose.canvas.working_scale`)."""
        self.scale = working_scale(face_size, self.scale)
        return self.scale

    def compose_at(self, scale: float) -> None:
        """Called by the composing thread with each frame's scale: at a new one, what it
        carries in pixels (the detail's sharpness and brow blur, the motion, the steadying's
        last frame, the irises' open level) starts afresh."""
        if scale != self.composed_scale:
            self.composed_scale = scale
            self.detail.reset()
            self.motion.reset()
            self.steady.reset()
            self.iris.reset()

    def lose(self) -> None:
        self.missed += 1
