"""Composition of a rendered face into the frame: light transfer and blending."""

from facecast.compose.blend import blend
from facecast.compose.light import relight

__all__ = ["blend", "relight"]
