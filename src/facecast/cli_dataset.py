"""`facecast dataset extract|filter|cluster`: face datasets from footage, step by step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from facecast.errors import FacecastError
from facecast.progress import console, progress_bar

dataset_app = typer.Typer(help="Build face datasets from videos: cut out aligned faces, "
                               "reject bad ones by clear rules, sort them by person.",
                          no_args_is_help=True)


def _log(line: str) -> None:
    console.print(line, markup=False, highlight=False)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _params(**values: object) -> object:
    from facecast.dataset.params import DatasetParams

    try:
        return DatasetParams(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        _fail("; ".join(f"--{'.'.join(map(str, e['loc'][:1])).replace('_', '-')}: {e['msg']}"
                        for e in exc.errors()))
        raise AssertionError from exc  # unreachable: _fail exits


@dataset_app.command()
def extract(
    inputs: Annotated[list[Path], typer.Argument(help="videos, photos, or folders of them")],
    out: Annotated[Path, typer.Option(help="output folder: one sub-folder per video")],
    every: Annotated[int, typer.Option(help="read every Nth frame")] = 1,
    size: Annotated[int, typer.Option(help="crop side: 256, 512 or 1024 px")] = 512,
    min_face: Annotated[float, typer.Option(help="leave out faces smaller than this "
                                                 "(px in the source)")] = 64,
    max_faces: Annotated[int, typer.Option(help="most faces per frame")] = 6,
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
    max_tilt: Annotated[float, typer.Option(help="largest eye-line tilt, degrees")] = 30,
    min_face_share: Annotated[float, typer.Option(help="smallest share of the crop the face "
                                                       "covers")] = 0.40,
    min_face: Annotated[float, typer.Option(help="smallest face in the source, px")] = 64,
    min_sharpness: Annotated[float | None, typer.Option(help="blur floor (variance of the "
                                                             "Laplacian)")] = None,
    min_relative_sharpness: Annotated[float | None, typer.Option(
        help="blur: least share of its video's median sharpness")] = None,
    max_turn: Annotated[float, typer.Option(help="largest turn from frontal, degrees "
                                                 "(90: full profile)")] = 90,
) -> None:
    """Reject crops by the rules (tilted, too_small, blurred, cut_off, turned_away); print
    the count per reason and write filter.json in the folder."""
    from facecast.dataset.filtering import filter_folder

    params = _params(max_tilt=max_tilt, min_face_share=min_face_share, min_face=min_face,
                     min_sharpness=min_sharpness, min_relative_sharpness=min_relative_sharpness,
                     max_turn=max_turn)
    try:
        filter_folder(folder, params, move_rejects, log=_log)
    except FacecastError as exc:
        _fail(str(exc))


@dataset_app.command()
def cluster(
    folder: Annotated[Path, typer.Argument(help="a folder written by `dataset extract`")],
    out: Annotated[Path, typer.Option(help="output folder: 0/, 1/, ... and noise/")],
    k: Annotated[str, typer.Option(help='number of people, or "auto"')] = "auto",
    cut: Annotated[float, typer.Option(help="k auto: descriptor distance where groups stop "
                                            "merging")] = 0.53,
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
