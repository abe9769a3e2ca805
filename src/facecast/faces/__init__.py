"""Faces: the MediaPipe mesh, pose, smoothing, embeddings and mesh rasterisation."""

from facecast.faces.mesh import Face, FaceDetector, FaceMesher
from facecast.faces.pose import Pose, estimate_pose

__all__ = ["Face", "FaceDetector", "FaceMesher", "Pose", "estimate_pose"]
