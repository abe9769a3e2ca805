"""Faces: the MediaPipe mesh, pose, smoothing, embeddings and mesh rasterisation."""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType

# MediaPipe's C++ logging reads these when its library loads: set them before any import.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LOADED_ON_USE = ("mediapipe.python.solutions.drawing_utils",
                 "mediapipe.python.solutions.drawing_styles", "mediapipe.tasks.python")
"""Parts of MediaPipe its package imports that facecast never calls: the drawing helpers
(they import matplotlib's pyplot, 0.6 s of every swap's start-up) and the Tasks API
(0.08 s). Their modules are made at import and run at their first use, if any."""


class _LoadedOnUse(importlib.abc.MetaPathFinder):
    """Finds `LOADED_ON_USE` as the import system would, behind `importlib.util.LazyLoader`."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name not in LOADED_ON_USE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


if not any(isinstance(f, _LoadedOnUse) for f in sys.meta_path):
    sys.meta_path.insert(0, _LoadedOnUse())

from facecast.faces.detector import FaceDetector  # noqa: E402
from facecast.faces.mesh import Face, FaceMesher  # noqa: E402
from facecast.faces.pose import Pose, estimate_pose  # noqa: E402

__all__ = ["Face", "FaceDetector", "FaceMesher", "Pose", "estimate_pose"]
