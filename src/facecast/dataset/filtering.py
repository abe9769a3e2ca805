"""Judge every crop of a folder by the rules; count the reasons; optionally move rejects.

The verdicts are written to `filter.json` in the folder. Without `move_rejects` nothing
moves, and `cluster` leaves out the crops that file lists as rejected; with it, each
rejected crop and its record move to `move_rejects/REASON/` (its first failed rule, in the
rules' order), keeping their sub-folder, so a person can look through each reason.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from facecast.dataset.params import DatasetParams
from facecast.dataset.records import FaceRecord, find_records
from facecast.dataset.rules import REASONS, Company, judge
from facecast.errors import DatasetError

SUMMARY = "filter.json"


@dataclass
class FilterSummary:
    total: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # crop -> reason -> why
    moved_to: str | None = None

    @property
    def kept(self) -> int:
        return self.total - len(self.rejected)

    def as_dict(self) -> dict:
        return {"total": self.total, "kept": self.kept, "rejected": len(self.rejected),
                "reasons": self.reasons, "moved_to": self.moved_to,
                "rejects": self.rejected}


def filter_folder(folder: Path, params: DatasetParams, move_rejects: Path | None = None,
                  log: Callable[[str], None] = lambda _line: None) -> FilterSummary:
    """Apply every rule to every crop under `folder` (see the module's docstring)."""
    skip = (move_rejects,) if move_rejects is not None else ()
    summary = FilterSummary(moved_to=None if move_rejects is None else str(move_rejects))
    found = [(path, crop, FaceRecord.load(path)) for path, crop in find_records(folder, skip)]
    for (record_path, crop, record), company in zip(found, _companies(found), strict=True):
        summary.total += 1
        failed = judge(record, params, company)
        if not failed:
            continue
        name = crop.relative_to(folder).as_posix()
        summary.rejected[name] = failed
        for reason in failed:
            summary.reasons[reason] += 1
        if move_rejects is not None:
            _move(folder, move_rejects / next(iter(failed)), record_path, crop)
    if summary.total == 0:
        raise DatasetError(f"{folder} holds no crops: run `facecast dataset extract` first")
    log(f"filter: kept {summary.kept} of {summary.total} crops; rejected "
        + ", ".join(f"{reason} {n}" for reason, n in summary.reasons.items())
        + (f" (moved to {move_rejects})" if move_rejects is not None else ""))
    (folder / SUMMARY).write_text(json.dumps({"params": params.model_dump(), **summary.as_dict()},
                                             indent=2))
    return summary


def _companies(found: list[tuple[Path, Path, FaceRecord]]) -> list[Company]:
    """What each crop's sharpness is compared with: the crops around it in its video, or
    its photo folder (each sub-folder is one video or one folder of photos)."""
    by_folder: dict[Path, list[int]] = {}
    for i, (path, _crop, _record) in enumerate(found):
        by_folder.setdefault(path.parent, []).append(i)
    companies: list[Company] = [Company()] * len(found)
    for members in by_folder.values():
        members.sort(key=lambda i: (found[i][2].frame, found[i][2].face))
        sharpness = [found[i][2].sharpness for i in members]
        if all(found[i][2].time is not None for i in members):
            judged = Company.of_video(sharpness)
        else:
            judged = [Company.of_photos(sharpness)] * len(members)
        for i, company in zip(members, judged, strict=True):
            companies[i] = company
    return companies


def _move(folder: Path, into: Path, *files: Path) -> None:
    for path in files:
        dest = into / path.relative_to(folder)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, dest)
        except OSError as exc:
            raise DatasetError(f"cannot move {path} to {dest}: {exc.strerror}") from exc


def rejected_in(folder: Path) -> set[str]:
    """Crops (relative paths) that the last `filter` of `folder` rejected and left there."""
    try:
        verdicts = json.loads((folder / SUMMARY).read_text())
    except (OSError, ValueError):
        return set()
    if verdicts.get("moved_to"):
        return set()
    return set(verdicts.get("rejects", {}))
