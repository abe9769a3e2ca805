"""One piece of a long swap or edit: the existing loop on a frame range, safe to run twice.

A piece is written to `chunk-NNNN.mp4` through the video writer's temporary file and
rename, then its counts to `chunk-NNNN.json` the same way; the JSON is the mark that the
piece is done, so a piece run again (a worker died, the job was re-queued) is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facecast.casting.selection import Cast
from facecast.chunks.plan import Chunk
from facecast.faces.smoothing import AHEAD
from facecast.identity.model import Identity
from facecast.looks.edit import Progress, edit_video
from facecast.media import probe_video
from facecast.params import EditParams, SwapParams
from facecast.pipeline import swap_video


@dataclass(frozen=True)
class Piece:
    """A finished piece: its file and the counts the job's result adds up."""

    path: Path
    frames: int
    face_frames: int
    swapped_frames: int
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "frames": self.frames, "face_frames": self.face_frames,
                "swapped_frames": self.swapped_frames, "warnings": list(self.warnings)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Piece:
        return cls(Path(data["path"]), data["frames"], data["face_frames"],
                   data["swapped_frames"], tuple(data.get("warnings", ())))


def piece_path(folder: Path, chunk: Chunk) -> Path:
    return folder / f"chunk-{chunk.index:04d}.mp4"


def _done(folder: Path, chunk: Chunk) -> Piece | None:
    mark = piece_path(folder, chunk).with_suffix(".json")
    if not mark.exists() or not piece_path(folder, chunk).exists():
        return None
    return Piece.from_json(json.loads(mark.read_text()))


def _mark(piece: Piece) -> Piece:
    mark = piece.path.with_suffix(".json")
    tmp = mark.with_name(f".{mark.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(piece.to_json()))
    os.replace(tmp, mark)
    return piece


def swap_piece(who: Identity | Cast, source: Path, folder: Path, params: SwapParams,
               chunk: Chunk, progress: Progress | None = None) -> Piece:
    """Swap one piece into `folder` (nothing to do when it is there already)."""
    done = _done(folder, chunk)
    if done is not None:
        return done
    path = piece_path(folder, chunk)
    end = chunk.end
    if end is not None and end != params.end:  # a piece with frames after it: its last
        # frames are smoothed looking ahead into the next piece's, as in one process
        end += (AHEAD + 1) / (probe_video(source).fps or 30.0)
    span = params.model_copy(update={"start": chunk.warm, "end": end})
    result = swap_video(who, source, path, span, progress, write_from=chunk.start,
                        write_until=chunk.end)
    _check(result.frames, chunk)
    return _mark(Piece(path, result.frames, result.face_frames, result.swapped_frames,
                       tuple(result.warnings)))


def edit_piece(source: Path, folder: Path, params: EditParams, chunk: Chunk,
               progress: Progress | None = None) -> Piece:
    """Edit one piece into `folder` (nothing to do when it is there already)."""
    done = _done(folder, chunk)
    if done is not None:
        return done
    path = piece_path(folder, chunk)
    span = params.model_copy(update={"start": chunk.warm, "end": chunk.end})
    result = edit_video(source, path, span, progress, write_from=chunk.start)
    _check(result.frames, chunk)
    return _mark(Piece(path, result.frames, result.face_frames, 0, tuple(result.warnings)))


def _check(frames: int, chunk: Chunk) -> None:
    """The decoder gave this piece exactly its frames, or the join would drop or repeat some."""
    if frames != chunk.count:
        raise RuntimeError(f"piece {chunk.index} has {frames} frames, not {chunk.count}")


def remove_pieces(folder: Path) -> None:
    """Remove a job's pieces (after the join, or when it failed or was cancelled; a piece
    on another machine may still be stopping, so what vanishes meanwhile is no error)."""
    shutil.rmtree(folder, ignore_errors=True)
