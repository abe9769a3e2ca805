"""`facecast models list|add|fetch|verify|remove`: the ONNX models of the neural engines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from facecast.cli.progress import console, progress_bar
from facecast.errors import FacecastError

models_app = typer.Typer(help="Manage the ONNX models of the neural engines (inswapper_128, "
                              "simswap, GFPGAN...): nothing is downloaded unless you fetch it.",
                         no_args_is_help=True)

AllowUnverified = Annotated[bool, typer.Option(
    "--allow-unverified", help="install a file whose SHA-256 is not the registry's; it is "
                               "then named unverified on every use")]
_MIB = 1 << 20


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@models_app.command("list")
def list_() -> None:
    """What is known, what is installed (verified or not) and what each engine still lacks."""
    from facecast.models.registry import registry
    from facecast.models.store import installed
    from facecast.swap import engines

    try:
        known, have = registry(), installed()
        ready = engines()
    except FacecastError as exc:
        _fail(str(exc))
    table = Table(title="models")
    for col in ("name", "kind", "installed", "MiB", "licence"):
        table.add_column(col)
    for name, model in known.items():
        entry = have.get(name)
        state = ("no" if entry is None else "[red]file missing[/]" if not entry.path.is_file()
                 else "verified" if entry.verified else "[yellow]UNVERIFIED[/]")
        size = entry.size if entry else model.size
        table.add_row(name, model.kind, state, "" if size is None else f"{size / _MIB:.1f}",
                      model.licence)
    console.print(table)
    for engine, lacks in ready.items():
        console.print(f"engine {engine}: " + ("ready" if not lacks else "needs " + ", ".join(
            f"{m} (`facecast models fetch {m}`)" for m in lacks)), highlight=False)


@models_app.command()
def add(
    file: Annotated[Path, typer.Argument(help="the .onnx file you have")],
    name: Annotated[str, typer.Option("--as", help="the registry's name for it, e.g. "
                                                   "inswapper_128")],
    allow_unverified: AllowUnverified = False,
) -> None:
    """Copy a model file into facecast's models folder, after checking its SHA-256."""
    from facecast.models.store import add as add_model

    try:
        entry = add_model(file, name, allow_unverified)
    except FacecastError as exc:
        _fail(str(exc))
    _installed(entry)


def _installed(entry: object) -> None:
    console.print(f"installed {entry.name} ({entry.size / _MIB:.1f} MiB) in {entry.path}",
                  highlight=False)
    if entry.warning():
        console.print(f"[yellow]warning:[/] {entry.warning()}", highlight=False)


@models_app.command()
def fetch(
    name: Annotated[str, typer.Argument(help="the model to download, e.g. inswapper_128")],
    allow_unverified: AllowUnverified = False,
) -> None:
    """Download a model from the registry's URL (FACECAST_MODELS_URL replaces its base):
    resumed after a cut, hash checked, installed atomically."""
    from facecast.models.fetch import fetch as fetch_model

    try:
        with progress_bar(f"fetching {name}", "MiB") as update:
            entry = fetch_model(name, allow_unverified,
                                lambda done, total: update(done // _MIB, total // _MIB))
    except FacecastError as exc:
        _fail(str(exc))
    _installed(entry)


@models_app.command()
def verify() -> None:
    """Hash every installed model again: verified, unverified, missing or changed."""
    from facecast.models.store import verify as verify_models

    verdicts = verify_models()
    if not verdicts:
        console.print("no model is installed (`facecast models list`)")
    for name, verdict in verdicts.items():
        console.print(f"{name}: {verdict}", highlight=False)
    bad = [n for n, v in verdicts.items() if v in ("missing", "changed")]
    if bad:
        _fail(f"{', '.join(bad)}: the file is missing or not the one installed; add or fetch "
              "it again")


@models_app.command()
def remove(name: Annotated[str, typer.Argument(help="an installed model")]) -> None:
    """Delete an installed model's file."""
    from facecast.models.store import remove as remove_model

    try:
        remove_model(name)
    except FacecastError as exc:
        _fail(str(exc))
    console.print(f"removed {name}")
