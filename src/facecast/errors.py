"""Errors a user can cause. Each carries a message a person can act on.

This module is a leaf: every package may import it (the API maps these to 4xx responses,
the CLI prints them without a traceback).
"""


class FacecastError(Exception):
    """Base of every error caused by user input rather than by a bug."""


class MediaError(FacecastError):
    """A file that cannot be read or written: corrupt, unsupported, truncated, unwritable."""


class IdentityError(FacecastError):
    """A selfie set that cannot become an identity (count, faces, blur, other person...)."""


class ParamError(FacecastError):
    """A parameter outside its range or an unknown name."""


class TemplateError(FacecastError):
    """A template that cannot be installed, added or found (hash mismatch, bad manifest...)."""


class DatasetError(FacecastError):
    """A face-dataset request that cannot be done: no videos, a folder outside the allowed
    root, an output folder that is not empty, a folder with no crops to filter or cluster."""


class ModelError(FacecastError):
    """An ONNX model that is missing, unknown, of the wrong hash, or whose download failed."""
