"""Faces: the MediaPipe mesh, pose, smoothing, embeddings and mesh rasterisation."""

import os

# MediaPipe's C++ logging reads these when its library loads: set them before any import.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from facecast.faces.mesh import Face, FaceDetector, FaceMesher
from facecast.faces.pose import Pose, estimate_pose

__all__ = ["Face", "FaceDetector", "FaceMesher", "Pose", "estimate_pose"]
