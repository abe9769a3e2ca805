from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from facecast.errors import MediaError
from facecast.media import VideoReader, VideoWriter, check_writable, probe_video

from .conftest import MakeClip


def video_pts(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return sorted(p.pts for p in container.demux(video=0) if p.size)


def audio_packets(path: Path) -> list[tuple[float | None, bytes]]:
    with av.open(str(path)) as container:
        return [
            (None if p.pts is None else float(p.pts * p.time_base), bytes(p))
            for p in container.demux(audio=0)
            if p.size
        ]


def first_channel(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    channels = frames[0].layout.nb_channels
    planes = [
        f.to_ndarray() if f.format.is_planar else f.to_ndarray().reshape(-1, channels).T
        for f in frames
    ]
    return np.concatenate([p[0] for p in planes]).astype(np.float64), frames[0].sample_rate


def audio_lag(source: Path, start: float, out: Path) -> int:
    """Samples by which `out`'s audio is late on the source's audio from `start` seconds on."""
    src, rate = first_channel(source)
    dst, _ = first_channel(out)
    margin, length = 400, rate // 2
    reference = src[int(start * rate) + margin :][:length]
    return max(
        range(-margin, margin + 1),
        key=lambda lag: float(np.dot(reference, dst[margin + lag :][:length])),
    )


def round_trip(source: Path, out: Path, **trim: float) -> None:
    with VideoReader(source, **trim) as reader, VideoWriter(out, reader) as writer:
        for frame in reader:
            writer.write(frame)


@pytest.fixture(scope="module")
def s18_copy(videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roundtrip") / "s18_out.mp4"
    round_trip(videos / "s18.mp4", out)
    return out


def test_round_trip_keeps_size_rate_count_and_audio(videos: Path, s18_copy: Path) -> None:
    source, copy = probe_video(videos / "s18.mp4"), probe_video(s18_copy)
    assert (copy.width, copy.height, copy.frames, copy.fps) == (1280, 720, 282, 30.0)
    assert copy.duration == pytest.approx(source.duration)
    assert copy.codec == "h264"
    assert copy.audio_codec == "aac"


def test_round_trip_keeps_timestamps(videos: Path, s18_copy: Path) -> None:
    assert video_pts(s18_copy) == video_pts(videos / "s18.mp4")


def test_round_trip_copies_audio_packets(videos: Path, s18_copy: Path) -> None:
    assert audio_packets(s18_copy) == audio_packets(videos / "s18.mp4")


def test_round_trip_is_faststart(s18_copy: Path) -> None:
    head = s18_copy.read_bytes()[:1_000_000]
    assert 0 < head.find(b"moov") < head.find(b"mdat")


def test_round_trip_pixels_close_to_source(videos: Path, s18_copy: Path) -> None:
    absolute, signed = [], []
    with VideoReader(videos / "s18.mp4") as a, VideoReader(s18_copy) as b:
        for x, y in zip(a, b, strict=True):
            diff = x.image.astype(np.int16) - y.image.astype(np.int16)
            absolute.append(float(np.abs(diff).mean()))
            signed.append(float(diff.mean()))
    assert len(absolute) == 282
    assert max(absolute) <= 2.0
    # No drift in brightness: repeated round trips must not darken or lighten the video.
    assert abs(np.mean(signed)) < 0.3


def test_variable_frame_rate_survives(make_clip: MakeClip, tmp_path: Path) -> None:
    gaps = [1, 1, 3, 1, 2, 5, 1]
    ticks = [0, *np.cumsum(gaps).tolist()]
    images = [np.full((64, 96, 3), 30 * i, np.uint8) for i in range(len(ticks))]
    clip = make_clip("vfr.mp4", images, ticks, time_base=Fraction(1, 25))
    source_pts = video_pts(clip)
    # The MP4 clock has its own unit, so compare gaps in source ticks, not raw numbers.
    assert np.diff(source_pts).tolist() == [g * source_pts[1] for g in gaps]

    out = tmp_path / "vfr_out.mp4"
    round_trip(clip, out)
    assert video_pts(out) == source_pts
    with VideoReader(out) as reader:
        means = [float(f.image.mean()) for f in reader]
    assert means == pytest.approx([30 * i for i in range(len(ticks))], abs=3)


def test_trimmed_output_starts_at_zero_with_matching_audio(videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "trim.mp4"
    round_trip(videos / "s18.mp4", out, start=1.0, end=2.0)
    assert video_pts(out) == [3000 * i for i in range(30)]
    info = probe_video(out)
    assert (info.frames, info.duration, info.audio_codec) == (30, pytest.approx(1.0), "aac")
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert audio.duration * audio.time_base == pytest.approx(1.0, abs=0.001)
    assert abs(audio_lag(videos / "s18.mp4", 1.0, out)) <= 2


def test_audio_mp4_cannot_hold_is_reencoded_in_sync(make_clip: MakeClip, tmp_path: Path) -> None:
    images = [np.full((64, 96, 3), 8 * i, np.uint8) for i in range(26)]
    clip = make_clip("pcm.mkv", images, range(26), audio_codec="pcm_s16le")
    assert probe_video(clip).audio_codec == "pcm_s16le"
    out = tmp_path / "pcm_out.mp4"
    round_trip(clip, out)
    assert probe_video(out).audio_codec == "aac"
    assert abs(audio_lag(clip, 0.0, out)) <= 2


def test_audio_mp4_can_hold_is_copied(make_clip: MakeClip, tmp_path: Path) -> None:
    images = [np.full((64, 96, 3), 8 * i, np.uint8) for i in range(26)]
    clip = make_clip("opus.mkv", images, range(26), audio_codec="libopus")
    out = tmp_path / "opus_out.mp4"
    round_trip(clip, out)
    assert probe_video(out).audio_codec == "opus"
    assert audio_packets(out) == audio_packets(clip)


def test_source_without_audio_gives_output_without_audio(videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "d0.mp4"
    round_trip(videos / "d0.mp4", out)
    info = probe_video(out)
    assert (info.frames, info.audio_codec) == (78, None)


def test_rotated_source_is_written_upright(make_clip: MakeClip, tmp_path: Path) -> None:
    stored = np.zeros((32, 64, 3), np.uint8)
    clip = make_clip("rotated.mp4", [stored] * 2, [0, 1], rotation=-90)
    out = tmp_path / "upright.mp4"
    round_trip(clip, out)
    info = probe_video(out)
    assert (info.width, info.height, info.rotation) == (32, 64, 0)


def test_check_writable_rejects_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        check_writable(tmp_path / "missing" / "out.mp4")


def test_writer_in_missing_folder_fails_before_work(videos: Path, tmp_path: Path) -> None:
    with VideoReader(videos / "d0.mp4") as reader, pytest.raises(MediaError, match="missing"):
        VideoWriter(tmp_path / "missing" / "out.mp4", reader)


def test_exception_in_block_leaves_nothing_behind(videos: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with (
        pytest.raises(RuntimeError, match="processing failed"),
        VideoReader(videos / "d0.mp4") as reader,
        VideoWriter(out_dir / "x.mp4", reader) as writer,
    ):
        for frame in reader:
            writer.write(frame)
            if frame.index == 10:
                raise RuntimeError("processing failed")
    assert list(out_dir.iterdir()) == []


def test_wrong_frame_size_is_refused(videos: Path, tmp_path: Path) -> None:
    with VideoReader(videos / "d0.mp4") as reader:
        frame = next(iter(reader))
        frame.image = frame.image[:100]
        with (
            pytest.raises(ValueError, match="expected uint8"),
            VideoWriter(tmp_path / "x.mp4", reader) as writer,
        ):
            writer.write(frame)
    assert list(tmp_path.iterdir()) == []



@pytest.mark.parametrize("width", [202, 1280])  # 606 bytes a row (padded by FFmpeg), 3840
def test_frames_reach_the_encoder_with_the_callers_pixels(width: int) -> None:
    from facecast.media.writer import _rgb_frame

    image = np.random.default_rng(width).integers(0, 256, (36, width, 3), np.uint8)
    frame = _rgb_frame(image)
    image[:] = 0  # the frame holds a copy
    assert np.array_equal(frame.to_ndarray(), np.random.default_rng(width).integers(
        0, 256, (36, width, 3), np.uint8))
    assert frame.format.name == "rgb24"



def test_the_bytes_past_each_planes_width_reach_x264_as_zeros(make_clip, tmp_path: Path
                                                              ) -> None:
    """The colour converter's frames have rows longer than the picture (a 720 px wide
    frame's chroma rows hold 360 pixels in 384 bytes) and leaves the bytes past the width
    as the allocator had them; x264 reads some of them, so encoded swaps differed from run
    to run (by up to 22 levels, anywhere in the frame) with whatever the heap held. The
    heap here is left full of 0xFF before every frame, and frame-sized blocks come from it
    as in a swap (`reuse_freed_memory`; otherwise from fresh, zeroed pages)."""
    from facecast.cores import reuse_freed_memory
    from facecast.looks.finish import ENCODER

    reuse_freed_memory()

    rng = np.random.default_rng(5)
    images = [np.clip(rng.normal(128, 40, (1280, 720, 3)), 0, 255).astype(np.uint8)
              for _ in range(4)]
    source = make_clip("source.mp4", images, pts=range(len(images)))
    padding: list[tuple[int, int]] = []  # per plane handed to x264: (bytes past width, max)

    with VideoReader(source) as reader, VideoWriter(tmp_path / "out.mp4", reader,
                                                    **ENCODER) as writer:
        stream = writer._video

        class Watched:
            """The writer's stream, noting each frame's padding as x264 gets it."""

            def encode(self, frame: av.VideoFrame | None) -> list[av.Packet]:
                for plane in frame.planes if frame is not None else ():
                    rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                    past = rows[:, plane.width:]
                    padding.append((past.size, int(past.max(initial=0))))
                return stream.encode(frame)

            def __getattr__(self, name: str) -> object:
                return getattr(stream, name)

        writer._video = Watched()
        for frame in reader:
            held = [np.full(size, 255, np.uint8) for size in range(20_000, 2_000_000, 20_000)]
            del held
            writer.write(frame)
    assert len(padding) == 3 * len(images)
    assert sum(size for size, _ in padding) > 0  # the chroma rows are padded
    assert max(top for _, top in padding) == 0
