"""`facecast edit` and `POST /api/edits`: a photo's or a video's looks changed, no face
swapped. The same stages as after a swap (`stage.Looks`), streamed frame by frame; the face
mesher runs only when a stage needs the face (sliders, a face-only style)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from facecast import credentials
from facecast.errors import ParamError
from facecast.faces.mesh import FaceMesher
from facecast.looks import finish
from facecast.looks.stage import Looks
from facecast.media import (
    VideoReader,
    VideoWriter,
    check_output_name,
    check_writable,
    media_kind,
    read_image,
    write_image,
)
from facecast.media.sheet import ContactSheet
from facecast.params import EditParams

NO_FACE = "no face was found, so the sliders and the face-only style changed nothing"

Progress = Callable[[int, int], None]
"""Called with (frames done, frames in all) after each frame."""


@dataclass
class EditResult:
    """What an edit did (a swap adds its own counts): a person or a test can check them."""

    output: str
    kind: str
    frames: int = 0
    face_frames: int = 0
    warnings: list[str] = field(default_factory=list)


class Editor:
    """The looks of one stream (a photo, or a video's frames in order)."""

    def __init__(self, params: EditParams, *, video: bool, size: tuple[int, int]) -> None:
        self.looks = Looks(params, video=video, size=size)
        self._mesher = FaceMesher(video=video) if self.looks.wants_faces else None
        self.face_frames = 0

    @property
    def out_size(self) -> tuple[int, int]:
        return self.looks.out_size

    def __call__(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """The frame as it should look (a new array, or `rgb` changed in place)."""
        faces = self._mesher.detect(rgb) if self._mesher is not None else []
        self.face_frames += bool(faces)
        return self.looks(rgb, t, faces)

    def missed_faces(self, result: EditResult) -> None:
        if self._mesher is not None and self.face_frames == 0:
            result.warnings.append(NO_FACE)

    def close(self) -> None:
        if self._mesher is not None:
            self._mesher.close()


def span_frames(reader: VideoReader) -> int:
    """How many frames the reader's [start, end) span should give (for progress)."""
    info = reader.info
    if reader.start is None and reader.end is None:
        return info.frames
    end = reader.end if reader.end is not None else info.duration
    return max(round((min(end, info.duration) - (reader.start or 0.0)) * info.fps), 1)


def edit_video(source: str | Path, output: str | Path, params: EditParams,
               progress: Progress | None = None, sheet: str | Path | None = None,
               write_from: float | None = None) -> EditResult:
    """With `write_from` (seconds) the frames before it are edited but not written, and the
    output has no sound: a piece of a longer video (`facecast.chunks`)."""
    result = EditResult(output=str(output), kind="video")
    with VideoReader(source, start=params.start, end=params.end) as reader:
        total = span_frames(reader)
        contact = ContactSheet(total) if sheet else None
        editor = Editor(params, video=True, size=(reader.info.width, reader.info.height))
        encoding = finish.encoder(params.adjustments.quality, reader.info)
        try:
            with VideoWriter(output, reader, size=editor.out_size, audio=write_from is None,
                             **encoding) as writer:
                for frame in reader:
                    before = frame.image.copy() if contact and contact.wants(frame.index) else None
                    frame.image = editor(frame.image, frame.time)
                    if write_from is None or frame.time >= write_from:
                        if before is not None:
                            contact.add(frame.index, before, frame.image)
                        writer.write(frame)
                        result.frames += 1
                    if progress:
                        progress(frame.index + 1, max(total, frame.index + 1))
        finally:
            editor.close()
    result.face_frames = editor.face_frames
    editor.missed_faces(result)
    if contact:
        contact.save(sheet)
    return result


def edit_image(source: str | Path, output: str | Path, params: EditParams,
               progress: Progress | None = None, sheet: str | Path | None = None
               ) -> EditResult:
    image = read_image(source)
    h, w = image.rgb.shape[:2]
    editor = Editor(params, video=False, size=(w, h))
    try:
        rgb = editor(image.rgb.copy(), 0.0)
    finally:
        editor.close()
    result = EditResult(output=str(output), kind="image", frames=1,
                        face_frames=editor.face_frames)
    editor.missed_faces(result)
    write_image(output, rgb, format=image.format,
                quality=finish.jpeg_quality(params.adjustments.quality))
    if progress:
        progress(1, 1)
    if sheet:
        contact = ContactSheet(1)
        contact.add(0, image.rgb, rgb)
        contact.save(sheet)
    return result


def edit_file(source: str | Path, output: str | Path, params: EditParams | None = None,
              progress: Progress | None = None, sheet: str | Path | None = None) -> EditResult:
    """Change the looks of a photo or a video (told apart by content); no face is swapped."""
    params = params or EditParams()
    check_writable(output)
    if sheet:
        check_writable(sheet)
    kind = media_kind(source)
    check_output_name(output, kind)
    if kind == "image":
        if params.start is not None or params.end is not None:
            raise ParamError("--start/--end apply to videos only")
        result = edit_image(source, output, params, progress, sheet)
    else:
        result = edit_video(source, output, params, progress, sheet)
    credentials.sign(output, "edit", credentials.describe(params))
    return result
