"""The issue's acceptance, from outside: stand-ins with the signatures of inswapper_128 and
arcface_w600k_r50 built here, added with `facecast models add --allow-unverified`, an
identity trained, and `facecast swap --engine inswapper_128` on a 720p clip it never saw:
frames, fps, size and sound kept; the face changed; pixels far from it untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import standins
from clips import MEDIA, frames_between, needs_media

from facecast.faces import landmarks as L
from facecast.faces.mesh import FaceMesher
from facecast.media import probe_video

pytestmark = needs_media
FACECAST = Path(sys.executable).with_name("facecast")
CLIP, END = MEDIA / "videos" / "s18.mp4", 1.0


def facecast(home: Path, *args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FACECAST_HOME=str(home), COLUMNS="200")
    return subprocess.run([str(FACECAST), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=600)


def test_inswapper_stand_in_swaps_a_720p_clip_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name, path in (("inswapper_128", standins.swapper(tmp_path / "a.onnx", "latent")),
                       ("arcface_w600k_r50", standins.recognizer(tmp_path / "b.onnx"))):
        added = facecast(home, "models", "add", path, "--as", name, "--allow-unverified")
        assert added.returncode == 0, added.stderr
    trained = facecast(home, "train", MEDIA / "identities" / "d10", "--name", "amy",
                       "--consent")
    assert trained.returncode == 0, trained.stderr
    with np.load(home / "identities" / "amy" / "identity.npz") as saved:
        assert "embedding:arcface_w600k_r50" in saved.files  # computed at training

    out = tmp_path / "out.mp4"
    swapped = facecast(home, "swap", "--identity", "amy", "--engine", "inswapper_128",
                       "--input", CLIP, "--output", out, "--end", END,
                       "--label", "off")  # pixels far from the face untouched: no "AI" mark
    assert swapped.returncode == 0, swapped.stderr
    assert "inswapper_128 is UNVERIFIED" in " ".join(swapped.stderr.split())

    source, info = probe_video(CLIP), probe_video(out)
    assert (info.width, info.height) == (source.width, source.height) == (1280, 720)
    assert abs(info.fps - source.fps) < 0.01
    with av.open(str(out)) as c:
        assert c.streams.audio, "the sound was dropped"
    before, after = frames_between(CLIP, 0.0, END), frames_between(out, 0.0, 10.0)
    assert len(after) == len(before)

    changed, face_frames, far = 0, 0, []
    with FaceMesher(video=True) as mesher:
        for a, b in zip(before, after, strict=True):
            faces = mesher.detect(a)
            if not faces:
                continue
            face_frames += 1
            oval = np.zeros(a.shape[:2], np.uint8)
            cv2.fillPoly(oval, [np.round(faces[0].xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
            inner = cv2.erode(oval, np.ones((15, 15), np.uint8)) > 0
            diff = np.abs(a.astype(np.int16) - b).max(axis=2)
            changed += diff[inner].mean() > 20
            x0, y0 = faces[0].xy[: L.N_MESH].min(axis=0)
            x1, y1 = faces[0].xy[: L.N_MESH].max(axis=0)
            grow = faces[0].size
            away = np.ones(a.shape[:2], bool)
            away[max(int(y0 - grow), 0): int(y1 + 2 * grow), max(int(x0 - grow), 0):
                 int(x1 + grow)] = False
            far.append(float(diff[away].mean()))
    assert face_frames >= 0.9 * len(before)
    assert changed >= 0.95 * face_frames
    assert max(far) < 3.0  # the encoder's own noise (1.2 mean, 1.6 at most when measured)
