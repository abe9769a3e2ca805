"""A blink shows the target's own shut eye through the drawn face, in the drawn face's light."""

from __future__ import annotations

import cv2
import numpy as np

from facecast.compose.blink import take_drawn_light
from facecast.faces import landmarks as L


def _scene(drawn_level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                        np.ndarray]:
    """A frame of skin (150) whose shut eye's lid is pale (200), a drawn face of one
    lightness over it, the share the eye shows through and a mesh whose eyes are 40 px
    wide."""
    window = np.full((200, 200, 3), 150, np.uint8)
    cv2.circle(window, (100, 100), 20, (200, 200, 200), -1)
    drawn = np.full((200, 200, 3), drawn_level, np.float32)
    shut = np.zeros((200, 200), np.float32)
    cv2.circle(shut, (100, 100), 24, 1.0, -1)
    xy = np.zeros((478, 2), np.float32)
    xy[[L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER]] = (80, 100), (120, 100)
    xy[[L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER]] = (80, 100), (120, 100)
    return window, drawn, shut, np.ones((200, 200), np.float32), xy


def test_a_shut_eye_is_no_lighter_than_the_drawn_face_around_it() -> None:
    """s18's pale lids, shown through d10's and d3's darker drawn skin as the eyes shut, read
    to a blind viewer as "a pale patch" on the lid: the shut eye takes the drawn face's
    lightness (here 120 around where the frame's skin is 150: 0.8), its detail kept."""
    window, drawn, shut, skin, xy = _scene(120.0)
    take_drawn_light(window, drawn, shut, skin, xy)
    assert abs(float(window[95:106, 95:106].mean()) - 160.0) < 3.0
    assert (window[:, :60] == 150).all() and (window[:, 140:] == 150).all()  # past the eye


def test_a_shut_eye_is_never_made_lighter() -> None:
    """Made lighter, a shut eye under a lighter drawn face drew "a painted double stripe" and
    "a round white spot" at an eye's corner to blind viewers: it stays as it is."""
    window, drawn, shut, skin, xy = _scene(190.0)
    before = window.copy()
    take_drawn_light(window, drawn, shut, skin, xy)
    assert np.array_equal(window, before)
