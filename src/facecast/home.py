"""Where facecast keeps its data: `$FACECAST_HOME`, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def home() -> Path:
    root = os.environ.get("FACECAST_HOME") or platformdirs.user_data_dir("facecast")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path
