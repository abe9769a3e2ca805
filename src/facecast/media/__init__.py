"""Media input and output: probing, decoding, encoding, trimming, audio and still images.

Frames are RGB uint8 numpy arrays of shape H x W x 3, always upright. Every failure a user can
cause (missing, corrupt, truncated or unsupported file; unwritable destination) raises
facecast.errors.MediaError with a message that names the file.
"""

from ._files import check_writable
from .image import PHOTO_SUFFIXES, Image, read_image, write_image
from .kind import check_output_name, media_kind
from .probe import VideoInfo, probe_video
from .reader import Frame, VideoReader
from .writer import VideoWriter

__all__ = [
    "PHOTO_SUFFIXES",
    "Frame",
    "Image",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "check_output_name",
    "check_writable",
    "media_kind",
    "probe_video",
    "read_image",
    "write_image",
]
