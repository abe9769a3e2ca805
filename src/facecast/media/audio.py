"""Carry a source video's audio into the output, interleaved with the video as it is written.

The soundtrack is never touched by face processing, so whenever possible its packets are copied
unchanged: no quality loss and no encoding time. It is re-encoded to AAC only when MP4 cannot
hold its codec, or when the video is trimmed (cutting compressed audio on packet boundaries
would drift by up to a packet from the video cut).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np

# Audio codecs the MP4 muxer stores as they are.
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "alac", "opus", "flac", "ac3", "eac3"})


class AudioTrack:
    """Feeds the source's first audio stream into `output`, a little at a time.

    Times are seconds on the source's clock. A trimmed track drops the audio before
    start_at(seconds) and shifts the rest so that moment becomes 0 in the output (the writer
    shifts the video identically); finish(end) drops audio past the end of the video.
    """

    def __init__(self, source: Path, output: av.container.OutputContainer, trimmed: bool) -> None:
        self._output = output
        self._input = av.open(str(source), metadata_errors="replace")
        self._in = self._input.streams.audio[0]
        self._copy = not trimmed and self._in.codec.canonical_name in MP4_AUDIO_CODECS
        if self._copy:
            self._out = output.add_stream_from_template(self._in)
        else:
            decoder = self._in.codec_context
            self._out = output.add_stream("aac", rate=decoder.sample_rate)
            # Mono or stereo: what the videos we get carry, and layouts the AAC encoder always
            # accepts (sources with an unnamed channel order would be refused); more channels
            # are mixed down.
            self._out.layout = "mono" if decoder.layout.nb_channels == 1 else "stereo"
            # Generous for AAC, since the source was probably lossy already; not the source's
            # own bit rate, which for PCM is beyond what the AAC encoder accepts.
            self._out.bit_rate = min(96_000 * decoder.layout.nb_channels, 384_000)
        self._from = 0.0
        self._packets = self._input.demux(self._in)
        self._pending: list[av.Packet | av.AudioFrame] = []
        self._exhausted = False

    def start_at(self, seconds: float) -> None:
        """Drop the audio before `seconds` and make that moment time 0; call before advance()."""
        self._from = seconds
        # A little early: an AAC frame decodes correctly only after its predecessor.
        self._input.seek(int(max(seconds - 0.2, 0) / self._in.time_base), stream=self._in)
        self._packets = self._input.demux(self._in)

    def advance(self, until: float) -> None:
        """Write the audio that starts before `until` seconds."""
        while self._fill() and _start(self._pending[0]) < until:
            self._emit(self._pending.pop(0), None)

    def finish(self, end: float | None) -> None:
        """Write the rest of the audio (up to `end` seconds, if given) and flush the encoder."""
        while self._fill():
            item = self._pending.pop(0)
            if end is None or _start(item) < end:
                self._emit(item, end)
        if not self._copy:
            for packet in self._out.encode(None):
                self._output.mux(packet)

    def close(self) -> None:
        self._input.close()

    def _fill(self) -> bool:
        """Make sure an item is pending unless the source is exhausted; say whether one is."""
        while not self._pending and not self._exhausted:
            packet = next(self._packets, None)
            if packet is None:
                self._exhausted = True
                if not self._copy:
                    self._pending.extend(self._in.decode(None))
            elif packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            elif self._copy:
                self._pending.append(packet)
            else:
                self._pending.extend(self._in.decode(packet))
        return bool(self._pending)

    def _emit(self, item: av.Packet | av.AudioFrame, end: float | None) -> None:
        if isinstance(item, av.Packet):
            item.stream = self._out
            self._output.mux(item)
            return
        frame = self._cut(item, end)
        if frame is not None:
            for packet in self._out.encode(frame):
                self._output.mux(packet)

    def _cut(self, frame: av.AudioFrame, end: float | None) -> av.AudioFrame | None:
        """The part of `frame` inside [start, end), timestamped on the output clock."""
        rate = frame.sample_rate
        first = round(_start(frame) * rate)
        origin = round(self._from * rate)
        lo = max(origin - first, 0)
        hi = frame.samples if end is None else min(frame.samples, round(end * rate) - first)
        if hi <= lo:
            return None
        if (lo, hi) != (0, frame.samples):
            frame = _slice(frame, lo, hi)
        frame.pts = first + lo - origin
        frame.time_base = Fraction(1, rate)
        return frame


def _start(item: av.Packet | av.AudioFrame) -> float:
    """Start time in seconds; an item without timestamp is taken to start at 0."""
    if item.pts is None or item.time_base is None:
        return 0.0
    return float(item.pts * item.time_base)


def _slice(frame: av.AudioFrame, lo: int, hi: int) -> av.AudioFrame:
    """Samples [lo, hi) of `frame` as a new frame (packed formats interleave the channels)."""
    data = frame.to_ndarray()
    if frame.format.is_planar:
        data = data[:, lo:hi]
    else:
        channels = frame.layout.nb_channels
        data = data[:, lo * channels : hi * channels]
    part = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data), format=frame.format.name, layout=frame.layout.name
    )
    part.sample_rate = frame.sample_rate
    return part
