"""Content Credentials: the local test authority, signing that leaves pictures alone, and
what a reader (the official c2pa-python) finds in a signed, then damaged, file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from facecast.credentials import read, sign
from facecast.credentials.authority import CERT_ENV, KEY_ENV, CredentialsError, signing_keys
from facecast.credentials.manifest import SWAPPED
from facecast.media import VideoReader, read_image, write_image

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
CLIP = MEDIA / "videos" / "d10.mp4"
pytestmark = pytest.mark.skipif(not CLIP.is_file(),
                                reason=f"test media not found at {MEDIA}; set FACECAST_MEDIA")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(CERT_ENV, raising=False)
    monkeypatch.delenv(KEY_ENV, raising=False)
    return tmp_path / "home"


def manifest_of(path: Path) -> tuple[dict, str]:
    """The active manifest and validation state, read with c2pa-python itself."""
    mime = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".png": "image/png"}[path.suffix]
    with path.open("rb") as stream, c2pa.Reader(mime, stream) as reader:
        store = json.loads(reader.json())
        return store["manifests"][store["active_manifest"]], reader.get_validation_state()


def test_local_authority_is_made_once_and_is_what_c2pa_needs(home: Path) -> None:
    first = signing_keys()
    assert first.local and (home / "c2pa" / "signer.key").is_file()
    assert signing_keys() == first  # made once, then reused
    signer, ca = x509.load_pem_x509_certificates(first.chain)
    assert signer.issuer == ca.subject and signer.issuer != signer.subject
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_configured_credentials_are_used_and_checked(home: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    own = signing_keys()  # a chain to configure, moved out of the home
    (tmp_path / "chain.pem").write_bytes(own.chain)
    (tmp_path / "key.pem").write_bytes(own.key)
    shutil.rmtree(home / "c2pa")
    monkeypatch.setenv(CERT_ENV, str(tmp_path / "chain.pem"))
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "key.pem"))
    photo = tmp_path / "a.jpg"
    shutil.copy(MEDIA / "portraits" / "s1.jpg", photo)
    sign(photo, "swap", "test")
    assert read(photo).valid and not (home / "c2pa").exists()
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "missing.pem"))
    with pytest.raises(CredentialsError, match="cannot read the signing credentials"):
        sign(photo, "swap", "test")


def test_signed_video_decodes_to_the_same_frames_and_a_flipped_byte_shows(tmp_path: Path
                                                                          ) -> None:
    video = tmp_path / "out.mp4"
    shutil.copy(CLIP, video)
    before = [f.image for f in VideoReader(video)]
    sign(video, "swap", "a face replaced")
    manifest, state = manifest_of(video)
    actions = next(a for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2")
    created = actions["data"]["actions"][0]
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == SWAPPED
    assert created["softwareAgent"]["name"] == "facecast" and state == "Valid"
    after = [f.image for f in VideoReader(video)]
    assert len(after) == len(before)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))

    data = bytearray(video.read_bytes())
    data[data.index(b"mdat") + 4096] ^= 0x01  # one bit of the coded pictures
    video.write_bytes(bytes(data))
    assert manifest_of(video)[1] == "Invalid"
    assert not read(video).valid


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_signed_photo_keeps_its_pixels(tmp_path: Path, fmt: str) -> None:
    photo = tmp_path / ("out.jpg" if fmt == "JPEG" else "out.png")
    write_image(photo, read_image(MEDIA / "portraits" / "s1.jpg").rgb, format=fmt)
    pixels = read_image(photo).rgb
    sign(photo, "edit", "looks changed")
    found = read(photo)
    assert found.present and found.valid and not found.ai_generated
    assert found.agent.startswith("facecast") and found.description == "looks changed"
    assert np.array_equal(read_image(photo).rgb, pixels)
    assert manifest_of(photo)[1] == "Valid"


def test_files_without_credentials(tmp_path: Path) -> None:
    assert not read(CLIP).present
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert not read(text).present
