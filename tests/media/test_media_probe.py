from pathlib import Path

import pytest

from facecast.errors import MediaError
from facecast.media import VideoInfo, VideoReader, media_kind, probe_video


def test_probe_s18_has_audio(videos: Path) -> None:
    info = probe_video(videos / "s18.mp4")
    assert info == VideoInfo(
        path=str(videos / "s18.mp4"),
        width=1280,
        height=720,
        fps=30.0,
        frames=282,
        duration=pytest.approx(9.4, abs=0.05),
        rotation=0,
        codec="h264",
        audio_codec="aac",
        bit_rate=390092,
    )
    assert info.bits_per_pixel == pytest.approx(0.0141, abs=1e-4)


def test_probe_d0_has_no_audio(videos: Path) -> None:
    info = probe_video(videos / "d0.mp4")
    assert (info.width, info.height, info.fps, info.frames) == (512, 512, 25.0, 78)
    assert info.duration == pytest.approx(3.12, abs=0.05)
    assert info.audio_codec is None
    assert info.bits_per_pixel == pytest.approx(1.157, abs=1e-3)  # near lossless


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"nothere\.mp4.*does not exist"):
        probe_video(tmp_path / "nothere.mp4")


def test_text_file_named_mp4(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are my notes, not a video\n" * 20)
    with pytest.raises(MediaError, match=r"notes\.mp4"):
        probe_video(fake)
    with pytest.raises(MediaError, match=r"notes\.mp4"):
        media_kind(fake)


def test_truncated_file_without_index_is_rejected(videos: Path, tmp_path: Path) -> None:
    # d10.mp4 keeps its index (moov) at the end, so the cut removes it.
    data = (videos / "d10.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 4 // 10])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        probe_video(cut)
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        VideoReader(cut)


def test_truncated_file_with_index_first_is_rejected(videos: Path, tmp_path: Path) -> None:
    # s18.mp4 is "faststart": the index survives the cut, the frames it lists do not.
    data = (videos / "s18.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 4 // 10])
    with pytest.raises(MediaError, match=r"cut\.mp4.*truncated"):
        probe_video(cut)


def test_image_is_not_a_video(portraits: Path) -> None:
    with pytest.raises(MediaError, match="JPEG image"):
        probe_video(portraits / "s1.jpg")


def test_media_kind_sniffs_content_not_extension(
    videos: Path, portraits: Path, tmp_path: Path
) -> None:
    video_named_jpg = tmp_path / "clip.jpg"
    video_named_jpg.write_bytes((videos / "d0.mp4").read_bytes())
    image_named_mp4 = tmp_path / "photo.mp4"
    image_named_mp4.write_bytes((portraits / "s1.jpg").read_bytes())
    assert media_kind(video_named_jpg) == "video"
    assert media_kind(image_named_mp4) == "image"
