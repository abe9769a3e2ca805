"""Swap and edit jobs on long videos, cut into pieces (`facecast.chunks`).

Without a broker the pieces run in a pool of local processes while the job's thread waits;
with one, `jobs.broker` sends them to Celery workers. Either way the pieces go to
`Layout.chunks(job)`, each written once (a piece found done is not run again), and are
removed after the join, or when the job fails or is cancelled; a shutdown keeps them, so
the job, queued again, starts from the pieces it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from facecast import credentials
from facecast.casting.selection import Cast
from facecast.chunks.join import join_pieces
from facecast.chunks.local import Piecework, run_pieces
from facecast.chunks.plan import Plan, plan_chunks
from facecast.chunks.work import Piece, edit_piece, remove_pieces, swap_piece
from facecast.identity.model import Identity
from facecast.jobs.context import Context, Split
from facecast.jobs.signals import JobInterrupted
from facecast.looks.edit import EditResult
from facecast.media import media_kind
from facecast.params import EditParams, SwapParams
from facecast.pipeline import SwapResult


@dataclass
class Target:
    """What a swap or edit job reads, writes and does (`who` is None for an edit)."""

    source: Path
    output: Path
    params: SwapParams | EditParams
    who: Identity | Cast | None = None

    def piece_args(self, folder: Path, plan: Plan) -> list[tuple]:
        """Each piece's arguments for `piecework` (before `progress`)."""
        if self.who is None:
            return [(self.source, folder, self.params, c) for c in plan.chunks]
        return [(self.who, self.source, folder, self.params, c) for c in plan.chunks]

    @property
    def piecework(self) -> Piecework:
        return edit_piece if self.who is None else swap_piece


def plan_for(target: Target, seconds: float) -> Plan | None:
    """The pieces of a video longer than `seconds` (None: run it whole)."""
    if media_kind(target.source) != "video":
        return None
    return plan_chunks(target.source, target.params.start, target.params.end, seconds)


def local_plan(target: Target, split: Split | None) -> Plan | None:
    """Pieces worth running here: only with more than one process to run them."""
    if split is None or split.processes < 2:
        return None
    return plan_for(target, split.seconds)


def run_locally(job_id: str, target: Target, plan: Plan, ctx: Context, share: float
                ) -> SwapResult | EditResult:
    """Every piece in the local pool, then the join; progress fills [0, share]."""
    assert ctx.split is not None
    folder = ctx.layout.chunks(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        pieces = run_pieces(target.piecework, target.piece_args(folder, plan), plan,
                            ctx.split.processes, lambda f: ctx.progress(share * f))
    except JobInterrupted:
        raise
    except BaseException:
        remove_pieces(folder)
        raise
    return joined(target, plan, pieces, folder)


def joined(target: Target, plan: Plan, pieces: list[Piece], folder: Path
           ) -> SwapResult | EditResult:
    """The pieces joined into the target's output, and the counts of a whole run."""
    join_pieces([p.path for p in pieces], plan, target.source, target.output)
    # the pieces are not signed (a join would void each one's manifest): the whole file is
    credentials.sign(target.output, "edit" if target.who is None else "swap",
                     credentials.describe(target.params))
    remove_pieces(folder)
    shared = [w for w in pieces[0].warnings if all(w in p.warnings for p in pieces)]
    counts = {"output": str(target.output), "kind": "video",
              "frames": sum(p.frames for p in pieces),
              "face_frames": sum(p.face_frames for p in pieces), "warnings": shared}
    if target.who is None:
        return EditResult(**counts)
    return SwapResult(**counts, swapped_frames=sum(p.swapped_frames for p in pieces))
