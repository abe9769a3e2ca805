"""`facecast dataset extract|filter|cluster`: face datasets from footage, step by step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from facecast.cli.progress import console, progress_bar
from facecast.dataset.params import DatasetParams
from facecast.errors import FacecastError

dataset_app = typer.Typer(help="Build face datasets from videos: cut out aligned faces, "
                               "reject bad ones by clear rules, sort them by person.",
                          no_args_is_help=True)


def _help(name: str) -> str:
    """An option's help: the description of its field in `DatasetParams`."""
    return DatasetParams.model_fields[name].description or ""


def _default(name: str) -> object:
    return DatasetParams.model_fields[name].default


def _log(line: str) -> None:
    console.print(line, markup=False, highlight=False)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _params(**values: object) -> DatasetParams:
    try:
        return DatasetParams(**values)
    except ValidationError as exc:
        _fail("; ".join(f"--{'.'.join(map(str, e['loc'][:1])).replace('_', '-')}: {e['msg']}"
                        for e in exc.errors()))
        raise AssertionError from exc  # unreachable: _fail exits


@dataset_app.command()
def extract(
    inputs: Annotated[list[Path], typer.Argument(help="videos, photos, or folders of them")],
    out: Annotated[Path, typer.Option(help="output folder: one sub-folder per video")],
    every: Annotated[int, typer.Option(help=_help("every"))] = _default("every"),
    size: Annotated[int, typer.Option(help=_help("size") + ": 256, 512 or 1024")
                    ] = _default("size"),
    min_face: Annotated[float, typer.Option(help=_help("min_face"))] = _default("min_face"),
    max_faces: Annotated[int, typer.Option(help=_help("max_faces"))] = _default("max_faces"),
) -> None:
    """Cut every face out as an aligned crop (eyes level, FFHQ-like framing), with a JSON
    record beside it: frame, time, landmarks, pose, sharpness, face size."""
    from facecast.dataset.extract import collect_sources
    from facecast.dataset.extract import extract as run

    params = _params(every=every, size=size, min_face=min_face, max_faces=max_faces)
    try:
        sources = collect_sources(inputs, log=_log)
        with progress_bar("extracting", "frames") as update:
            summary = run(sources, out, params, progress=update, log=_log)
    except FacecastError as exc:
        _fail(str(exc))
    console.print(f"wrote {summary.crops} crops to {out}")


@dataset_app.command("filter")
def filter_(
    folder: Annotated[Path, typer.Argument(help="a folder written by `dataset extract`")],
    move_rejects: Annotated[Path | None, typer.Option(help="move rejected crops here, one "
                                                           "sub-folder per reason")] = None,
    max_tilt: Annotated[float, typer.Option(help=_help("max_tilt"))] = _default("max_tilt"),
    min_face_share: Annotated[float, typer.Option(help=_help("min_face_share"))
                              ] = _default("min_face_share"),
    min_face: Annotated[float, typer.Option(help=_help("min_face"))] = _default("min_face"),
    min_sharpness: Annotated[float, typer.Option(help=_help("min_sharpness"))
                             ] = _default("min_sharpness"),
    min_relative_sharpness: Annotated[float, typer.Option(help=_help("min_relative_sharpness"))
                                      ] = _default("min_relative_sharpness"),
    max_turn: Annotated[float, typer.Option(help=_help("max_turn"))] = _default("max_turn"),
) -> None:
    """Reject crops by the rules (tilted, too_small, blurred, cut_off, turned_away); print
    the count per reason and write filter.json in the folder."""
    from facecast.dataset.filtering import filter_folder
    from facecast.dataset.rules import RULES

    params = _params(max_tilt=max_tilt, min_face_share=min_face_share, min_face=min_face,
                     min_sharpness=min_sharpness, min_relative_sharpness=min_relative_sharpness,
                     max_turn=max_turn)
    try:
        summary = filter_folder(folder, params, move_rejects, log=_log)
    except FacecastError as exc:
        _fail(str(exc))
    table = Table(title=f"{folder}: kept {summary.kept} of {summary.total}")
    for column in ("reason", "meaning", "crops"):
        table.add_column(column)
    for rule in RULES:
        table.add_row(rule.name, rule.meaning, str(summary.reasons[rule.name]))
    console.print(table)


@dataset_app.command()
def cluster(
    folder: Annotated[Path, typer.Argument(help="a folder written by `dataset extract`")],
    out: Annotated[Path, typer.Option(help="output folder: 0/, 1/, ... and noise/")],
    k: Annotated[str, typer.Option(help=_help("k"))] = _default("k"),
    cut: Annotated[float, typer.Option(help=_help("cut"))] = _default("cut"),
    sheet: Annotated[Path | None, typer.Option(help="also write a PNG: a row of crops per "
                                                    "folder")] = None,
) -> None:
    """Sort the crops by person (dlib descriptors, average linkage); copies each crop and
    its record into a numbered folder, largest first."""
    from facecast.dataset.cluster import cluster_folder

    params = _params(k=int(k) if k.strip().isdigit() else k.strip(), cut=cut)
    try:
        with progress_bar("describing", "faces") as update:
            cluster_folder(folder, out, params, progress=update, log=_log,
                           sheet=sheet)
    except FacecastError as exc:
        _fail(str(exc))
    if sheet is not None:
        console.print(f"sheet: {sheet}")
