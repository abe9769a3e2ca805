"""The web app's settings: one model, read from `FACECAST_*` environment variables.

Every field has a default, so `make run` needs none of them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from facecast.home import home


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACECAST_", extra="ignore")

    data_dir: Path | None = Field(None, description="uploads, identities, results and the "
                                  "SQLite database; default $FACECAST_HOME/web")
    database_url: str | None = Field(None, description="SQLAlchemy URL, e.g. postgresql://...; "
                                     "default SQLite in the data folder")
    workers: int = Field(1, ge=1, le=16, description="jobs run at once, and the processes "
                         "that run the pieces of a long video (without a broker)")
    chunk_seconds: float = Field(20.0, gt=0, description="a swap or edit longer than this is "
                                 "cut into pieces run in parallel")
    broker_url: str | None = Field(None, description="redis://...: jobs go to Celery workers "
                                   "(`facecast worker`) instead of the server's threads")
    task_soft_limit_s: int = Field(1800, gt=0, description="a task (a piece, a whole short "
                                   "job, a join and its report) is told to stop after this")
    task_hard_limit_s: int = Field(1900, gt=0, description="and killed after this")
    visibility_timeout_s: int = Field(3600, gt=0, description="an unacknowledged task goes "
                                      "to another worker after this; keep it above the hard "
                                      "limit, or a slow task runs twice")
    max_upload_mb: float = Field(300, gt=0, description="largest video or photo upload")
    max_video_seconds: float = Field(300, gt=0, description="longest video accepted")
    max_photo_pixels: int = Field(40_000_000, gt=0, description="largest photo (width x height)")
    max_video_pixels: int = Field(3840 * 2160, gt=0, description="largest video frame")
    min_photos: int = Field(5, ge=1)
    max_photos: int = Field(15, ge=1)
    recommended_height: int = Field(720, description="videos below this get a warning")
    dataset_root: Path | None = Field(None, description="the server folder whose videos the "
                                      "Dataset page may read and write into; unset: uploads "
                                      "only, results in the data folder")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    def data_root(self) -> Path:
        return (self.data_dir or home() / "web").expanduser()

    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_root() / 'facecast.db'}"
