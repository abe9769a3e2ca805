"""What each job kind does. Both call the same functions as the CLI; no step is redone here.

A runner gets the job's row and a `Context`; it reports progress through `context.progress`
(which raises to cancel or interrupt the job) and returns what to record on the job.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from facecast.casting.selection import Cast, cast_for
from facecast.errors import FacecastError, IdentityError, MediaError
from facecast.identity.build import build_identity
from facecast.identity.model import Identity, load
from facecast.jobs.context import Context, MissingInputError, Outcome
from facecast.jobs.datasets import run as run_dataset
from facecast.jobs.layout import Layout, remove
from facecast.jobs.models import IdentityRow, JobRow, VideoRow
from facecast.jobs.signals import JobCancelled, JobInterrupted
from facecast.jobs.split import Target, local_plan, run_locally
from facecast.jobs.store import Store
from facecast.looks.edit import EditResult, edit_file
from facecast.media import media_kind, probe_video, read_image
from facecast.params import EditParams, SwapParams
from facecast.pipeline import swap_file
from facecast.quality import evaluate
from facecast.templates import get_template

Runner = Callable[[JobRow, Context], Outcome]
SWAP_SHARE = 0.6
"""Of a swap job's progress bar: the rest is its quality report (`facecast eval`), which
measures the result against the original at about two thirds of the swap's speed."""


NO_REPORT = ("no quality report: it compares the result with the original pixel for pixel, "
             "and the result is smaller (adjustments.resolution, or an odd width or height "
             "made even for H.264)")




def build(job: JobRow, ctx: Context) -> Outcome:
    """Train the identity from its uploaded photos; the photos are deleted once it is settled
    (kept only when a shutdown interrupts the build, which then runs again)."""
    identity_id = job.payload["identity_id"]
    row = ctx.store.get(IdentityRow, identity_id)
    if row is None:
        raise MissingInputError("the identity was deleted before it was built")
    photos = ctx.layout.photos(identity_id)
    try:
        identity = build_identity(
            [photos], identity_id, min_photos=ctx.min_photos, max_photos=ctx.max_photos,
            progress=lambda i, n, _what: ctx.progress(i / n), root=ctx.layout.identities,
            consent=job.payload.get("consent"))
    except JobInterrupted:
        raise
    except BaseException as exc:
        if isinstance(exc, FacecastError):
            message = str(exc)
        elif isinstance(exc, JobCancelled):
            message = "training was cancelled"
        else:
            message = "training failed because of an internal error"
        ctx.store.update(IdentityRow, identity_id, status="failed", error=message)
        remove(photos)
        raise
    remove(photos)
    ctx.store.update(IdentityRow, identity_id, status="ready", error=None,
                     report=dict(identity.report, name=row.name))
    if ctx.store.get(IdentityRow, identity_id) is None:  # deleted while it was being built
        remove(ctx.layout.identities / identity_id)
    return Outcome()


def source_of(payload: dict[str, Any], layout: Layout, store: Store) -> Path:
    """The file a swap reads: an uploaded video (still owned by the job's owner) or a template."""
    if payload.get("video_id"):
        video = store.get(VideoRow, payload["video_id"])
        if video is None:
            raise MissingInputError("the video was deleted before the job ran")
        return layout.video(video.id) / "source"
    template = get_template(payload["template_id"])
    if template is None:
        raise MissingInputError(f"the template {payload['template_id']!r} is no longer installed")
    return template.path


def faces_folder(payload: dict[str, Any], layout: Layout) -> Path:
    """Where the target's face list is kept: the same folder the face picker uses."""
    if payload.get("video_id"):
        return layout.faces(payload["video_id"])
    template = get_template(payload["template_id"])
    if template is None:
        raise MissingInputError(f"the template {payload['template_id']!r} is no longer installed")
    return template.faces_folder


def result_path(job: JobRow, source: Path, layout: Layout) -> Path:
    """Where a job's result goes: named after the job, in the source's kind and format."""
    if media_kind(source) == "image":
        suffix = ".png" if read_image(source).format == "PNG" else ".jpg"
    else:
        suffix = ".mp4"
    return layout.results() / f"{job.id}{suffix}"


def in_user_words(runner: Runner) -> Runner:
    """`runner` whose media errors name the upload as the user named it and the result as
    "the result", never where the server keeps them."""

    @functools.wraps(runner)
    def run(job: JobRow, ctx: Context) -> Outcome:
        try:
            return runner(job, ctx)
        except MediaError as exc:
            text = re.sub(re.escape(str(ctx.layout.results() / job.id)) + r"\.\w+",
                          "the result", str(exc))
            video = ctx.store.get(VideoRow, job.payload.get("video_id") or "")
            if video is not None:
                text = text.replace(str(ctx.layout.video(video.id) / "source"), video.filename)
            raise MediaError(text) from exc

    return run


def swap_target(job: JobRow, ctx: Context) -> Target:
    """What a swap job reads and writes, and who goes where. The target's face list is made
    here, once, before any cut into pieces: every piece labels faces with its ids."""
    payload = job.payload

    def identity(identity_id: str) -> Identity:
        if ctx.store.get(IdentityRow, identity_id) is None:
            raise MissingInputError("an identity was deleted before the swap ran")
        try:
            return load(identity_id, root=ctx.layout.identities)
        except IdentityError as exc:  # its message would list every session's identities
            raise MissingInputError("an identity was deleted before the swap ran") from exc

    source = source_of(payload, ctx.layout, ctx.store)
    mapping = {int(k): v for k, v in (payload.get("map") or {}).items()}
    who = cast_for(source, payload.get("faces") or "largest", mapping,
                   payload.get("identity_id"), identity, faces_folder(payload, ctx.layout))
    return Target(source, result_path(job, source, ctx.layout),
                  SwapParams.model_validate(payload.get("params") or {}), who)


def swap_outcome(target: Target, result: EditResult, ctx: Context) -> Outcome:
    """A finished swap's record, with its quality report (the last part of its progress)."""
    params, output = target.params, target.output
    if _size(output) != _size(target.source):  # the figures compare frames pixel for pixel
        result.warnings.append(NO_REPORT)
        return Outcome(result=output.name, result_kind=result.kind, warnings=result.warnings)
    measured = _measured(target.who)
    report = None if measured is None else evaluate(
        target.source, output, measured.embedding, start=params.start, end=params.end,
        arc_target=measured.arc_embedding,
        progress=lambda done, total: ctx.progress(SWAP_SHARE + (1 - SWAP_SHARE) * done
                                                  / max(total, 1))).model_dump()
    return Outcome(result=output.name, result_kind=result.kind, warnings=result.warnings,
                   report=report)


def _size(path: Path) -> tuple[int, int]:
    if media_kind(path) == "image":
        return read_image(path).rgb.shape[:2]
    info = probe_video(path)
    return info.height, info.width


@in_user_words
def swap(job: JobRow, ctx: Context) -> Outcome:
    """Swap the identity (or one per chosen face) into the video or photo; the result is
    named after the job. A long video runs in pieces when the pool has processes for them."""
    target = swap_target(job, ctx)
    plan = local_plan(target, ctx.split)
    if plan is not None:
        result = run_locally(job.id, target, plan, ctx, SWAP_SHARE)
    else:
        result = swap_file(target.who, target.source, target.output, target.params,
                           progress=lambda done, total: ctx.progress(SWAP_SHARE * done
                                                                     / max(total, 1)))
    return swap_outcome(target, result, ctx)


def _measured(who: Identity | Cast) -> Identity | None:
    """The identity the quality report measures: `facecast eval` looks at the largest face
    of each frame, so a cast is measured when the largest listed face is in it."""
    if isinstance(who, Identity):
        return who
    largest = max(who.faces.faces, key=lambda f: f.size).id
    return who.roles.get(largest)


def edit_target(job: JobRow, ctx: Context) -> Target:
    source = source_of(job.payload, ctx.layout, ctx.store)
    return Target(source, result_path(job, source, ctx.layout),
                  EditParams.model_validate(job.payload.get("params") or {}))


def edit_outcome(target: Target, result: EditResult, _ctx: Context) -> Outcome:
    return Outcome(result=target.output.name, result_kind=result.kind,
                   warnings=result.warnings)


@in_user_words
def edit(job: JobRow, ctx: Context) -> Outcome:
    """Change the looks of the video or photo (no swap); the result is named after the job."""
    target = edit_target(job, ctx)
    plan = local_plan(target, ctx.split)
    if plan is not None:
        result = run_locally(job.id, target, plan, ctx, 1.0)
    else:
        result = edit_file(target.source, target.output, target.params,
                           progress=lambda done, total: ctx.progress(done / max(total, 1)))
    return edit_outcome(target, result, ctx)


def dataset(job: JobRow, ctx: Context) -> Outcome:
    """Extract, filter and cluster faces (see `jobs.datasets`)."""
    return run_dataset(job, ctx)


SPLITTABLE: dict[str, tuple[Callable[[JobRow, Context], Target],
                            Callable[[Target, EditResult, Context], Outcome], float]] = {
    "swap": (swap_target, swap_outcome, SWAP_SHARE),
    "edit": (edit_target, edit_outcome, 1.0),
}
"""The job kinds a long video cuts into pieces: what they read and write, what they record
at the end, and the share of the progress bar their pieces fill."""

RUNNERS: dict[str, Runner] = {
    "build_identity": build,
    "swap": swap,
    "edit": edit,
    "dataset": dataset,
}
