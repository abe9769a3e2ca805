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
    workers: int = Field(1, ge=1, le=16, description="jobs run at once")
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
