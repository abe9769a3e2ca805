"""The `facecast` command as a user runs it: real process, real files, exit codes, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from facecast.media import VideoReader, read_image

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
FACECAST = Path(sys.executable).with_name("facecast")
pytestmark = pytest.mark.skipif(not (MEDIA / "identities").is_dir(),
                                reason=f"test media not found at {MEDIA}; set FACECAST_MEDIA")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def facecast(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FACECAST_HOME=str(home), COLUMNS="200")
    return subprocess.run([str(FACECAST), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_train_then_list_show_swap_delete(home: Path, tmp_path: Path) -> None:
    trained = facecast(home, "train", MEDIA / "identities" / "d10", "--name", "amy",
                       "--consent")
    assert trained.returncode == 0, trained.stderr
    assert "d10_00.jpg" in trained.stderr and "saved" in trained.stderr

    listed = facecast(home, "identities", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("amy\t12 photos")

    shown = facecast(home, "identities", "show", "amy", "--json")
    report = json.loads(shown.stdout)
    assert report["accepted"] == 12 and len(report["photos"]) == 12

    out, sheet = tmp_path / "out.jpg", tmp_path / "sheet.png"
    swapped = facecast(home, "swap", "--identity", "amy", "--input",
                       MEDIA / "portraits" / "s1.jpg", "--output", out, "--sheet", sheet)
    assert swapped.returncode == 0, swapped.stderr
    assert read_image(out).format == "JPEG" and read_image(sheet).format == "PNG"
    assert "swapped in 1" in swapped.stderr

    figures, eval_sheet = tmp_path / "q.json", tmp_path / "q.png"
    measured = facecast(home, "eval", "--identity", "amy", "--original",
                        MEDIA / "portraits" / "s1.jpg", "--swapped", out, "--json", figures,
                        "--sheet", eval_sheet)
    assert measured.returncode == 0, measured.stderr
    assert "id_user" in measured.stderr
    quality = json.loads(figures.read_text())
    assert quality["frames"] == 1 and quality["coverage"] == 1.0 and quality["flicker"] is None
    assert quality["id_user"] < 0.6
    assert read_image(eval_sheet).format == "PNG"
    mismatched = facecast(home, "eval", "--identity", "amy", "--original", out, "--swapped",
                          MEDIA / "videos" / "s18.mp4")
    assert mismatched.returncode == 2 and "is a photo but" in mismatched.stderr

    deleted = facecast(home, "identities", "delete", "amy")
    assert deleted.returncode == 0
    assert "amy" not in facecast(home, "identities", "list").stdout


@pytest.mark.parametrize(("args", "message"), [
    (["train", *sorted((MEDIA / "identities" / "d10").glob("*.jpg"))[:4], "--name", "x",
      "--consent"],
     "add 1 more"),
    (["swap", "--identity", "nobody", "--input", MEDIA / "portraits" / "s1.jpg", "--output",
      "o.jpg"], "no identity named 'nobody'"),
    (["swap", "--identity", "x", "--input", MEDIA / "portraits" / "s1.jpg", "--output", "o.jpg",
      "--identity-strength", "1.5"], "identity-strength"),
    (["swap", "--identity", "x", "--input", MEDIA / "portraits" / "s1.jpg", "--output", "o.jpg",
      "--start", "3", "--end", "1"], "must be after start"),
])
def test_user_errors_exit_2_with_a_message_and_no_traceback(home: Path, args: list,
                                                            message: str) -> None:
    result = facecast(home, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_swap_to_a_missing_folder_fails_before_work(home: Path, tmp_path: Path) -> None:
    facecast(home, "train", MEDIA / "identities" / "d3", "--name", "d3", "--consent")
    result = facecast(home, "swap", "--identity", "d3", "--input", MEDIA / "videos" / "s18.mp4",
                      "--output", tmp_path / "nope" / "out.mp4")
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert "swapping" not in result.stderr


def test_an_output_named_for_the_other_kind_of_media_is_refused(home: Path,
                                                                tmp_path: Path) -> None:
    """A photo swapped into `out.mp4` was written as JPEG bytes under that name, a video
    into `out.jpg` as an MP4: both refused before any work, nothing written."""
    facecast(home, "train", MEDIA / "identities" / "d3", "--name", "d3", "--consent")
    for source, output, message in (
            (MEDIA / "portraits" / "s1.jpg", tmp_path / "out.mp4", "name the output .jpg or .png"),
            (MEDIA / "videos" / "s18.mp4", tmp_path / "out.jpg", "name the output .mp4")):
        result = facecast(home, "swap", "--identity", "d3", "--input", source, "--output",
                          output)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert not output.exists()
    edited = facecast(home, "edit", "--input", MEDIA / "portraits" / "s1.jpg", "--output",
                      tmp_path / "out.mp4")
    assert edited.returncode == 2 and "name the output .jpg or .png" in edited.stderr


def test_training_asks_for_consent(home: Path) -> None:
    """No --consent and no terminal to ask on: refused, nothing made; with it, recorded."""
    refused = facecast(home, "train", MEDIA / "identities" / "d9", "--name", "nine")
    assert refused.returncode == 2 and "--consent" in refused.stderr
    assert "right to use this face" in refused.stderr
    assert not (home / "identities" / "nine").exists()
    assert facecast(home, "train", MEDIA / "identities" / "d9", "--name", "nine",
                    "--consent").returncode == 0
    report = json.loads(facecast(home, "identities", "show", "nine", "--json").stdout)
    assert report["consent"]["via"] == "cli" and "permission" in report["consent"]["statement"]


def test_identities_delete_removes_every_file(home: Path) -> None:
    facecast(home, "train", MEDIA / "identities" / "d14", "--name", "fourteen", "--consent")
    store = home / "identities"
    (store / ".fourteen.k2j4h6g8").mkdir()  # a save a crash left half-written
    (store / ".fourteen.k2j4h6g8" / "identity.npz").write_bytes(b"partial")
    before = sorted(p.name for p in store.iterdir())
    assert {"fourteen", ".fourteen.k2j4h6g8"} <= set(before)
    deleted = facecast(home, "identities", "delete", "fourteen")
    assert deleted.returncode == 0, deleted.stderr
    after = sorted(p.name for p in store.iterdir())
    assert after == [n for n in before if "fourteen" not in n]


def test_swap_is_labelled_and_carries_content_credentials(home: Path, tmp_path: Path) -> None:
    """A CLI swap reads back as compositeWithTrainedAlgorithmicMedia with its "AI" mark;
    --label off leaves the corner as the swap made it; a flipped byte fails verify."""
    facecast(home, "train", MEDIA / "identities" / "d3", "--name", "d3", "--consent")
    clip = MEDIA / "videos" / "s18.mp4"
    marked, plain = tmp_path / "marked.mp4", tmp_path / "plain.mp4"
    for out, label in ((marked, "on"), (plain, "off")):
        done = facecast(home, "swap", "--identity", "d3", "--input", clip, "--output", out,
                        "--end", "0.5", "--label", label)
        assert done.returncode == 0, done.stderr
    verified = facecast(home, "verify", marked)
    assert verified.returncode == 0, verified.stdout
    assert "compositeWithTrainedAlgorithmicMedia" in verified.stdout
    assert "AI-generated:\tyes" in verified.stdout and "validation:\tValid" in verified.stdout
    corner = [next(iter(VideoReader(p))).image[-60:, -90:].astype(int) for p in (marked, plain)]
    assert np.abs(corner[0] - corner[1]).max() > 100  # white letters on a dark plate
    assert np.abs(corner[0] - corner[1])[:10].max() < 12  # above the badge: the same pixels

    data = bytearray(marked.read_bytes())
    data[data.index(b"mdat") + 2048] ^= 0x04
    marked.write_bytes(bytes(data))
    broken = facecast(home, "verify", marked)
    assert broken.returncode == 1 and "validation:\tInvalid" in broken.stdout
    assert facecast(home, "swap", "--identity", "d3", "--input", clip, "--output", plain,
                    "--label", "maybe").returncode == 2
