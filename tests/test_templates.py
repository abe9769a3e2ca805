"""Templates: the shipped manifests, install (hashes checked), add, list, remove."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from clips import MEDIA, needs_media, side_by_side, write_clip

from facecast.errors import TemplateError
from facecast.params import SwapParams
from facecast.templates import add, builtin_manifests, get_template, install, list_templates, remove

pytestmark = needs_media
BUILTINS = {"d3", "d12", "s13", "s18", "s32"}


def test_five_manifests_ship_bound_to_the_test_media() -> None:
    manifests = builtin_manifests()
    assert {m.id for m in manifests} == BUILTINS
    for m in manifests:
        assert m.media == f"videos/{m.id}.mp4" and len(m.sha256) == 64 and m.title


def test_install_list_and_install_again(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    assert install(MEDIA, root) == dict.fromkeys(sorted(BUILTINS), "installed")
    found = list_templates(root)
    assert {t.id for t in found} == BUILTINS and all(t.builtin for t in found)
    s18 = get_template("s18", root)
    assert s18 is not None and s18.path.read_bytes() == (MEDIA / "videos/s18.mp4").read_bytes()
    assert s18.manifest.duration == pytest.approx(9.4, abs=0.05)
    assert install(MEDIA, root) == dict.fromkeys(sorted(BUILTINS), "already installed")


def test_a_manifest_changed_by_a_release_replaces_the_installed_one(tmp_path: Path) -> None:
    """An install from before the "Glasses" template learnt to keep its glasses: its
    manifest is written again, with the shipped defaults, though the clip is the same."""
    root = tmp_path / "templates"
    install(MEDIA, root)
    written = root / "d12" / "manifest.json"
    old = json.loads(written.read_text()) | {"params": {}}
    written.write_text(json.dumps(old))
    assert get_template("d12", root).manifest.params == {}
    done = install(MEDIA, root)
    assert done["d12"] == "installed" and done["s18"] == "already installed"
    assert get_template("d12", root).manifest.params == {"target_glasses": True}


def test_a_file_with_the_wrong_hash_installs_nothing(tmp_path: Path) -> None:
    source = tmp_path / "media"
    (source / "videos").mkdir(parents=True)
    shutil.copy(MEDIA / "videos" / "s18.mp4", source / "videos" / "s18.mp4")
    data = bytearray((MEDIA / "videos" / "d12.mp4").read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed: a damaged copy
    (source / "videos" / "d12.mp4").write_bytes(bytes(data))
    root = tmp_path / "templates"
    with pytest.raises(TemplateError, match=r"d12\.mp4: SHA-256 .* expects 2895169e"):
        install(source, root)
    assert list_templates(root) == []


def test_a_manifest_of_its_own_in_the_folder(tmp_path: Path) -> None:
    source = tmp_path / "pack"
    source.mkdir()
    shutil.copy(MEDIA / "videos" / "d12.mp4", source / "clip.mp4")
    shipped = next(m for m in builtin_manifests() if m.id == "d12")
    manifest = {"id": "mine", "title": "Mine", "media": "clip.mp4", "sha256": shipped.sha256,
                "start": 1.0, "end": 3.0, "params": {"shape_strength": 0.3}}
    (source / "mine.json").write_text(json.dumps(manifest))
    done = install(source, tmp_path / "templates")
    assert done["mine"] == "installed" and done["s18"].startswith("skipped")
    mine = get_template("mine", tmp_path / "templates")
    params = mine.manifest.swap_params(SwapParams(identity_strength=0.5))
    assert (params.start, params.end, params.shape_strength, params.identity_strength) == (
        1.0, 3.0, 0.3, 0.5)
    assert mine.manifest.swap_params(SwapParams(end=2.0)).end == 2.0  # the user's trim wins
    (source / "mine.json").write_text(json.dumps({**manifest, "sha256": "0" * 64}))
    with pytest.raises(TemplateError, match="expects 0000"):
        install(source, tmp_path / "other")


def test_add_with_a_track_then_remove(tmp_path: Path) -> None:
    clip = tmp_path / "two.mp4"
    write_clip(clip, side_by_side(MEDIA / "videos" / "d12.mp4", MEDIA / "videos" / "d3.mp4", 8),
               fps=25)
    root = tmp_path / "templates"
    template = add(clip, "Two of us", track=1, start=0.0, end=0.3, root=root)
    assert template.id == "two-of-us" and template.manifest.track == 1
    assert [t.id for t in list_templates(root)] == ["two-of-us"]
    assert not template.builtin and (template.faces_folder / "face-1.jpg").is_file()
    with pytest.raises(TemplateError, match="installed already"):
        add(clip, "Two of us", root=root)
    with pytest.raises(TemplateError, match=r"--track 2: two\.mp4 has faces 0, 1"):
        add(clip, "Three", track=2, root=root)
    assert get_template("three", root) is None
    remove("two-of-us", root)
    assert list_templates(root) == []
    with pytest.raises(TemplateError, match="no template 'two-of-us'"):
        remove("two-of-us", root)


def test_cli_install_list_remove_and_a_clear_error(tmp_path: Path) -> None:
    env = dict(os.environ, FACECAST_HOME=str(tmp_path / "home"), COLUMNS="200")
    cli = [str(Path(sys.executable).with_name("facecast")), "templates"]

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *map(str, args)], env=env, capture_output=True, text=True,
                              timeout=120)

    installed = run("install", "--from", MEDIA)
    assert installed.returncode == 0, installed.stderr
    assert "s18\tinstalled" in installed.stdout
    listed = run("list")
    assert "s13\tFar shot\t4.1 s\tlargest face\tbuilt-in" in listed.stdout
    assert run("remove", "s13").returncode == 0
    assert "s13" not in run("list").stdout
    missing = run("install", "--from", tmp_path / "nowhere")
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_fresh_install_has_the_five_builtins_without_test_media(tmp_path: Path) -> None:
    """The clips ship in the package, with LivePortrait's licence and copyright beside them."""
    from importlib import resources

    from facecast.templates import install_shipped

    done = install_shipped(tmp_path)
    assert sorted(done) == sorted(m.id for m in builtin_manifests())
    assert sorted(t.id for t in list_templates(tmp_path)) == ["d12", "d3", "s13", "s18", "s32"]
    assert all(t.builtin for t in list_templates(tmp_path))
    notice = resources.files("facecast.templates") / "builtin" / "videos"
    text = (notice / "LICENSE-LivePortrait.txt").read_text()
    assert "MIT License" in text and "Kuaishou Visual Generation and Interaction Center" in text
