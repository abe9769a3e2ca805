"""What surrounds the faces in a frame: the person against the background, and hands.

Both come from models inside the MediaPipe wheel: selfie segmentation (person vs
background, so the swap never paints over the wall behind a cheek) and hand landmarks (a
hand in front of a face is skin-coloured like it, which the appearance check in
`compose.occlusion` cannot see).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from facecast.faces.detector import quiet_native_stderr
from facecast.faces.raster import Region

FINGER_WIDTH = 0.22  # of the hand's size (wrist to middle fingertip): how far past the
# landmarks the hand's own skin reaches (landmarks run along the bones)
HANDS_IDLE_EVERY = 5
"""In a video with no hand in sight, hands are looked for on every fifth frame only: the
palm detector costs 9-16 ms a 720p frame, twice the face mesh, and a hand that comes in is
seen within 4 frames (0.13 s at 30 fps), then on every frame; it reaches the face from its
edge, where the swap fades anyway."""
SEGMENT_EVERY = 3
"""In a video the person is segmented on every third frame while the head is calm; between,
the last mask is moved by the whole pixels the face moved (`SceneReader.read`'s `anchor`).
The model costs 7.7 ms a 720p frame; the mask it gives is the frame enlarged from 256 x 256,
softer than a calm head's motion."""
SEGMENT_MOTION_PX = 3.0
"""Past this distance moved since its mask was made, the head is not calm: it is segmented
on every second frame (a moving head turns and bends too, which a shifted mask does not
follow: d12's fast moves, 3-5 px a frame, left the carried mask off along the cheek)."""
HANDS_KEEP = 15  # frames after a hand was last seen during which every frame is read
HANDS_CONFIRM = 3
"""In a video a hand counts from the third frame in a row it is seen: the hand model reads
a face as a hand now and then, for a frame or two (d3 looking down, frames 60-61: wrist on
the chin, fingers up the nose; the swap left a hard-edged patch of the old face), while a
real hand stays. Its first two frames are left to the swap's fade at the face's edge."""


@dataclass
class Scene:
    """One frame's person mask (0..1, frame-sized) and hands (each 21 x 2, pixels)."""

    person: np.ndarray | None = None
    hands: list[np.ndarray] = field(default_factory=list)

    def background(self, region: Region) -> np.ndarray | None:
        """0..1 over `region`: how surely each pixel is not the person."""
        if self.person is None:
            return None
        return 1.0 - self.person[region.slices]

    def hand_cover(self, region: Region, face_outline: np.ndarray) -> np.ndarray | None:
        """0/1 over `region`: where a hand in front of the face whose outline (pixels) is
        given is, or None when none is.

        A hand over a face reaches in from outside it, so its wrist is outside the face's
        outline; a "hand" wholly inside is the hand model reading the face itself (it did
        on d3's turned head, and the swap left a band of the old face).
        """
        outline = face_outline.astype(np.float32).reshape(-1, 1, 2)
        hands = [h for h in self.hands
                 if cv2.pointPolygonTest(outline, (float(h[0, 0]), float(h[0, 1])), False) < 0]
        if not hands:
            return None
        cover = np.zeros((region.h, region.w), np.uint8)
        for hand in hands:
            size = float(np.linalg.norm(hand[12] - hand[0]))
            pts = (hand - (region.x0, region.y0)).astype(np.int32)
            width = max(int(size * FINGER_WIDTH), 1)
            cv2.fillConvexPoly(cover, cv2.convexHull(pts[[0, 1, 5, 9, 13, 17]]), 1)
            for finger in _FINGERS:
                cv2.polylines(cover, [pts[list(finger)]], False, 1, thickness=width)
        return cover.astype(np.float32) if cover.any() else None


_FINGERS = ((0, 1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (0, 17, 18, 19, 20))


class SceneReader:
    """Selfie segmentation and hand tracking over a stream of frames (or single photos)."""

    def __init__(self, *, video: bool, max_hands: int = 2) -> None:
        from mediapipe.python.solutions import hands, selfie_segmentation

        self._video = video
        self._frame = 0
        self._person: tuple[np.ndarray, np.ndarray, int] | None = None
        """The last mask made, its anchor and its frame."""
        self._last_hand: int | None = None
        self._streak = 0  # frames in a row with a hand

        with quiet_native_stderr():
            # the general model (256 x 256): the landscape one is faster but blurs the
            # edge of a face against the wall by twice as many pixels
            self._segment = selfie_segmentation.SelfieSegmentation(model_selection=0)
            self._hands = hands.Hands(static_image_mode=not video, max_num_hands=max_hands,
                                      model_complexity=0, min_detection_confidence=0.5)
            warm_up = np.zeros((64, 64, 3), np.uint8)
            self._segment.process(warm_up)
            self._hands.process(warm_up)

    def read(self, rgb: np.ndarray, anchor: np.ndarray | None = None) -> Scene:
        """The frame's scene. `anchor`: where the person is (the face's centre, pixels),
        what a mask carried from the frame before follows; without one, the person is
        segmented afresh."""
        h, w = rgb.shape[:2]
        with quiet_native_stderr():
            person = self._carried(anchor, (h, w))
            if person is None:
                person = self._segment.process(rgb).segmentation_mask
                self._person = ((person, anchor, self._frame)
                                if self._video and anchor is not None else None)
            found = self._hands.process(rgb).multi_hand_landmarks if self._wants_hands() else None
        self._frame += 1
        self._streak = self._streak + 1 if found else 0
        if found:
            self._last_hand = self._frame
        if self._video and self._streak < HANDS_CONFIRM:
            found = None
        hands = [np.array([(p.x * w, p.y * h) for p in hand.landmark], np.float32)
                 for hand in found or ()]
        return Scene(person=person, hands=hands)

    def _carried(self, anchor: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
        """The last mask moved to `anchor`, on the frames between segmentations; else None."""
        if self._person is None or anchor is None:
            return None
        last, was, made = self._person
        moved = anchor - was
        if (last.shape != shape or self._frame - made >= SEGMENT_EVERY
                or (self._frame - made > 1 and float(np.hypot(*moved)) > SEGMENT_MOTION_PX)):
            return None
        dx, dy = (int(v) for v in np.round(moved))
        h, w = shape
        if abs(dx) >= w or abs(dy) >= h:
            return None
        # the mask shifted by (dx, dy), its edge rows and columns repeated into the gap
        grown = cv2.copyMakeBorder(last, max(dy, 0), max(-dy, 0), max(dx, 0), max(-dx, 0),
                                   cv2.BORDER_REPLICATE)
        return grown[max(-dy, 0): max(-dy, 0) + h, max(-dx, 0): max(-dx, 0) + w]

    def _wants_hands(self) -> bool:
        if not self._video:
            return True
        if self._last_hand is not None and self._frame - self._last_hand < HANDS_KEEP:
            return True
        return self._frame % HANDS_IDLE_EVERY == 0

    def close(self) -> None:
        self._segment.close()
        self._hands.close()

    def __enter__(self) -> SceneReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
