"""Composition of a rendered face into the frame: light and skin colour transfer, the
footage's detail and blending."""

from facecast.compose.blend import blend
from facecast.compose.detail import DetailMatcher
from facecast.compose.light import Relighter
from facecast.compose.occlusion import Occluded, Occlusion

__all__ = ["DetailMatcher", "Occluded", "Occlusion", "Relighter", "blend"]
