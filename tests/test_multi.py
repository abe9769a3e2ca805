"""Several faces at once: the face list, selection and mapping, a group photo with six
identities, and a two-person video whose tracks keep their ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clips import MEDIA, decoded, needs_media, side_by_side, write_clip

from facecast.casting.face_list import FaceList, face_list
from facecast.casting.selection import Cast, parse_faces, parse_map, roles
from facecast.errors import ParamError
from facecast.faces.embedding import distance, embed
from facecast.identity.build import build_identity
from facecast.media import read_image, write_image
from facecast.params import SwapParams
from facecast.pipeline import FaceSwapper, swap_file

pytestmark = needs_media

GROUP = MEDIA / "portraits" / "group_t1.jpg"
OUT = Path(__file__).resolve().parents[1] / "out" / "multi"
# who goes on each of the group's faces (numbered left to right): the five selfie sets and a
# one-photo identity, women on women and men on men, as a user would choose
CAST = ["d10", "d3", "d9", "d0", "s12", "d14"]
UNCHANGED = 2.0  # mean grey levels: what encoding alone moves (JPEG q95: 0.5 measured; two
# H.264 encodes of one half frame whose other half differs: up to 1.4)
CHANGED = 6.0
CHANGED_HALF = 2.0  # over half a frame, of which the face is a part


@pytest.fixture(scope="module")
def people(identity, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The six identities of CAST (d10 is the session's)."""
    root = tmp_path_factory.mktemp("identities")
    built = {"d10": identity}
    for name in ("d0", "d3", "d9", "d14"):
        built[name] = build_identity([MEDIA / "identities" / name], name, root=root)
    built["s12"] = build_identity([MEDIA / "portraits" / "s12.jpg"], "s12", min_photos=1,
                                  root=root)
    return built


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> FaceList:
    return face_list(GROUP, tmp_path_factory.mktemp("group-faces"))


def box_change(a: np.ndarray, b: np.ndarray, box: list[float]) -> float:
    x, y, w, h = (int(v) for v in box)
    return float(np.abs(a[y:y + h, x:x + w].astype(int) - b[y:y + h, x:x + w]).mean())


def test_group_photo_lists_six_faces_left_to_right(group: FaceList) -> None:
    assert group.ids == [0, 1, 2, 3, 4, 5]
    xs = [f.box[0] for f in group.faces]
    assert xs == sorted(xs)
    assert all(90 <= f.size <= 150 for f in group.faces)  # small faces, each meshed


def test_six_identities_each_on_its_face(people: dict, group: FaceList, tmp_path: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "group.jpg"
    cast = Cast({fid: people[name] for fid, name in enumerate(CAST)}, group)
    result = swap_file(cast, GROUP, out, sheet=OUT / "group_swap.png")
    assert result.faces == dict.fromkeys(range(6), 1)
    before, after = read_image(GROUP).rgb, read_image(out).rgb
    targets = np.stack([people[name].embedding for name in CAST])
    for face in group.faces:
        assert box_change(before, after, face.box) > CHANGED, face.id
        gaps = distance(targets, embed(after, tuple(face.box)))
        assert int(np.argmin(gaps)) == face.id, (face.id, np.round(gaps, 2))


def test_one_picked_face_changes_and_the_others_do_not(identity, group: FaceList,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "one.jpg"
    result = swap_file(Cast({2: identity}, group), GROUP, out)
    assert result.faces == {2: 1}
    before, after = read_image(GROUP).rgb, read_image(out).rgb
    for face in group.faces:
        change = box_change(before, after, face.box)
        assert change > CHANGED if face.id == 2 else change < UNCHANGED, (face.id, change)


def test_two_people_keep_their_ids_and_only_the_chosen_one_changes(identity, tmp_path: Path
                                                                   ) -> None:
    """[A | B] for 10 frames, nobody for 0.4 s, then [B | A]: the ids follow the people (by
    their looks), not the places; swapping B leaves A as it was on both sides."""
    pair = side_by_side(MEDIA / "videos" / "d12.mp4", MEDIA / "videos" / "d3.mp4", 10)
    width = pair[0].shape[1] // 2
    swapped = [np.hstack([f[:, width:], f[:, :width]]) for f in pair]
    blank = [np.full_like(pair[0], 128)] * 10
    src = tmp_path / "two.mp4"
    write_clip(src, pair + blank + swapped, fps=25)

    listed = face_list(src, tmp_path / "faces")
    assert listed.ids == [0, 1]
    a, b = listed.faces
    assert (a.first_frame, a.last_frame, a.frames_seen) == (0, 29, 20)
    assert (b.first_frame, b.last_frame, b.frames_seen) == (0, 29, 20)
    centre = listed.boxes[:, :, 0] + listed.boxes[:, :, 2] / 2  # faces x frames
    assert centre[0, 0] < width < centre[0, 29] and centre[1, 29] < width < centre[1, 0]
    selfie = sorted((MEDIA / "identities" / "d3").glob("*.jpg"))[0]  # B, in another picture
    assert roles(parse_faces(f"ref:{selfie}"), {}, listed, "amy") == {1: "amy"}

    def halves(i: int) -> tuple[slice, slice]:
        """(A's half, B's half) of frame i: after the gap B is on the left."""
        left, right = slice(0, width), slice(width, None)
        return (right, left) if i >= 20 else (left, right)

    frames = decoded(src)
    swapper = FaceSwapper(Cast({1: identity}, listed), SwapParams(), video=True)
    try:
        for i, frame in enumerate(frames):
            rgb = frame.copy()
            swapper.apply(rgb, i / 25, *swapper.look(rgb))
            keep, change = halves(i)
            assert np.array_equal(rgb[:, keep], frame[:, keep]), i  # A: not a pixel moved
            if i < 10 or i >= 20:
                assert np.abs(rgb[:, change].astype(int) - frame[:, change]).mean() > \
                    CHANGED_HALF, i
    finally:
        swapper.close()

    out, plain = tmp_path / "out.mp4", tmp_path / "plain.mp4"
    result = swap_file(Cast({1: identity}, listed), src, out)
    assert result.faces == {1: 20}
    swap_file(Cast({1: identity}, listed), src, plain, SwapParams(identity_strength=0.0))
    after, reencoded = decoded(out), decoded(plain)  # re-encoded alone: the encoder's noise
    for i in (*range(10), *range(20, 30)):
        keep, change = halves(i)
        kept = np.abs(reencoded[i][:, keep].astype(int) - after[i][:, keep]).mean()
        changed = np.abs(reencoded[i][:, change].astype(int) - after[i][:, change]).mean()
        assert kept < UNCHANGED and changed > CHANGED_HALF, (i, kept, changed)


@pytest.mark.parametrize(("faces", "mapping", "default", "message"), [
    ("0,9", [], "amy", "face 9 is not in the list"),
    ("0,2", ["1=ben"], "amy", "map names face 1"),
    ("0,2", [], None, "face 0 has no identity"),
    ("largest", ["0=ben"], "amy", "not largest"),
    ("most", [], "amy", "is not a selection"),
])
def test_selection_errors_say_what_to_fix(group: FaceList, faces: str, mapping: list[str],
                                          default: str | None, message: str) -> None:
    with pytest.raises(ParamError, match=message):
        roles(parse_faces(faces, parse_map(mapping)), parse_map(mapping), group, default)


def test_selection_by_reference_photo(group: FaceList, tmp_path: Path) -> None:
    x, y, w, h = (int(v) for v in group.faces[4].box)
    rgb = read_image(GROUP).rgb
    ref = tmp_path / "ref.png"
    write_image(ref, rgb[max(0, y - h):y + 2 * h, max(0, x - w):x + 2 * w])
    assert roles(parse_faces(f"ref:{ref}"), {}, group, "amy") == {4: "amy"}
    stranger = MEDIA / "portraits" / "s1.jpg"
    with pytest.raises(ParamError, match=r"looks like s1\.jpg"):
        roles(parse_faces(f"ref:{stranger}"), {}, group, "amy")


def test_cli_faces_and_a_mapped_swap(tmp_path: Path) -> None:
    env = dict(os.environ, FACECAST_HOME=str(tmp_path / "home"), COLUMNS="200")
    cli = [str(Path(sys.executable).with_name("facecast"))]

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *map(str, args)], env=env, capture_output=True, text=True,
                              timeout=300)

    OUT.mkdir(parents=True, exist_ok=True)
    listed = run("faces", GROUP, "--json", "--sheet", OUT / "faces.png")
    assert listed.returncode == 0, listed.stderr
    faces = json.loads(listed.stdout)["faces"]
    assert [f["id"] for f in faces] == list(range(6))
    assert set(faces[0]) >= {"id", "first_frame", "last_frame", "box", "size"}
    assert read_image(OUT / "faces.png").format == "PNG"
    trained = run("train", MEDIA / "portraits" / "s12.jpg", "--name", "ein", "--min-photos", 1,
                  "--consent")
    assert trained.returncode == 0, trained.stderr
    out = tmp_path / "two.jpg"
    swapped = run("swap", "-i", GROUP, "-o", out, "--faces", "0,4", "--map", "0=ein",
                  "--map", "4=ein")
    assert swapped.returncode == 0, swapped.stderr
    assert "face 0: 1, face 4: 1" in swapped.stderr
    wrong = run("swap", "-i", GROUP, "-o", out, "--identity", "ein", "--faces", "7")
    assert wrong.returncode == 2 and "face 7 is not in the list" in wrong.stderr
    assert "Traceback" not in wrong.stderr
