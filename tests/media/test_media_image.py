from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from facecast.errors import MediaError
from facecast.media import media_kind, read_image, write_image


def portrait_with_marker() -> np.ndarray:
    """A 60x40 portrait image, red in its top-left corner, so any rotation shows."""
    rgb = np.full((60, 40, 3), 200, np.uint8)
    rgb[:20, :20] = (255, 0, 0)
    return rgb


def save_with_orientation_6(upright: np.ndarray, path: Path, fmt: str) -> None:
    """Store the pixels turned 90 degrees counter-clockwise and tag them "turn clockwise"."""
    stored = PILImage.fromarray(upright).transpose(PILImage.Transpose.ROTATE_90)
    exif = PILImage.Exif()
    exif[0x0112] = 6
    stored.save(path, format=fmt, exif=exif, **({"quality": 98} if fmt == "JPEG" else {}))


def test_reads_a_real_portrait(portraits: Path) -> None:
    image = read_image(portraits / "s1.jpg")
    assert image.format == "JPEG"
    assert image.path == str(portraits / "s1.jpg")
    assert image.rgb.dtype == np.uint8
    assert image.rgb.ndim == 3
    assert image.rgb.shape[2] == 3


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png")])
def test_exif_orientation_is_applied(tmp_path: Path, fmt: str, name: str) -> None:
    upright = portrait_with_marker()
    path = tmp_path / name
    save_with_orientation_6(upright, path, fmt)
    assert PILImage.open(path).size == (60, 40)  # stored landscape

    image = read_image(path)
    assert image.rgb.shape == (60, 40, 3)
    assert np.abs(image.rgb.astype(int) - upright).mean() < 3


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "really_a_png.jpg"
    PILImage.fromarray(portrait_with_marker()).save(path, format="PNG")
    assert read_image(path).format == "PNG"


def test_text_file_named_jpg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture\n")
    with pytest.raises(MediaError, match=r"notes\.jpg.*not an image"):
        read_image(path)
    with pytest.raises(MediaError, match=r"notes\.jpg"):
        media_kind(path)


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "anim.gif"), ("BMP", "old.bmp")])
def test_other_formats_name_the_accepted_ones(tmp_path: Path, fmt: str, name: str) -> None:
    path = tmp_path / name
    PILImage.fromarray(portrait_with_marker()).save(path, format=fmt)
    assert media_kind(path) == "image"
    with pytest.raises(MediaError, match=rf"{name}: {fmt} .*JPEG or PNG"):
        read_image(path)


def test_truncated_jpeg_is_refused(portraits: Path, tmp_path: Path) -> None:
    data = (portraits / "s1.jpg").read_bytes()
    path = tmp_path / "half.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"half\.jpg.*truncated"):
        read_image(path)


def test_transparent_png_is_composited_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent black
    path = tmp_path / "clear.png"
    PILImage.fromarray(rgba).save(path)
    assert (read_image(path).rgb == 255).all()


def test_sixteen_bit_grey_png_keeps_its_tones(tmp_path: Path) -> None:
    grey16 = (np.arange(64, dtype=np.uint16) * 1024).reshape(4, 16)
    path = tmp_path / "deep.png"
    PILImage.fromarray(grey16).save(path)
    rgb = read_image(path).rgb
    assert rgb.shape == (4, 16, 3)
    assert np.array_equal(rgb[:, :, 1], (grey16 >> 8).astype(np.uint8))


def test_png_round_trip_is_bit_identical(tmp_path: Path) -> None:
    rgb = np.random.default_rng(3).integers(0, 256, (37, 53, 3), np.uint8)
    path = tmp_path / "noise.png"
    write_image(path, rgb)
    image = read_image(path)
    assert image.format == "PNG"
    assert np.array_equal(image.rgb, rgb)
    assert [p.name for p in tmp_path.iterdir()] == ["noise.png"]  # no temporary left


def test_jpeg_is_written_when_named_or_asked(tmp_path: Path) -> None:
    rgb = np.full((16, 16, 3), (10, 120, 230), np.uint8)
    write_image(tmp_path / "a.jpeg", rgb)
    write_image(tmp_path / "b.out", rgb, format="JPEG", quality=90)
    for name in ("a.jpeg", "b.out"):
        image = read_image(tmp_path / name)
        assert image.format == "JPEG"
        assert np.abs(image.rgb.astype(int) - rgb).max() <= 4


def test_the_named_extension_wins_over_the_format_passed(tmp_path: Path) -> None:
    """A swap passes its source's format: a JPEG photo swapped into `out.png` was written
    as JPEG bytes under a PNG name."""
    rgb = np.full((16, 16, 3), (10, 120, 230), np.uint8)
    write_image(tmp_path / "out.png", rgb, format="JPEG")
    write_image(tmp_path / "out.jpg", rgb, format="PNG")
    assert read_image(tmp_path / "out.png").format == "PNG"
    assert read_image(tmp_path / "out.jpg").format == "JPEG"


def test_write_image_refusals(tmp_path: Path) -> None:
    rgb = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(MediaError, match="does not exist"):
        write_image(tmp_path / "missing" / "x.png", rgb)
    with pytest.raises(MediaError, match=r"\.jpg or \.png"):
        write_image(tmp_path / "x.tiff", rgb)
    with pytest.raises(ValueError, match="RGB uint8"):
        write_image(tmp_path / "x.png", rgb.astype(np.float32))
    assert list(tmp_path.iterdir()) == []
