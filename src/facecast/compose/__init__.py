"""Composition of a rendered face into the frame: light transfer and blending."""

from facecast.compose.blend import blend
from facecast.compose.light import Relighter
from facecast.compose.occlusion import Occluded, Occlusion

__all__ = ["Occluded", "Occlusion", "Relighter", "blend"]
