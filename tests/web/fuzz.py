"""Malformed uploads from a seed: what a careless or hostile client sends as a target.

`cases(seed, n)` yields `n` (file name, bytes, what it is) triples, the same for the same seed.
Seeds are small valid files made here (JPEG, PNG, H.264 and other codecs, audio only) and one
real portrait; each case is one of them mutated: truncated, bit-flipped, spliced with
another, given a random tail, a header lying about its size, or sent as it is under a
hostile name. Small files keep a thousand cases within a minute or two.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

HOSTILE_NAMES = (
    "../../../etc/passwd", "..\\..\\windows\\system32\\x.mp4", "/abs/path.mp4", ".", "..",
    "", " ", "a" * 400 + ".mp4", "名前 с пробелом.mp4", "quote\"d'.jpg", "semi;colon.png",
    "tab\tname.mp4", "CON", "NUL.jpg", ".hidden", "-rf.mp4", "$(reboot).jpg", "`id`.png",
    "%2e%2e%2fup.mp4", "emoji-🙂.jpg", "back\\slash.png", "x.mp4.exe", "null\u0000byte.mp4",
)


def _picture(width: int, height: int, rng: random.Random) -> np.ndarray:
    """A smooth random picture (gradients and a blob), so codecs have something to code."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / max(width, 1), y / max(height, 1),
                     np.full_like(x, rng.random())], axis=-1)
    return (base * 255).astype(np.uint8)


def image_bytes(width: int, height: int, fmt: str, rng: random.Random) -> bytes:
    out = io.BytesIO()
    Image.fromarray(_picture(width, height, rng)).save(out, fmt)
    return out.getvalue()


def video_bytes(width: int, height: int, rng: random.Random, *, codec: str = "libx264",
                container: str = "mp4", frames: int = 6, audio: bool = False,
                video: bool = True) -> bytes:
    """A short clip (or only its sound) encoded in memory."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as box:
        stream = None
        if video:
            stream = box.add_stream(codec, rate=10)
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
            if codec == "libx265":
                stream.options = {"x265-params": "log-level=error"}
        sound = box.add_stream("aac", rate=16000) if audio else None
        for i in range(frames if stream else 0):
            frame = av.VideoFrame.from_ndarray(np.roll(_picture(width, height, rng), i, 1), "rgb24")
            box.mux(stream.encode(frame))
        if stream:
            box.mux(stream.encode())
        if sound is not None:
            samples = np.zeros((1, 1024), np.float32)
            for i in range(8):
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = 16000, i * 1024
                chunk.time_base = Fraction(1, 16000)
                box.mux(sound.encode(chunk))
            box.mux(sound.encode())
    return out.getvalue()


def lying_png(width: int, height: int, rng: random.Random) -> bytes:
    """A real 8x8 PNG whose header (with a valid checksum) claims `width` x `height`."""
    data = bytearray(image_bytes(8, 8, "PNG", rng))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def lying_jpeg(width: int, height: int, rng: random.Random) -> bytes:
    """A real 16x16 JPEG whose frame header (SOF0) claims `width` x `height`."""
    data = bytearray(image_bytes(16, 16, "JPEG", rng))
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def seeds(rng: random.Random, media: Path | None) -> list[tuple[str, bytes]]:
    """Valid files of many kinds, each small."""
    made = [
        ("small.jpg", image_bytes(64, 48, "JPEG", rng)),
        ("small.png", image_bytes(48, 64, "PNG", rng)),
        ("clip.mp4", video_bytes(64, 48, rng)),
        ("sound.mp4", video_bytes(64, 48, rng, audio=True)),
        ("tiny.mp4", video_bytes(34, 18, rng)),
        ("odd.mp4", video_bytes(33, 17, rng, codec="mpeg4")),
        ("two.mp4", video_bytes(2, 2, rng)),
        ("clip.mkv", video_bytes(64, 48, rng, container="matroska", codec="mpeg4")),
        ("clip.webm", video_bytes(64, 48, rng, container="webm", codec="libvpx")),
        ("clip.avi", video_bytes(64, 48, rng, container="avi", codec="mjpeg")),
        ("clip.ts", video_bytes(64, 48, rng, container="mpegts", codec="mpeg2video")),
        ("clip.mov", video_bytes(64, 48, rng, container="mov", codec="libx264")),
        ("hevc.mp4", video_bytes(64, 48, rng, codec="libx265")),
        ("audio.m4a", video_bytes(0, 0, rng, audio=True, video=False)),
        ("one.png", image_bytes(1, 1, "PNG", rng)),
        ("one.jpg", image_bytes(1, 1, "JPEG", rng)),
        ("strip.png", image_bytes(3000, 1, "PNG", rng)),
        ("anim.gif", image_bytes(32, 32, "GIF", rng)),
        ("pic.bmp", image_bytes(32, 32, "BMP", rng)),
        ("pic.tiff", image_bytes(32, 32, "TIFF", rng)),
        ("pic.webp", image_bytes(32, 32, "WEBP", rng)),
        ("huge.png", lying_png(100_000, 100_000, rng)),
        ("wide.png", lying_png(1 << 30, 2, rng)),
        ("huge.jpg", lying_jpeg(65_000, 65_000, rng)),
        ("zero.jpg", lying_jpeg(0, 0, rng)),
        ("zero.png", lying_png(0, 0, rng)),
    ]
    if media is not None:
        with Image.open(media / "portraits" / "s1.jpg") as im:
            im.thumbnail((200, 200))
            face = io.BytesIO()
            im.convert("RGB").save(face, "JPEG")
        made.append(("face.jpg", face.getvalue()))
    return made


def _truncate(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    return data[: rng.randrange(0, len(data))]


def _flip(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _splice(data: bytes, rng: random.Random, other: bytes) -> bytes:
    return data[: rng.randrange(1, len(data) + 1)] + other[rng.randrange(len(other)):]


def _tail(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    return data + rng.randbytes(rng.randint(1, 4096))


def _chunk_shuffle(data: bytes, rng: random.Random, _other: bytes) -> bytes:
    cut = sorted(rng.randrange(len(data)) for _ in range(2))
    return data[: cut[0]] + data[cut[1]:] + data[cut[0]:cut[1]]


def _same(data: bytes, _rng: random.Random, _other: bytes) -> bytes:
    return data


def _noise(_data: bytes, rng: random.Random, _other: bytes) -> bytes:
    return rng.randbytes(rng.randint(0, 2048))


MUTATIONS: dict[str, Callable[[bytes, random.Random, bytes], bytes]] = {
    "truncated": _truncate, "bit flips": _flip, "spliced": _splice, "random tail": _tail,
    "chunks moved": _chunk_shuffle, "noise": _noise, "as is": _same,
}


def cases(seed: int, n: int, media: Path | None = None) -> Iterator[tuple[str, bytes, str]]:
    """`n` uploads: (file name, content, description), the same for the same seed."""
    rng = random.Random(seed)
    made = seeds(rng, media)
    kinds = [k for k in MUTATIONS if k != "as is"]  # each seed goes once as it is
    for i in range(n):
        name, data = made[i % len(made)] if i < len(made) else rng.choice(made)
        how = "as is" if i < len(made) else rng.choice(kinds)
        other = rng.choice(made)[1]
        mutated = MUTATIONS[how](data, rng, other) if data else data
        shown = rng.choice(HOSTILE_NAMES) if rng.random() < 0.15 else name
        yield shown, mutated, f"{name} {how}"
