"""`facecast dataset`: real clips in, aligned crops, rule verdicts and folders per person out.

The two-person clip alternates runs of d10 and d12 frames, so every crop's true person is
known from its frame index. Sheets go to out/dataset/: look at them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from clips import MEDIA, alternating_clip, needs_media

from facecast.dataset import align
from facecast.dataset.cluster import labels_for
from facecast.dataset.extract import collect_sources, extract
from facecast.dataset.filtering import filter_folder
from facecast.dataset.params import DatasetParams
from facecast.dataset.records import FaceRecord, PoseRecord, find_records
from facecast.dataset.rules import Company, judge
from facecast.faces import landmarks as L
from facecast.media import write_image

pytestmark = needs_media
FACECAST = Path(sys.executable).with_name("facecast")
OUT = Path(__file__).resolve().parents[1] / "out" / "dataset"
PEOPLE = ("d10", "d12")


def facecast(*args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([str(FACECAST), "dataset", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def two_people(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("two")
    truth = alternating_clip(folder / "two.mp4", [MEDIA / "videos" / f"{p}.mp4" for p in PEOPLE],
                             segment=16, segments=4)
    return folder / "two.mp4", truth


def test_two_people_clip_sorts_into_two_pure_folders(two_people, tmp_path: Path) -> None:
    clip, truth = two_people
    crops, rejects, people = tmp_path / "crops", tmp_path / "rejects", tmp_path / "people"
    OUT.mkdir(parents=True, exist_ok=True)

    extracted = facecast("extract", clip, "--out", crops, "--every", 2, "--size", 256)
    assert extracted.returncode == 0, extracted.stderr
    records = sorted((crops / "two").glob("*.json"))
    assert len(records) == len(truth) // 2  # one face in every other frame
    record = FaceRecord.load(records[3])
    assert record.frame == 6 and record.time == pytest.approx(6 / 25)
    assert record.crop_size == 256 and len(record.landmarks) == L.N_LANDMARKS
    assert record.face_size > 150 and record.sharpness > 0 and abs(record.pose.yaw) < 30
    crop = cv2.imread(str(records[3].with_suffix(".jpg")))
    assert crop.shape == (256, 256, 3)
    right, left = align.eye_centres(np.array(record.landmarks))
    assert abs(right[1] - left[1]) < 0.5, "the eyes are not level in the crop"
    assert 0.3 < right[0] / 256 < 0.42 and 0.58 < left[0] / 256 < 0.7  # FFHQ-like framing
    assert 0.35 < right[1] / 256 < 0.5

    filtered = facecast("filter", crops, "--move-rejects", rejects)
    assert filtered.returncode == 0, filtered.stderr
    assert "tilted 0" in filtered.stderr and "kept" in filtered.stderr
    verdicts = json.loads((crops / "filter.json").read_text())
    assert verdicts["total"] == len(records) and verdicts["kept"] >= 0.9 * len(records)

    sheet = OUT / "two_people.png"
    clustered = facecast("cluster", crops, "--out", people, "--sheet", sheet)
    assert clustered.returncode == 0, clustered.stderr
    folders = sorted(p.name for p in people.iterdir() if p.is_dir())
    assert folders in (["0", "1"], ["0", "1", "noise"])
    assert cv2.imread(str(sheet)) is not None
    majority, total, owners = 0, 0, set()
    for name in ("0", "1"):
        people_in = Counter(truth[FaceRecord.load(r).frame]
                            for r in (people / name).glob("*.json"))
        owner, count = people_in.most_common(1)[0]
        owners.add(owner)
        majority, total = majority + count, total + sum(people_in.values())
        assert all(p.name.startswith("two_") for p in (people / name).glob("*.jpg"))
    assert owners == set(PEOPLE), "both folders hold the same person"
    purity = majority / total
    print(f"purity {purity:.3f} over {total} crops")
    assert purity >= 0.95
    summary = json.loads((people / "clusters.json").read_text())
    assert [c["size"] for c in summary["clusters"]] == sorted(
        (c["size"] for c in summary["clusters"]), reverse=True)

    assert (crops / "descriptors.npz").is_file(), "descriptors are kept for the next run"
    two = facecast("cluster", crops, "--out", tmp_path / "two", "--k", 2)
    assert two.returncode == 0, two.stderr
    assert {p.name for p in (tmp_path / "two").iterdir() if p.is_dir()} <= {"0", "1", "noise"}
    assert json.loads((tmp_path / "two" / "clusters.json").read_text())["clusters"] == \
        summary["clusters"], "k 2 and k auto agree on two people"


def test_k_picks_exactly_that_many_people_and_leaves_outliers_as_noise() -> None:
    """Three people as dlib places them (about 0.3 apart within, 0.9 between) and two
    strays."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (3, 128))
    centres *= 0.65 / np.linalg.norm(centres, axis=1, keepdims=True)
    people = [centres[i] + rng.normal(0, 0.019, (n, 128)) for i, n in enumerate((30, 20, 12))]
    strays = rng.normal(0, 0.1, (2, 128))
    descriptors = np.vstack([*people, strays])
    auto = labels_for(descriptors, "auto", 0.53)
    assert list(auto[:30]) == [0] * 30 and list(auto[30:50]) == [1] * 20
    assert list(auto[50:62]) == [2] * 12
    assert list(auto[-2:]) == [-1, -1], "strays must go to noise"
    two = labels_for(descriptors, 2, 0.53)
    assert set(two[:62]) == {0, 1} and list(two[-2:]) == [-1, -1]
    assert Counter(two)[0] >= Counter(two)[1], "folders are numbered by size"
    five = labels_for(descriptors, 5, 0.53)  # asked for five: people are split to give five
    assert set(five) == {-1, 0, 1, 2, 3, 4} and list(five[-2:]) == [-1, -1]
    many = labels_for(descriptors, 40, 0.53)  # more than the tree can give: as many as it can
    assert 3 <= many.max() + 1 < 40
    assert list(labels_for(descriptors[:1], "auto", 0.53)) == [-1]  # one crop is no person


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Photos made from d10 frames, each bad in one way, judged by the rules."""
    with av.open(str(MEDIA / "videos" / "d10.mp4")) as c:
        frames = [f.to_ndarray(format="rgb24") for _, f in zip(range(121), c.decode(video=0),
                                                               strict=False)]
    good = frames[0]
    h, w = good.shape[:2]
    photos = {f"good_{i}": frames[i] for i in (0, 40, 80, 120)}
    turned = cv2.getRotationMatrix2D((w / 2, h / 2), 45, 1.0)
    photos["tilted"] = cv2.warpAffine(good, turned, (w, h), borderMode=cv2.BORDER_REFLECT_101)
    small = cv2.resize(good, None, fx=0.17, fy=0.17, interpolation=cv2.INTER_AREA)
    canvas = np.full_like(good, 128)
    canvas[200 : 200 + small.shape[0], 200 : 200 + small.shape[1]] = small
    photos["too_small"] = canvas
    photos["blurred"] = cv2.GaussianBlur(good, (0, 0), 4)
    photos["cut_off"] = good[: int(h * 0.62)]  # the mouth and chin are below the frame
    folder = tmp_path_factory.mktemp("cases")
    (folder / "photos").mkdir()
    for name, rgb in photos.items():
        write_image(folder / "photos" / f"{name}.png", rgb)
    out = folder / "crops"
    # Extraction keeps even tiny faces here, so that the filter has one to reject.
    extract(collect_sources([folder / "photos"]), out,
            DatasetParams(size=256, min_face=16, max_faces=1))
    filter_folder(out, DatasetParams(min_face=64))
    assert {p.stem for _, p in find_records(out)} == {f"{name}_0" for name in photos}, \
        "every case must yield a face"
    verdicts = json.loads((out / "filter.json").read_text())["rejects"]
    return {name: verdicts.get(f"photos/{name}_0.jpg", {}) for name in photos}


@pytest.mark.parametrize("reason", ["tilted", "too_small", "blurred", "cut_off"])
def test_each_rule_rejects_its_bad_case(cases: dict[str, dict[str, str]], reason: str) -> None:
    assert reason in cases[reason], cases[reason]
    if reason != "too_small":  # a tiny face is also blurred once enlarged, rightly
        assert list(cases[reason]) == [reason], cases[reason]


def test_good_cases_pass_every_rule(cases: dict[str, dict[str, str]]) -> None:
    good = {name: why for name, why in cases.items() if name.startswith("good")}
    assert sorted(good) == ["good_0", "good_120", "good_40", "good_80"]
    assert all(why == {} for why in good.values()), good


def test_records_failing_share_and_profile_limits(tmp_path: Path) -> None:
    """The two limits no photo of a real face crosses on demand, on a real record: a face
    covering too little of its crop, and one turned beyond a full profile."""
    rgb = cv2.cvtColor(cv2.imread(str(MEDIA / "identities" / "d10" / "d10_00.jpg")),
                       cv2.COLOR_BGR2RGB)
    (tmp_path / "in").mkdir()
    write_image(tmp_path / "in" / "face.png", rgb)
    extract(collect_sources([tmp_path / "in"]), tmp_path / "r", DatasetParams(size=256))
    record = FaceRecord.load(tmp_path / "r" / "in" / "face_0.json")
    params = DatasetParams()
    assert judge(record, params) == {}
    narrow = record.model_copy(update={"face_share": 0.3})
    assert list(judge(narrow, params)) == ["too_small"]
    behind = record.model_copy(update={"pose": PoseRecord(yaw=120, pitch=5, roll=0, turn=120)})
    assert list(judge(behind, params)) == ["turned_away"]
    assert judge(behind, params.model_copy(update={"max_turn": 130})) == {}
    soft = record.model_copy(update={"sharpness": record.sharpness * 0.4})
    assert judge(soft, params) == {}, "alone, a soft face is judged by the floor only"
    assert list(judge(soft, params, Company.of_photos([record.sharpness] * 5))) == ["blurred"]
    around = Company.of_video([record.sharpness] * 8 + [soft.sharpness] + [record.sharpness] * 8)
    assert list(judge(soft, params, around[8])) == ["blurred"]
    cut = Company.of_video([record.sharpness * 3] * 8 + [record.sharpness] * 9)
    assert judge(record, params, cut[8]) == {}, "a cut to a softer shot is not blur"


def test_cli_errors_are_sentences(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = facecast("cluster", empty, "--out", tmp_path / "o")
    assert nothing.returncode == 2 and "holds no crops" in nothing.stderr
    wrong = facecast("extract", tmp_path / "missing.mp4", "--out", tmp_path / "o",
                     "--size", 300)
    assert wrong.returncode == 2 and "--size" in wrong.stderr and "Traceback" not in wrong.stderr
