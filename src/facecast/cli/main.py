"""The `facecast` command: train identities, swap them into videos and photos."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from facecast.cli.dataset import dataset_app
from facecast.cli.models import models_app
from facecast.cli.progress import console, progress_bar
from facecast.errors import FacecastError

app = typer.Typer(help="Put a person's face onto a character in a video or photo.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
identities_app = typer.Typer(help="Manage trained identities.", no_args_is_help=True)
app.add_typer(identities_app, name="identities")
templates_app = typer.Typer(help="Manage templates: ready-made videos to swap into.",
                            no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(dataset_app, name="dataset")
app.add_typer(models_app, name="models")


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


_GROUPS = {"adjustments": "--adjust", "sliders": "--reshape"}


def _where(loc: tuple) -> str:
    """A validation error's place as the user typed it: `--adjust contrast`, `end`."""
    parts = [str(p).replace("_", "-") for p in loc]
    if parts and parts[0] in _GROUPS:
        return " ".join([_GROUPS[parts[0]], *parts[1:]])
    return ".".join(parts) or "params"


def _params(model: str = "SwapParams", **values: object) -> object:
    import facecast.params

    try:
        return getattr(facecast.params, model)(**values)
    except ValidationError as exc:
        _fail("; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()))
        raise AssertionError from exc  # unreachable: _fail exits


def _named(pairs: list[str] | None, option: str, group: str) -> dict[str, float]:
    """`--adjust contrast=20 --adjust noise-reduction=40` as {"contrast": 20.0, ...}."""
    import facecast.params

    fields = getattr(facecast.params, group).model_fields
    known = ", ".join(n.replace("_", "-") for n in fields)
    values: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        key = name.strip().lower().replace("-", "_")
        if not sep or not key:
            _fail(f"{option} {pair!r}: write NAME=VALUE, one of: {known}")
        if key not in fields:
            _fail(f"{option}: unknown name {name.strip()!r}; the names are: {known}")
        try:
            values[key] = float(value)
        except ValueError:
            _fail(f"{option} {pair}: {value.strip()!r} is not a number")
    return values


def _looks(style: str, style_scope: str, adjust: list[str] | None,
           reshape: list[str] | None) -> dict[str, object]:
    return {"style": style, "style_scope": style_scope,
            "adjustments": _named(adjust, "--adjust", "Adjustments"),
            "sliders": _named(reshape, "--reshape", "Sliders")}


Label = Annotated[str | None, typer.Option(
    metavar="on|off", help="a small \"AI\" mark in the bottom-right corner (default: on for "
    "swaps, off for edits)", show_default=False)]


def _label(value: str | None) -> dict[str, bool]:
    """`--label on|off` as the params' `label`; nothing when not given (the default)."""
    if value is None:
        return {}
    if value.lower() not in ("on", "off"):
        _fail(f"--label {value!r}: write on or off")
    return {"label": value.lower() == "on"}


Style = Annotated[str, typer.Option(help="realistic, oil, watercolor or comic")]
StyleScope = Annotated[str, typer.Option(help="frame (everything) or face (the face only)")]
Adjust = Annotated[list[str] | None, typer.Option(
    help="NAME=VALUE, repeatable: exposure (EV -3..3), brightness, shadows, highlights, "
         "contrast, saturation, temperature, tint, sharpness, clarity (-100..100), "
         "noise-reduction (0..100), resolution (-90..0 %), quality (-100..100); 0 = unchanged",
    show_default=False)]
Reshape = Annotated[list[str] | None, typer.Option(
    help="NAME=VALUE (-100..100, 0 = unchanged), repeatable: eye-size, nose-width, "
         "mouth-width, lip-fullness, face-width, jaw, chin-length, forehead-height",
    show_default=False)]


@app.command()
def train(
    photos: Annotated[list[Path], typer.Argument(help="selfies, or folders of them (JPEG/PNG)")],
    name: Annotated[str, typer.Option(help="name of the identity")],
    min_photos: Annotated[int, typer.Option(min=1, help="fewest photos accepted")] = 5,
    max_photos: Annotated[int, typer.Option(min=1, help="most photos accepted")] = 15,
    consent: Annotated[bool, typer.Option("--consent", help="confirm you have the right to "
                                          "use this face (your own, or with that person's "
                                          "permission); asked otherwise")] = False,
) -> None:
    """Build ("train") an identity from 5-15 selfies and print a per-photo report."""
    from facecast.identity.build import build_identity
    from facecast.identity.consent import record
    from facecast.identity.model import identity_path

    _ask_consent(consent)
    try:
        with progress_bar("training", "photos") as update:
            identity = build_identity(photos, name, min_photos=min_photos,
                                      max_photos=max_photos, progress=update,
                                      consent=record("cli"))
    except FacecastError as exc:
        _fail(str(exc))
    _print_report(identity.report)
    console.print(f"identity [bold]{name}[/] saved in {identity_path(name)} "
                  f"({identity.report['build_seconds']} s)")


def _ask_consent(given: bool) -> None:
    """`--consent`, else the question on the terminal; with no terminal to ask on, a refusal
    that says to pass `--consent`."""
    from facecast.identity.consent import REFUSED, STATEMENT

    if given:
        return
    if not sys.stdin.isatty():
        _fail(f"{REFUSED}: pass --consent (no terminal to ask on)")
    if not typer.confirm(f"{STATEMENT} Confirm?", default=False):
        _fail(REFUSED)


def _print_report(report: dict) -> None:
    table = Table(title=f"identity {report['name']}")
    for col in ("photo", "ok", "face px", "sharpness", "yaw", "pitch", "roll", "distance",
                "notes"):
        table.add_column(col)
    for p in report["photos"]:
        notes = "; ".join(p["problems"] + p.get("expression", [])
                          + (["glasses"] if p.get("glasses") else [])
                          + (["enhanced (upscaled)"] if p["enhanced"] else []))
        table.add_row(p["file"], "yes" if p["accepted"] else "[red]no[/]", f"{p['face_px']:.0f}",
                      f"{p['sharpness']:.0f}", f"{p['yaw']:+.0f}", f"{p['pitch']:+.0f}",
                      f"{p['roll']:+.0f}", "" if p["distance"] is None else f"{p['distance']:.2f}",
                      notes)
    console.print(table)
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")


@app.command()
def swap(
    input: Annotated[Path, typer.Option("--input", "-i", help="video or photo to change")],
    output: Annotated[Path, typer.Option("--output", "-o", help="where to write the result")],
    identity: Annotated[str | None, typer.Option(help="name of a trained identity: for every "
                                                      "selected face --map does not name")
                        ] = None,
    faces: Annotated[str | None, typer.Option(help="largest (default), all, ids of `facecast "
                                                   "faces` (0,2), or ref:PHOTO")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="ID=NAME: put identity NAME "
                                                                 "on face ID (repeatable)")
                    ] = None,
    identity_strength: Annotated[float, typer.Option(help="0 = original face, 1 = fully you")
                                 ] = 1.0,
    shape_strength: Annotated[float, typer.Option(help="0..1: how far the face shape moves "
                                                       "toward yours")] = 1.0,
    likeness: Annotated[float, typer.Option(help="0..1: how much of your own shading the "
                                                 "face keeps beyond brows, eyes and nose; "
                                                 "0 fits the footage's light best, 1 looks "
                                                 "most like you")] = 0.0,
    sheet: Annotated[Path | None, typer.Option(help="also write a PNG of original | swapped "
                                                    "frame pairs")] = None,
    start: Annotated[float | None, typer.Option(help="video: first second to keep")] = None,
    end: Annotated[float | None, typer.Option(help="video: second to stop before")] = None,
    match: Annotated[float | None, typer.Option(
        help="0..1: how far the face takes on the target's own texture and colours "
             "(paintings); default 1 on photos, 0 on videos")] = None,
    style: Style = "realistic",
    style_scope: StyleScope = "frame",
    adjust: Adjust = None,
    reshape: Reshape = None,
    engine: Annotated[str, typer.Option(help="mesh, or an installed swapper model "
                                             "(`facecast models list`): inswapper_128...")
                      ] = "mesh",
    enhancer: Annotated[str | None, typer.Option(help="an installed face restoration model "
                                                      "run after the swap: gfpgan_1.4, "
                                                      "codeformer, gpen_bfr_512")] = None,
    mask_model: Annotated[list[str] | None, typer.Option(
        help="an installed occluder or face parser (xseg_1, bisenet_resnet_34), repeatable: "
             "where it sees no face, the swap leaves the frame alone")] = None,
    target_glasses: Annotated[bool, typer.Option(
        help="the person in the video wears clear or thin-rimmed glasses: keep them in front "
             "of the new face (dark frames are kept without it)")] = False,
    timings: Annotated[Path | None, typer.Option(help="also write the milliseconds per frame "
                                                      "of each stage (wall clock and CPU) "
                                                      "as JSON")] = None,
    label: Label = None,
) -> None:
    """Swap a trained identity onto the face in a video (MP4 out, with its sound) or a photo;
    or several, one per face (--faces, --map)."""
    from facecast.casting.face_list import cache_folder
    from facecast.casting.selection import cast_for, parse_map
    from facecast.identity.model import load
    from facecast.media import check_writable
    from facecast.pipeline import swap_file
    from facecast.swap import check

    params = _params(identity_strength=identity_strength, shape_strength=shape_strength,
                     likeness=likeness, start=start, end=end, match=match, engine=engine,
                     enhancer=enhancer, mask_models=mask_model or [],
                     target_glasses=target_glasses, **_label(label),
                     **_looks(style, style_scope, adjust, reshape))
    try:
        check(params)
        mapping = parse_map(map_)
        folder = cache_folder(input) if faces not in (None, "largest") or mapping else None
        with progress_bar("finding faces", "frames") as update:
            who = cast_for(input, faces, mapping, identity, load, folder, update)
        if timings:
            check_writable(timings)
        with progress_bar("swapping", "frames") as update:
            result = swap_file(who, input, output, params, progress=update, sheet=sheet)
    except FacecastError as exc:
        _fail(str(exc))
    if timings:
        timings.write_text(json.dumps({"frames": result.frames, "stages": result.stages},
                                      indent=1))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    per_face = ", ".join(f"face {fid}: {n}" for fid, n in sorted(result.faces.items()))
    console.print(f"wrote {result.output}: {result.frames} frame(s), face in {result.face_frames},"
                  f" swapped in {result.swapped_frames}"
                  + (f" ({per_face})" if len(result.faces) > 1 else "")
                  + (f"; sheet {sheet}" if sheet else ""))


@app.command()
def faces(
    input: Annotated[Path, typer.Argument(help="video or photo")],
    as_json: Annotated[bool, typer.Option("--json", help="print the list as JSON")] = False,
    sheet: Annotated[Path | None, typer.Option(help="also write a PNG: the faces numbered, "
                                                    "with thumbnails")] = None,
    max_faces: Annotated[int, typer.Option(min=1, max=12, help="most faces a frame")] = 6,
) -> None:
    """List the faces of a video or photo: the ids --faces and --map use, with their frame
    spans, median boxes and sizes."""
    from facecast.casting.face_list import cache_folder, face_list, faces_sheet
    from facecast.media import check_writable, write_image

    try:
        if sheet is not None:
            check_writable(sheet)
        folder = cache_folder(input)
        with progress_bar("finding faces", "frames") as update:
            listed = face_list(input, folder, update, max_faces=max_faces)
    except FacecastError as exc:
        _fail(str(exc))
    if sheet is not None:
        write_image(sheet, faces_sheet(listed, folder), format="PNG")
    if as_json:
        typer.echo(json.dumps(listed.summary(), indent=2))
        return
    table = Table(title=f"{input.name}: {len(listed.faces)} face(s)")
    for col in ("id", "frames", "seconds", "seen", "size px", "box x, y, w, h"):
        table.add_column(col)
    for f in listed.faces:
        table.add_row(str(f.id), f"{f.first_frame}-{f.last_frame}", f"{f.start:.2f}-{f.end:.2f}",
                      str(f.frames_seen), f"{f.size:.0f}", ", ".join(f"{v:.0f}" for v in f.box))
    console.print(table)
    if sheet is not None:
        console.print(f"sheet {sheet}")


@app.command()
def edit(
    input: Annotated[Path, typer.Option("--input", "-i", help="video or photo to change")],
    output: Annotated[Path, typer.Option("--output", "-o", help="where to write the result")],
    style: Style = "realistic",
    style_scope: StyleScope = "frame",
    adjust: Adjust = None,
    reshape: Reshape = None,
    sheet: Annotated[Path | None, typer.Option(help="also write a PNG of before | after "
                                                    "frame pairs")] = None,
    start: Annotated[float | None, typer.Option(help="video: first second to keep")] = None,
    end: Annotated[float | None, typer.Option(help="video: second to stop before")] = None,
    label: Label = None,
) -> None:
    """Change a video's or a photo's looks (style, adjustments, face sliders, trim, output
    quality) without swapping a face."""
    from facecast.looks.edit import edit_file

    params = _params("EditParams", start=start, end=end, **_label(label),
                     **_looks(style, style_scope, adjust, reshape))
    try:
        with progress_bar("editing", "frames") as update:
            result = edit_file(input, output, params, progress=update, sheet=sheet)
    except FacecastError as exc:
        _fail(str(exc))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"wrote {result.output}: {result.frames} frame(s)"
                  + (f"; sheet {sheet}" if sheet else ""))


@app.command("eval")
def eval_(
    identity: Annotated[str, typer.Option(help="the identity that was swapped in")],
    original: Annotated[Path, typer.Option(help="the video or photo before the swap")],
    swapped: Annotated[Path, typer.Option(help="the swap's output")],
    as_json: Annotated[Path | None, typer.Option("--json", help="also write the figures as "
                                                              "JSON here")] = None,
    sheet: Annotated[Path | None, typer.Option(help="also write a PNG: close-ups, curves, "
                                                    "figures")] = None,
    start: Annotated[float | None, typer.Option(help="the --start the swap used")] = None,
    end: Annotated[float | None, typer.Option(help="the --end the swap used")] = None,
    photos: Annotated[Path | None, typer.Option(help="the identity's selfies (folder), for the "
                                                     "ArcFace figures of an identity built "
                                                     "without them")] = None,
) -> None:
    """Measure a swap: identity, blinks and mouth, drift, flicker, seam, colour, coverage,
    skin detail, false mouth openings and ghosts of the original's brows and eyes."""
    from facecast.faces import arcface
    from facecast.identity.build import arc_embedding_of
    from facecast.identity.model import load
    from facecast.media import check_writable
    from facecast.quality import evaluate
    from facecast.quality.report import target_text

    try:
        for path in (as_json, sheet):
            if path is not None:
                check_writable(path)
        ident = load(identity)
        arc_target = ident.arc_embedding
        if photos is not None and arcface.available():
            arc_target = arc_embedding_of([photos])
        with progress_bar("measuring", "frames") as update:
            report = evaluate(original, swapped, ident.embedding, start=start, end=end,
                              progress=update, sheet=sheet, arc_target=arc_target)
    except FacecastError as exc:
        _fail(str(exc))
    table = Table(title=f"{swapped.name}: quality")
    for col in ("figure", "value", "target", ""):
        table.add_column(col)
    for name, value in report.model_dump(exclude={"passed", "notes"}).items():
        shown = "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
        verdict = report.passed.get(name)
        mark = "" if verdict is None else "ok" if verdict else "[red]miss[/]"
        table.add_row(name, shown, target_text(name), mark)
    if "blinks" in report.passed:
        table.add_row("blinks", "", "same count", "ok" if report.passed["blinks"] else
                      "[red]miss[/]")
    console.print(table)
    for note in report.notes:
        console.print(note)
    if as_json is not None:
        as_json.write_text(report.model_dump_json(indent=2))


@app.command()
def verify(file: Annotated[Path, typer.Argument(help="a result of facecast, or any file")]
           ) -> None:
    """Read a file's Content Credentials (C2PA): what made it, whether it is AI-generated,
    and whether the manifest validates. Exits 1 when it has none or it does not validate."""
    from facecast.credentials import read

    try:
        found = read(file)
    except FacecastError as exc:
        _fail(str(exc))
    if not found.present:
        why = f" ({'; '.join(found.problems)})" if found.problems else ""
        console.print(f"{file.name}: no Content Credentials{why}", highlight=False)
        raise typer.Exit(1)
    rows = [("made by", found.agent), ("source type", found.source_type),
            ("AI-generated", "yes" if found.ai_generated else "no"),
            ("what was done", found.description), ("signed by", found.signer),
            ("validation", found.state)]
    for name, value in rows:
        typer.echo(f"{name}:\t{value or '-'}")
    for problem in found.problems:
        typer.echo(f"note:\t{problem}")
    if found.state == "Valid" and any("untrusted" in p for p in found.problems):
        typer.echo("the signature is intact, but its certificate is not on a trust list: "
                   "facecast's local test authority, or a certificate readers do not know")
    if not found.valid:
        raise typer.Exit(1)


@identities_app.command("list")
def identities_list() -> None:
    """List trained identities."""
    from facecast.identity.model import list_names, load

    names = list_names()
    if not names:
        console.print("no identities yet: build one with `facecast train PHOTOS --name NAME`")
    for n in names:
        rep = load(n).report
        typer.echo(f"{n}\t{rep['accepted']} photos")


@identities_app.command("show")
def identities_show(name: str,
                    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
                    ) -> None:
    """Show an identity's report."""
    from facecast.identity.model import identity_path, load

    try:
        ident = load(name)
    except FacecastError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(ident.report, indent=2))
        return
    _print_report(ident.report)
    console.print(f"preview: {identity_path(name) / 'preview.png'}")


@identities_app.command("delete")
def identities_delete(name: str) -> None:
    """Delete an identity: every file of it (its selfies were never kept)."""
    from facecast.identity.model import delete

    try:
        removed = delete(name)
    except FacecastError as exc:
        _fail(str(exc))
    console.print(f"deleted {name}: " + ", ".join(str(p) for p in removed), highlight=False)


@templates_app.command("install")
def templates_install(
    source: Annotated[Path, typer.Option("--from", help="folder with the media (e.g. "
                                                         "$FACECAST_MEDIA) and any manifests")],
) -> None:
    """Install the built-in templates whose media are in a folder (hashes checked), and any
    template manifests (*.json) in it."""
    from facecast.templates import install

    try:
        done = install(source)
    except FacecastError as exc:
        _fail(str(exc))
    for tid, what in done.items():
        typer.echo(f"{tid}\t{what}")


@templates_app.command("add")
def templates_add(
    video: Annotated[Path, typer.Argument(help="the video")],
    title: Annotated[str, typer.Option(help="the title shown in the gallery")],
    track: Annotated[int | None, typer.Option(min=0, help="the face to replace (an id of "
                                                          "`facecast faces`); default: the "
                                                          "largest")] = None,
    start: Annotated[float | None, typer.Option(help="first second used")] = None,
    end: Annotated[float | None, typer.Option(help="second to stop before")] = None,
    description: Annotated[str, typer.Option(help="a line about it")] = "",
    template_id: Annotated[str | None, typer.Option("--id", help="its id (default: from the "
                                                                 "title)")] = None,
) -> None:
    """Make a video of yours a template."""
    from facecast.templates import add

    try:
        template = add(video, title, track=track, start=start, end=end,
                       description=description, template_id=template_id)
    except FacecastError as exc:
        _fail(str(exc))
    console.print(f"added template [bold]{template.id}[/] ({template.title})")


@templates_app.command("list")
def templates_list() -> None:
    """List the installed templates."""
    from facecast.templates import list_templates

    found = list_templates()
    if not found:
        console.print("no templates installed: `facecast templates install --from DIR` or "
                      "`facecast templates add VIDEO --title TITLE`")
    for t in found:
        m = t.manifest
        face = "largest face" if m.track is None else f"face {m.track}"
        trim = "" if m.start is None and m.end is None else \
            f"\t{m.start or 0:g}-{'end' if m.end is None else f'{m.end:g}'} s"
        typer.echo(f"{t.id}\t{t.title}\t{m.duration or 0:.1f} s\t{face}"
                   f"\t{'built-in' if t.builtin else 'added'}{trim}")


@templates_app.command("remove")
def templates_remove(template_id: Annotated[str, typer.Argument(help="its id")]) -> None:
    """Remove an installed template and its files."""
    from facecast.templates import remove

    try:
        remove(template_id)
    except FacecastError as exc:
        _fail(str(exc))
    console.print(f"removed {template_id}")


if __name__ == "__main__":
    app()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="jobs or pieces run at once")] = 1,
    name: Annotated[str, typer.Option(help="this worker's name, unique per machine")] = "facecast",
) -> None:
    """Run jobs sent by the web app's server (needs FACECAST_BROKER_URL, the same database
    and data folder): start one on each machine, or more."""
    from facecast.api.settings import Settings

    if not Settings().broker_url:
        _fail("set FACECAST_BROKER_URL (redis://host:6379/0) to the broker the server uses")
    from facecast.jobs.broker import celery

    celery.worker_main(["worker", f"--concurrency={concurrency}", "--pool=prefork",
                        f"--hostname={name}@%h",
                        "--loglevel=INFO", "--without-mingle", "--without-gossip"])
