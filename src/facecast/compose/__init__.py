"""Composition of a rendered face into the frame: light transfer, the user's skin tone
around it, the footage's detail and blending."""

from facecast.compose.blend import blend
from facecast.compose.detail import DetailMatcher
from facecast.compose.light import Relighter
from facecast.compose.occlusion import Occluded, Occlusion
from facecast.compose.tone import shift_skin

__all__ = ["DetailMatcher", "Occluded", "Occlusion", "Relighter", "blend", "shift_skin"]
