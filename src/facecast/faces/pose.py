"""Head pose (yaw, pitch, roll in degrees) from the mesh's own 3D landmarks.

MediaPipe's landmarks carry a depth on the same scale as x, so the face's axes can be read
straight off the mesh: no canonical model and no camera calibration are needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facecast.faces import landmarks as L


@dataclass(frozen=True)
class Pose:
    """Degrees. yaw > 0: the face turns toward the image's right; pitch > 0: it looks down."""

    yaw: float
    pitch: float
    roll: float

    @property
    def turn(self) -> float:
        """How far from frontal the face points, ignoring roll (0 = facing the camera)."""
        return float(np.degrees(np.arccos(np.clip(
            np.cos(np.radians(self.yaw)) * np.cos(np.radians(self.pitch)), -1.0, 1.0))))


def face_axes(points3d: np.ndarray) -> np.ndarray:
    """Rows: the face's right-to-left axis, its downward axis and its forward (outward) axis.

    Image coordinates: x right, y down, z away from the camera.
    """
    x = points3d[L.LEFT_EYE_OUTER] - points3d[L.RIGHT_EYE_OUTER]
    x = x + (points3d[454] - points3d[234])
    x /= np.linalg.norm(x)
    down = points3d[L.CHIN] - points3d[L.FOREHEAD]
    down -= x * (down @ x)
    down /= np.linalg.norm(down)
    forward = np.cross(down, x)  # points out of the face, toward the camera for a frontal face
    return np.stack([x, down, forward])


def estimate_pose(points3d: np.ndarray) -> Pose:
    """Pose of a face from its 478 x 3 landmarks in pixel units."""
    x, _down, fwd = face_axes(points3d)
    yaw = np.degrees(np.arctan2(fwd[0], -fwd[2]))
    pitch = np.degrees(np.arctan2(fwd[1], np.hypot(fwd[0], fwd[2])))
    roll = np.degrees(np.arctan2(x[1], x[0]))
    return Pose(float(yaw), float(pitch), float(roll))
