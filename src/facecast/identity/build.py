"""Build an identity ("training") from 5-15 selfies: check each photo, then merge them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from facecast.errors import FacecastError, IdentityError
from facecast.faces import arcface, recognizer
from facecast.faces import landmarks as L
from facecast.faces.detector import FaceDetector
from facecast.faces.embedding import SAME_PERSON, distance, embed
from facecast.faces.glasses import wears_glasses
from facecast.faces.iris import iris_colour, iris_colour_through_lenses
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.shape import mean_shape
from facecast.identity.checks import SIMILAR_FACE_AREA, PhotoReport, check_face, check_sharpness
from facecast.identity.enhance import enhance, needs_enhancing
from facecast.identity.expression import ASK_FOR, ZONES_OF, Reading, missing_zones, read_set
from facecast.identity.model import Identity, check_name, save
from facecast.identity.texture import build_texture
from facecast.identity.uv import point_zones, uv_layout, uv_masks, zone_masks
from facecast.media import read_image

MIN_PHOTOS = 5
MAX_PHOTOS = 15
THROUGH_LENSES = ("no photo shows your eyes without glasses, so your eye colour was read "
                  "through the lenses, whose reflections can make eyes look lighter or bluer "
                  "than they are. Add a photo without glasses, looking at the camera, for a "
                  "truer colour.")

Progress = Callable[[int, int, str], None]


def collect_photos(inputs: Sequence[str | Path]) -> list[Path]:
    """Files named directly, and the (non-hidden) files inside named folders, in order."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file()
                                and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise IdentityError(f"{path}: no such file or folder")
    return files


def check_count(n: int, min_photos: int, max_photos: int) -> None:
    if n < min_photos:
        raise IdentityError(f"{n} photo{'s' * (n != 1)} given; at least {min_photos} are needed: "
                            f"add {min_photos - n} more")
    if n > max_photos:
        raise IdentityError(f"{n} photos given; at most {max_photos} are used: "
                            f"drop {n - max_photos}")


def _inspect(path: Path, mesher: FaceMesher, detector: FaceDetector
             ) -> tuple[PhotoReport, np.ndarray | None, Face | None, str | None]:
    """Read and check one photo. Returns (report, rgb, face, hard problem or None)."""
    report = PhotoReport(file=path.name)
    try:
        rgb = read_image(path).rgb
    except FacecastError as exc:
        return report, None, None, str(exc)
    report.height, report.width = rgb.shape[:2]
    if needs_enhancing(rgb):
        rgb = enhance(rgb)
        report.enhanced = True
    boxes = detector.boxes(rgb)
    faces = mesher.detect(rgb)
    report.faces = len(boxes)
    if not faces:
        return report, rgb, None, f"{path.name}: no face found"
    areas = [w * h for _, _, w, h, _ in boxes]
    if len(areas) >= 2 and areas[1] >= SIMILAR_FACE_AREA * areas[0]:
        return report, rgb, None, (f"{path.name}: {len(boxes)} faces of similar size; use a photo"
                                   " where you are the only (or clearly the largest) face")
    check_face(report, rgb, faces[0])
    report.glasses = wears_glasses(rgb, faces[0])
    return report, rgb, faces[0], None


def _same_person(reports: list[PhotoReport], embeddings: np.ndarray) -> list[str]:
    """Flag photos whose face is far from the set's consensus (the medoid's neighbours)."""
    d = distance(embeddings[:, None], embeddings[None])
    typical = np.nanmedian(np.where(np.eye(len(d), dtype=bool), np.nan, d), axis=1)
    medoid = int(np.argmin(typical))
    problems = []
    for i, rep in enumerate(reports):
        rep.distance = round(float(d[i, medoid]), 3)
        if i != medoid and d[i, medoid] > SAME_PERSON and typical[i] > SAME_PERSON:
            rep.problems.append("shows a different person than the other photos")
            problems.append(f"{rep.file}: shows a different person than the other photos "
                            f"(face distance {typical[i]:.2f}; same person is under "
                            f"{SAME_PERSON}); remove it")
    return problems


def _check_zones(readings: list[Reading]) -> None:
    """Refuse a set in which no photo is neutral in some zone: that zone would carry a
    grimace onto every frame of every swap."""
    missing = missing_zones(readings)
    if not missing:
        return
    lines = []
    for zone in missing:
        seen = sorted({what for r in readings for what in r.shows if zone in ZONES_OF[what]})
        lines.append(f"every photo shows {' or '.join(seen)}, so the {zone} can't be built: "
                     f"add 2 photos with {ASK_FOR[zone]}")
    raise IdentityError("this set has no relaxed face to build from:\n  " + "\n  ".join(lines))


def _neutral_shape(meshes: list[np.ndarray], readings: list[Reading]) -> np.ndarray:
    """The resting 3D shape: each point's median over the photos neutral in its zone (an
    open mouth in half the set would otherwise open the neutral mouth)."""
    first = mean_shape(meshes)
    uv = uv_layout(first)
    zones = point_zones(uv, zone_masks(uv))
    use = np.array([[z is None or r.neutral(z) for z in zones] for r in readings])
    return mean_shape(meshes, use)


def build_identity(inputs: Sequence[str | Path], name: str, *, min_photos: int = MIN_PHOTOS,
                   max_photos: int = MAX_PHOTOS, progress: Progress | None = None,
                   root: Path | None = None, consent: dict[str, str] | None = None
                   ) -> Identity:
    """Check the photos, merge the accepted ones into an identity and save it (in `root`,
    default the user's store: see `model.identities_dir`), with the user's `consent`
    (`identity.consent.record`) in its report.

    Unreadable files, photos without a face, with two similar faces or of another person
    fail the whole build (every such photo is named); blurred, small or turned photos are
    left out and reported, and the build fails only if too few remain.
    """
    started = time.perf_counter()
    check_name(name)
    files = collect_photos(inputs)
    check_count(len(files), min_photos, max_photos)
    step = progress or (lambda i, n, what: None)

    reports, images, faces, hard = [], [], [], []
    with FaceMesher(video=False, max_faces=2) as mesher:
        detector = FaceDetector()
        try:
            for i, path in enumerate(files):
                step(i, len(files) + 1, path.name)
                report, rgb, face, problem = _inspect(path, mesher, detector)
                reports.append(report)
                images.append(rgb)
                faces.append(face)
                if problem:
                    report.problems.append(problem.split(": ", 1)[-1])
                    hard.append(problem)
        finally:
            detector.close()
    check_sharpness(reports)
    with_face = [i for i, f in enumerate(faces) if f is not None]
    emb = np.stack([embed(images[i], faces[i].box) for i in with_face]) if with_face else None
    if len(with_face) >= 2:
        hard.extend(_same_person([reports[i] for i in with_face], emb))
    if hard:
        raise IdentityError("these photos can't be used:\n  " + "\n  ".join(hard))

    accepted = [i for i in with_face if reports[i].accepted]
    if len(accepted) < min_photos:
        rejected = [f"{r.file}: {'; '.join(r.problems)}" for r in reports if not r.accepted]
        raise IdentityError(
            f"only {len(accepted)} of {len(files)} photos are usable; at least {min_photos} are "
            f"needed. Replace these:\n  " + "\n  ".join(rejected))

    readings = read_set([faces[i] for i in accepted])
    for i, reading in zip(accepted, readings, strict=True):
        reports[i].expression = reading.notes()
    if len(readings) >= MIN_PHOTOS:  # one or two portraits (`--min-photos 1`) build as they are
        _check_zones(readings)

    step(len(files), len(files) + 1, "texture")
    neutral = _neutral_shape([faces[i].points for i in accepted], readings)
    uv = uv_layout(neutral)
    uv_ids, alpha, skin, features = uv_masks(uv)
    glasses = [reports[i].glasses for i in accepted]
    texture, confidence = build_texture(
        [images[i] for i in accepted], [faces[i] for i in accepted],
        [reports[i].sharpness for i in accepted], uv, uv_ids, skin, features, readings,
        neutral, glasses)
    alpha *= confidence
    embedding = emb[[with_face.index(i) for i in accepted]].mean(axis=0)
    arc = (np.mean([arcface.embed(images[i], faces[i]) for i in accepted], axis=0)
           if arcface.available() else None)
    neural = recognizer.embeddings_of([images[i] for i in accepted], [faces[i] for i in accepted])
    # bare eyes tell their colour best; only without them is it read through the lenses
    irises = [c for i in accepted if not reports[i].glasses
              and (c := iris_colour(cv2.cvtColor(images[i], cv2.COLOR_RGB2LAB), faces[i].xy))
              is not None]
    behind_lenses = not irises
    if behind_lenses:
        irises = [c for i in accepted if reports[i].glasses
                  and (c := iris_colour_through_lenses(images[i], faces[i].xy)) is not None]
    report = {
        "name": name,
        "photos": [r.as_dict() for r in reports],
        "accepted": len(accepted),
        "rejected": len(files) - len(accepted),
        "build_seconds": round(time.perf_counter() - started, 2),
        "mesh_points": L.N_LANDMARKS,
        "warnings": ([] if not behind_lenses else [THROUGH_LENSES] if irises
                     else [_no_eye_colour(all(reports[i].glasses for i in accepted))]),
        "consent": consent,
    }
    identity = Identity(name=name, texture=texture, uv=uv, alpha=alpha, skin=skin,
                        neutral=neutral, embedding=embedding.astype(np.float32), report=report,
                        arc_embedding=arc, embeddings=neural,
                        iris=np.median(irises, axis=0).astype(np.float32) if irises else None)
    save(identity, root)
    step(len(files) + 1, len(files) + 1, "saved")
    return identity


def _no_eye_colour(glasses: bool) -> str:
    """What the user is told when their eye colour could not be read (`faces.iris`)."""
    if glasses:
        return ("every photo wears glasses, and no eye shows clearly enough behind them to read "
                "its colour: swaps keep the eye colour of the face they replace. Add a photo "
                "without glasses to fix it.")
    return ("no photo shows your eyes open clearly enough to read their colour: swaps keep the "
            "eye colour of the face they replace. Add a photo looking at the camera with "
            "open eyes to fix it.")


def arc_embedding_of(inputs: Sequence[str | Path]) -> np.ndarray:
    """The mean ArcFace embedding of the largest face in each photo (files or folders):
    for measuring an identity built before the recogniser's model was installed (the store
    keeps no photos)."""
    found = []
    with FaceMesher(video=False) as mesher:
        for path in collect_photos(inputs):
            rgb = read_image(path).rgb
            faces = mesher.detect(rgb)
            if faces:
                found.append(arcface.embed(rgb, faces[0]))
    if not found:
        raise IdentityError(f"no face found in {', '.join(str(i) for i in inputs)}")
    return np.mean(found, axis=0)
