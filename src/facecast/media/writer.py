"""Encode processed frames into an MP4 that keeps the source's size, timing and sound."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import av
import av.container
import av.video.reformatter as reformatter
import numpy as np

from facecast.errors import MediaError, ParamError

from ._files import AtomicFile
from ._pipeline import BackgroundSink
from .audio import AudioTrack
from .probe import UNKNOWN_CODEC, ffmpeg_reason
from .reader import Frame, VideoReader

X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
X264_TUNES = ("film", "animation", "grain", "stillimage", "fastdecode", "zerolatency")

# Frames waiting for the encoder thread. Two absorb jitter between processing and encoding;
# the encoder is the slower side, so a longer queue would only hold memory.
_ENCODE_DEPTH = 2

# FFmpeg's colourspace codes (AVColorSpace) mapped to the matrix swscale uses for RGB -> YUV, so
# the output's pixels match the tags copied from the source. Unlisted codes get swscale's default
# (BT.601), which is also what the reader assumed when converting them to RGB.
_SWS_MATRIX = {
    1: reformatter.Colorspace.ITU709,
    4: reformatter.Colorspace.FCC,
    5: reformatter.Colorspace.ITU601,
    6: reformatter.Colorspace.SMPTE170M,
    7: reformatter.Colorspace.SMPTE240M,
    9: reformatter.Colorspace.BT2020,
    10: reformatter.Colorspace.BT2020,
}


class VideoWriter:
    """Write frames read from `source` (then processed) to an H.264 MP4 at `path`.

    The output has the source's upright size, frame rate and timestamps (variable frame rate
    survives; a trimmed source starts at 0) and the source's audio. It appears at `path` only
    when the `with` block ends without an exception; until then it lives in a temporary file in
    the same folder, deleted on failure. Encoding runs in a worker thread, overlapping the
    caller's processing of the next frame. `size` (width, height; even numbers) makes the
    output smaller than the source: frames are then written at that size. Without `audio`
    the file has the video only (a piece of a longer video, joined later with the sound).
    `lookahead` (frames) turns on x264's macroblock tree over that many frames also in the
    presets that leave it off.
    """

    def __init__(
        self, path: str | Path, source: VideoReader, crf: int = 23, preset: str = "medium",
        size: tuple[int, int] | None = None, audio: bool = True, tune: str | None = None,
        lookahead: int | None = None,
    ) -> None:
        if not 0 <= crf <= 51:
            raise ParamError(f"crf must be between 0 and 51, got {crf}")
        if preset not in X264_PRESETS:
            raise ParamError(f"preset must be one of {', '.join(X264_PRESETS)}; got {preset!r}")
        if tune is not None and tune not in X264_TUNES:
            raise ParamError(f"tune must be one of {', '.join(X264_TUNES)}; got {tune!r}")
        self.path = Path(path)
        self._source = source
        self.size = size or (source.info.width, source.info.height)
        self._trimmed = source.start is not None or source.end is not None
        self._file = AtomicFile(self.path)
        self._audio: AudioTrack | None = None
        self._output: av.container.OutputContainer | None = None
        self._sink: BackgroundSink[av.VideoFrame] | None = None
        self._closed = False
        with self._aborting_on_error():
            self._output = av.open(
                str(self._file.tmp),
                "w",
                format="mp4",
                container_options={"movflags": "+faststart"},
            )
            self._video = self._add_video_stream(crf, preset, tune, lookahead)
            if audio and source.info.audio_codec not in (None, UNKNOWN_CODEC):
                self._audio = AudioTrack(source.path, self._output, self._trimmed)
        details = source.details
        self._matrix = _SWS_MATRIX.get(details.colorspace, reformatter.Colorspace.DEFAULT)
        # Every frame is given the source's nominal duration: MP4 derives a sample's duration
        # from the next timestamp, so this only sets the last frame's, as the source did.
        self._frame_ticks = max(round(1 / (details.rate * details.time_base)), 1)
        self._origin: int | None = None
        self._last_pts: int | None = None
        # one converter for the whole stream, on the encoder's thread: a frame's own
        # `reformat` set up a new one each frame, which started two threads each time
        self._to_yuv = reformatter.VideoReformatter()
        self._sink = BackgroundSink(self._encode, _ENCODE_DEPTH, "facecast-encode")

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def write(self, frame: Frame) -> None:
        """Queue `frame` for encoding at its source timestamp (its pixels may be new)."""
        width, height = self.size
        image = frame.image
        if image.shape != (height, width, 3) or image.dtype.name != "uint8":
            raise ValueError(
                f"frame {frame.index} is {image.dtype} {image.shape}; expected uint8 "
                f"{(height, width, 3)}"
            )
        pts = frame.pts
        if pts is None:  # containers without timestamps: place frames by their time
            pts = self._source.details.start_pts + round(frame.time / self._source.time_base)
        if self._origin is None:
            self._origin = pts if self._trimmed else 0
            if self._audio is not None and self._trimmed:
                self._audio.start_at(float(pts * self._source.time_base))
        if self._last_pts is not None and pts <= self._last_pts:
            raise MediaError(f"the video is damaged: its timestamps go back at frame "
                             f"{frame.index}; export it again")
        self._last_pts = pts
        video_frame = _rgb_frame(image)  # a copy: the caller may reuse its array at once
        video_frame.pts = pts - self._origin
        try:
            self._sink.put(video_frame)
        except av.FFmpegError as exc:
            raise MediaError(f"cannot write video {self.path}: {ffmpeg_reason(exc)}") from exc

    def close(self) -> None:
        """Finish the file and move it to `path`; on failure nothing is left behind."""
        if self._closed:
            return
        with self._aborting_on_error():
            self._sink.close()
            if self._last_pts is None:
                raise ValueError(f"no frame was written to {self.path}")
            self._mux(self._video.encode(None))
            if self._audio is not None:
                end = (self._last_pts + self._frame_ticks) * self._source.time_base
                self._audio.finish(float(end) if self._trimmed else None)
                self._audio.close()
            self._output.close()
            self._file.commit()
            self._closed = True

    @contextlib.contextmanager
    def _aborting_on_error(self) -> Iterator[None]:
        """Any failure removes the temporary file; FFmpeg's become a MediaError naming `path`."""
        try:
            yield
        except av.FFmpegError as exc:
            self._abort()
            raise MediaError(f"cannot write video {self.path}: {ffmpeg_reason(exc)}") from exc
        except BaseException:
            self._abort()
            raise

    def _add_video_stream(self, crf: int, preset: str, tune: str | None,
                          lookahead: int | None) -> av.VideoStream:
        details = self._source.details
        options = {"crf": str(crf), "preset": preset} | ({"tune": tune} if tune else {})
        if lookahead is not None:
            options["x264-params"] = f"mbtree=1:rc-lookahead={lookahead}"
        stream = self._output.add_stream("libx264", rate=details.rate, options=options)
        stream.width, stream.height = self.size
        stream.pix_fmt = "yuv420p"
        stream.time_base = details.time_base
        codec = stream.codec_context
        codec.time_base = details.time_base
        codec.colorspace = details.colorspace
        codec.color_primaries = details.color_primaries
        codec.color_trc = details.color_trc
        codec.color_range = reformatter.ColorRange.MPEG
        return stream

    def _encode(self, rgb: av.VideoFrame) -> None:
        """Worker side of write(): colour conversion, encoding, muxing video then audio."""
        frame = self._to_yuv.reformat(
            rgb,
            format="yuv420p",
            dst_colorspace=self._matrix,
            dst_color_range=reformatter.ColorRange.MPEG,
            threads=1,
        )
        _clear_padding(frame)
        frame.pts = rgb.pts
        frame.time_base = self._source.time_base
        frame.duration = self._frame_ticks
        self._mux(self._video.encode(frame))
        if self._audio is not None:
            self._audio.advance(float((rgb.pts + self._origin) * self._source.time_base))

    def _mux(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            self._output.mux(packet)

    def _abort(self) -> None:
        """Stop everything and delete the temporary file; errors here would hide the real one."""
        self._closed = True
        if self._sink is not None:
            self._sink.abandon()
        for closable in (self._audio, self._output):
            if closable is not None:
                with contextlib.suppress(av.FFmpegError, OSError):
                    closable.close()
        self._file.discard()


def _clear_padding(frame: av.VideoFrame) -> None:
    """Zero the bytes past each plane's width (`line_size` is rounded up for alignment; the
    converter leaves them as the allocator had them). x264 reads some of them: with the
    frames it was given the same to the bit, what was left there changed the encoded
    picture, in 5 of 6 fresh processes once the threads shared their heaps
    (`cores.ARENAS`), by up to 22 levels anywhere in the frame."""
    for plane in frame.planes:
        if plane.line_size > plane.width:
            rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
            rows[:, plane.width:] = 0


def _rgb_frame(image: np.ndarray) -> av.VideoFrame:
    """An `rgb24` frame holding a copy of `image` (h x w x 3, uint8).

    Copied by numpy into the frame's own buffer: PyAV's `from_ndarray` took 2.3 ms a 720p
    frame on the calling thread, this 0.3 ms, the same pixels."""
    height, width = image.shape[:2]
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size)
    rows[:, : 3 * width].reshape(height, width, 3)[...] = image
    return frame
