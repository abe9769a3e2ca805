import io
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from facecast.errors import MediaError, ParamError
from facecast.media import VideoReader, probe_video

from .conftest import MakeClip


def test_reads_every_frame_of_s18(videos: Path) -> None:
    with VideoReader(videos / "s18.mp4") as reader:
        frames = [(f.index, f.image.shape, f.image.dtype, f.pts) for f in reader]
    assert len(frames) == 282
    assert {shape for _, shape, _, _ in frames} == {(720, 1280, 3)}
    assert {dtype for _, _, dtype, _ in frames} == {np.dtype(np.uint8)}
    assert [index for index, _, _, _ in frames] == list(range(282))
    assert [pts for _, _, _, pts in frames] == [3000 * i for i in range(282)]


def test_trim_yields_frames_in_start_end(videos: Path) -> None:
    with VideoReader(videos / "s18.mp4") as reader:
        full = {f.pts: f.image for f in reader if 0.9 <= f.time < 2.1}
    with VideoReader(videos / "s18.mp4", start=1.0, end=2.0) as reader:
        trimmed = list(reader)
    assert len(trimmed) == 30
    assert [f.index for f in trimmed] == list(range(30))
    assert [f.time for f in trimmed] == pytest.approx([1 + i / 30 for i in range(30)])
    assert all(1.0 <= f.time < 2.0 for f in trimmed)
    # Seeking must not change the pixels: same frames as a decode from the start.
    for frame in trimmed:
        assert np.array_equal(frame.image, full[frame.pts])


def test_colours_match_an_independent_conversion(videos: Path) -> None:
    # d0.mp4 is untagged 4:2:0, i.e. BT.601 limited range, which OpenCV converts natively.
    with av.open(str(videos / "d0.mp4")) as container:
        yuv = next(container.decode(video=0))
        planes = [
            np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, : p.width]
            for p in yuv.planes
        ]
    i420 = np.concatenate([p.reshape(-1) for p in planes]).reshape(-1, yuv.width)
    expected = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420).astype(np.int16)
    with VideoReader(videos / "d0.mp4") as reader:
        image = next(iter(reader)).image.astype(np.int16)
    assert np.abs((image - expected).mean(axis=(0, 1))).max() < 0.3
    assert np.abs(image - expected).mean() < 1.5


def test_frames_are_the_accurate_packed_conversion_bit_for_bit(make_clip: MakeClip) -> None:
    """Converted through planar RGB, a frame is exactly swscale's accurate conversion into
    packed RGB, also where a row's planes are padded (202 px wide)."""
    from facecast.media.reader import _TO_RGB

    rng = np.random.default_rng(3)
    images = [cv2.GaussianBlur(rng.integers(0, 256, (150, 202, 3), np.uint8), (0, 0), 2)
              for _ in range(3)]
    path = make_clip("padded.mp4", images, [0, 1, 2])
    with av.open(str(path)) as container:
        packed = [f.reformat(format="rgb24", interpolation=_TO_RGB).to_ndarray()
                  for f in container.decode(video=0)]
    with VideoReader(path) as reader:
        read = [f.image for f in reader]
    assert len(read) == 3
    assert all(np.array_equal(a, b) for a, b in zip(read, packed, strict=True))


def test_rotation_tag_gives_upright_frames(make_clip: MakeClip) -> None:
    upright = np.zeros((64, 32, 3), np.uint8)
    upright[:16, :16] = (255, 0, 0)  # red top-left corner of a portrait frame
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # landscape, as a phone records it
    # The display matrix says "turn 90 degrees clockwise" (PyAV counts counter-clockwise).
    clip = make_clip("rotated.mp4", [stored] * 3, [0, 1, 2], rotation=-90)

    info = probe_video(clip)
    assert (info.rotation, info.width, info.height) == (90, 32, 64)
    with VideoReader(clip) as reader:
        images = [f.image for f in reader]
    assert [im.shape for im in images] == [(64, 32, 3)] * 3
    assert np.abs(images[0].astype(int) - upright).mean() < 4

    # OpenCV's own FFmpeg build, told to auto-rotate, must agree on the direction.
    capture = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    ok, bgr = capture.read()
    capture.release()
    assert ok
    assert np.abs(bgr[:, :, ::-1].astype(int) - images[0]).mean() < 4


def test_corrupt_data_mid_stream_fails_naming_file_and_frame(videos: Path, tmp_path: Path) -> None:
    # Random bytes over 50 kB in the middle of the frame data: the container still opens and
    # the first frames decode, then the H.264 decoder rejects a packet.
    data = bytearray((videos / "d0.mp4").read_bytes())
    at = len(data) * 3 // 10
    data[at : at + 50_000] = np.random.default_rng(1).integers(0, 256, 50_000, np.uint8).tobytes()
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(data))
    expected = r"corrupt\.mp4: decoding failed after frame [1-9]\d*"
    with pytest.raises(MediaError, match=expected), VideoReader(corrupt) as reader:
        for _ in reader:
            pass


def test_stopping_early_ends_the_decoder_thread(videos: Path) -> None:
    before = threading.active_count()
    with VideoReader(videos / "s18.mp4") as reader:
        for frame in reader:
            if frame.index == 3:
                break
    assert threading.active_count() == before


def test_bad_trim_is_a_param_error(videos: Path) -> None:
    with pytest.raises(ParamError):
        VideoReader(videos / "d0.mp4", start=2.0, end=1.0)
    with pytest.raises(ParamError):
        VideoReader(videos / "d0.mp4", start=-1.0)
    with pytest.raises(ParamError, match="after the end"):
        VideoReader(videos / "d0.mp4", start=5.0)


def _ts_clip(width: int, height: int, frames: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    with av.open(out, "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for _ in range(frames):
            image = rng.integers(0, 256, (height, width, 3), np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return out.getvalue()


def test_a_stream_that_changes_size_midway_keeps_the_probed_size(tmp_path: Path) -> None:
    """Two MPEG-TS clips of different sizes joined byte for byte (as a spliced or damaged
    upload may be): every frame comes out at the size the video was probed at."""
    spliced = tmp_path / "spliced.ts"
    spliced.write_bytes(_ts_clip(160, 120, 10, 1) + _ts_clip(240, 180, 10, 2))
    with VideoReader(spliced) as reader:
        shapes = {frame.image.shape for frame in reader}
        assert (reader.info.width, reader.info.height) == (160, 120)
    assert shapes == {(120, 160, 3)}


def test_a_frame_that_shows_the_one_before_again_is_marked_a_repeat(videos: Path) -> None:
    """s32 repeats every sixth frame (a frame-rate conversion's duplicates, 0.1-0.2 grey
    levels from the one before); s18 and d0, still as their faces are at times, repeat
    none."""
    with VideoReader(videos / "s32.mp4", end=3.0) as reader:
        frames = list(reader)
    repeats = [f.index for f in frames if f.repeat]
    assert set(range(5, len(frames), 6)) <= set(repeats)
    assert len(repeats) <= len(frames) // 5
    kept = None
    for frame in frames:
        if frame.repeat:
            assert np.abs(frame.image.astype(int) - kept).mean() < 0.3
        else:
            kept = frame.image.astype(int)
    for name in ("s18.mp4", "d0.mp4"):
        with VideoReader(videos / name) as reader:
            assert not any(f.repeat for f in reader)


def test_a_small_change_in_one_place_is_no_repeat(videos: Path, make_clip: MakeClip) -> None:
    """A frame shown again is a repeat; the same frame with a 12 px patch 25 levels lighter
    (a small face's lips moving in a wide shot: 0.004 levels on average over the frame) is
    not, however small its share of the picture."""
    with VideoReader(videos / "s18.mp4", end=0.1) as reader:
        still = next(iter(reader)).image
    moved = still.copy()
    moved[400:412, 600:612] = np.clip(moved[400:412, 600:612].astype(int) + 25, 0, 255)
    path = make_clip("patch.mp4", [still, still, moved, moved], [0, 1, 2, 3])
    with VideoReader(path) as reader:
        assert [f.repeat for f in reader] == [False, True, False, True]
