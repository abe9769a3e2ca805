"""Face-shape transfer: move the target's geometry toward the identity's neutral shape.

The difference between the two neutral shapes (identity's, and the target's own, learnt
over its track) is added to every frame's mesh in the canonical frame, so expressions stay
the target's while proportions become the user's. The frame around the face is warped by
the same displacement, spread smoothly and fading to zero at a margin around the face, so
the jaw line moves with the face: no holes, no doubled jaw.

The target's neutral is the mean of its frames, but around the mouth only of its resting
ones: a target who smiles through most of a clip has a smiling mean, and the difference
to it took every smile off the swapped face and turned the rest into a frown (d3 on d12:
the lip corners 0.088 eye distances lower than the original's, its biggest smiles drawn
flat). Resting is read as the selfies are read (`identity.expression`): corners no higher
than the lower quartile of what the track has shown, and no higher than a resting mouth
ever sits (`RESTING_LIFT`); until the track has shown one (a clip that opens on a grin),
the identity's own neutral stands in, and the mouth keeps the target's shape.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.faces.shape import corner_lift, distance_outside, mouth_distance, procrustes
from facecast.imaging import pixels_of, smoothstep

_GRID = 8  # pixels per cell of the displacement grid
_INNER_CORNERS = {L.MOUTH_RIGHT: 78, L.MOUTH_LEFT: 308}  # outer corner: inner corner
_MOUTH_CORNERS = (L.MOUTH_LEFT, L.MOUTH_RIGHT)
SUBNASALE = 2  # where the nose meets the upper lip
RESTING = (0.15, 0.35)
"""Frames whose lip corners sit (against the lips' middle) at most at the first quantile of
the track's are resting, from the second not, softly between: about the lower quartile the
selfies' smiles are read against. Of them, only those whose mouth is as wide as usual (the
middle half of the track's widths, softly) count: the lowest corners are also those of
lips pursed for an "oo", whose narrow mouth widened every swapped one (d3 on d12: width
0.57 -> 0.65 eye distances).

The middle half of the widths follows what the face does most, and so the resting mouth
drifts: d14 pursing her lips for 0.8 s after 1.7 s of talking became her resting mouth
within 0.4 s (0.557 -> 0.458 eye distances wide), d12's swung between 0.44 and 0.56 over
4 s, and the swapped mouth's width against the original's with them (5th to 95th
percentile over 6-18 s: 0.104 on d14 under d10, 0.106 on d12 under d3). Resting read
instead on closed mouths whose lips are as flat (width over outer height) as the track's
flattest that do not smile held it (0.092, 0.040; d10 under d14 0.088 -> 0.015), but in
`make eval` dlib then read d10's full lips pursed on d14 as open (false open 0.008 ->
0.083), d12-d3's id_win fell 0.917 -> 0.833 and cheek-to-neck ΔE rose on 9 of 13 pairs
(d12-d3 0.47 -> 1.63). Two blind A/B viewers, shown the same rule without the closed
mouths, chose it in 9 and 10 of 20 frames (d12's smiles for it, 6 of 8; d10's open mouths
against, 7 of 8: "opening too small")."""
RESTING_LIFT = (0.015, 0.035)
"""Lip corners' height above the lips' middle (eye distances, `corner_lift`) up to which a
frame's mouth may be resting, and from which it smiles, whatever the track has shown: on
the ten clips resting mouths sit at -0.04 to +0.02 and smiles at 0.04 to 0.13. Read only
against the track's own quartiles, a clip that opens on a grin had its grin taken for its
resting mouth: d14 grins for her first 1.8 s, and d3's resting mouth was drawn over it
(corners 0.011 eye distances below the lips' middle where the grin's are 0.033 above, her
thicker lips in a ring around d14's teeth; 0.038 now). Until a track has shown a resting
mouth, the identity's own neutral stands in for the target's there: the mouth keeps the
target's shape, as a photo's does (`ShapeTransfer`), in the user's lip colour."""
RESTING_SHUT = (0.01, 0.03)
"""Inner lips' gap (eye distances) up to which a resting frame's lip corners are the height a
smile is read from (`_smile_given_back`), and from which its lips are apart: lips parted over
the teeth are a smile's, not a rest's (`identity.expression.OPEN_MOUTH`). s32 smiles over her
teeth for her first two seconds; in the canonical frame her mildest smiles lift the corners
0.007-0.02 eye distances, as a resting mouth's, and read against them d0's lower corners were
drawn over every smile there: 0.17 of her smile kept (`identity.expression`'s measure), 1.02
now; over 4 s the image's corners 0.045 eye distances above the lips' middle, 0.065 now
(hers 0.075). The resting mouth's shape (width, lips) is still read on every resting frame:
read only on shut ones it was the target's on s32, and dlib read d0 there 0.415 -> 0.524
from his selfies. `make eval` (4 s, 14 pairs): s32-d0 68-point mouth correlation 0.813 ->
0.829, dlib 0.415 -> 0.420, blinks 4 -> 3 of s32's 4 (a half-blink at 1.0-1.3 s whose
reopening the swap shows at 0.274-0.280 eye openness, under the count's 0.281, so that two
blinks count as one; 0.283 before), d10-d14's corners 0.039 -> 0.034 (the original's 0.032);
the rest within the eval's run-to-run spread. Blind A/B (s32-d0 and d10-d14, 4 frames each,
both ways round): 1 of 8 frames chosen the same way twice, for it (the other's "thick, dark
upper lip with a moustache-like shadow")."""
SURE_STEP = 0.05
"""Per frame: how fast the target's resting mouth, once the track has shown one, takes over
from the identity's (20 frames, 0.7 s), so that the lips do not jump."""
MOUTH_REACH = (0.5, 1.0)
"""Mouth widths from the lips' outline: points nearer than the first take their neutral
from the resting frames alone, farther than the second from all frames; between, a mix
(a smile lifts the cheeks beside the mouth too)."""
SETTLE_OPEN = (0.05, 0.15)
"""Mouth opening (inner lips apart, of the mouth's width) up to which `settle_mouth` moves
the mouth across in full, and from which not at all: a closed mouth's crease is what showed
twice; an open one's teeth were squeezed into the user's narrower lips, and dlib read
s32's grins less well (68-point mouth correlation 0.83 -> 0.77 with every frame settled).
Up and down it is settled however open: the whole face's field left a grin's inside 3 % of
the mouth's width below the drawn opening (d0's under d3's lips, 1.0-2.5 s: the lower inner
lip 2.9 %, the upper 2.0 %), and d0's own dark red upper lip showed through the drawn
opening over his teeth, a second lip inside the first; the lower lip now within 1.3 % (mean
over its points), the middle of the upper 1.5-1.9 % (2.0-2.8 before), but its ends toward
the corners further (2.3-3.9 %, 1.0-2.0 before: the field is too smooth to squeeze d0's thick
upper lip into d3's thinner one all along). Only the lips' own points are settled up and
down: with every point near the mouth, s32's chin moved up with d0's lower lip where the
turtleneck meets it, a notch in the jaw line (a blind A/B viewer's "seam at the chin", 3 of
3 frames at 75 %). Blind A/B (6 pairs x 3 frames, each both ways round, lower face): of 18
pairs 2 were chosen the same way both times, both for it (d0-d3: "a painted red band on the
upper lip" on the other)."""
MOUTH_WARP = (0.8, 20.0, 4)
"""`settle_mouth`'s reach (mouth widths from the lips' outline points), spread and grid
(px)."""
EYES_WARP = (0.4, 20.0, 4)
"""`settle_eyes`' reach (eye widths from the eyes' outline points), spread and grid (px)."""
JAW_REACH = 0.1
"""Mouth widths above and below the lips' parting line over which `_jaw_weight` goes from
0 to 1."""
LIP_COLUMNS = 0.15
"""Mouth widths outside the lips' outline from which a difference in how open the mouth is
moves the jaw as a whole (`ShapeTransfer._opening_change`), not column by column."""
KEPT = 600  # frames' shapes kept for the resting mean; past it every other one is dropped
SMILE_KEEPS = (0.005, 0.025)
"""How far (eye distances, as `identity.expression` reads a smile) the target's lip corners
rise above its resting mouth's from which the user's lower-set corners (the two resting
mouths' difference in corner height) fade out, and from which they are gone. At rest the
swapped mouth is the user's (d0's corners sit 0.055 mouth widths lower than s32's); taken
off every frame, that difference ate the smiles: s32's broadest (0.042 eye distances above
the lips' middle) came out at 0.006, a grimace over bared teeth; faded, at 0.036 (read on
the output: 0.016 -> 0.033 against the original's 0.045, smile correlation 0.82 -> 0.91).
The user's higher-set corners (a set of selfies that all smile a little) the other way
round: taken off while the target rests, given back from the same heights."""
SMILE_REACH = 0.5
"""Mouth widths from the lips' outline over which a smile's lift of the corners fades out
(`_corner_weight`): the cheeks beside the corners rise with them; the chin does not."""
OUTLINE_REACH = 0.15
"""Of the face's width: how far inside the outline the shape change may not push outward
(`_outward`)."""
OUTLINE_SMOOTHING = 4
"""Passes of a 1-2-3-2-1 average along the outline over its points' shape change, once
`_outward` has taken off what would move them out. Where the user's outline crosses the
target's, that change turns at once from moving in to holding still, and the drawn jaw
had a corner there, which the frame's jaw followed (d10's selfies on s18: a kink below the
mouth on the left, where the jaw meets the chin, named by blind viewers as "a kink or
notch in the jaw"). The outline's bend (the largest second difference of its outward
move, in face widths) on five pairs: 0.0069-0.0111 before, 0.0012-0.0015 now. Small at the
eval's crop size: a blind A/B viewer (the clips s18, d12 and d3 with d10's, d3's and d14's
selfies, 12 frames each shown both ways round) chose the same swap both times for 9 of
them, 4 of those this one. `make eval` (14 pairs, 4 s): dlib's distances within 0.01
(d18-d0 0.322 -> 0.332, d3u-d10 0.500 -> 0.505), the seam on s18-d10 1.025 -> 1.018."""
OUTSIDE_REACH = 0.1  # of the outline's width: how far past it the warp is bicubic
_LOOP_KERNEL = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0
_POINTS_ROW = 4096  # points per row of the maps `_remap_points` gives `remap`
RINGS = (0.08, 0.16)
"""Past the outline, at these shares of each outline point's distance from the face's
middle, `Warp.face` carries the outline's own displacement."""


class ShapeTransfer:
    """Per-track state: the target's running neutral shape.

    A photo (`still`) has no frames to learn its resting mouth from: taken as the photo's
    own, the difference drew the user's resting mouth over its expression, a smile lowered
    and the lips parted (d10 on the s1 portrait: corner lift 0.058 eye distances in the
    photo, 0.030 swapped; dlib's 68-point openness 0.013 and 0.037). There the mouth and
    the jaw keep the photo's geometry (the lips take the user's colour, not their shape):
    0.056 and 0.012."""

    def __init__(self, identity_neutral: np.ndarray, still: bool = False) -> None:
        self._still = still
        self._identity = identity_neutral.astype(np.float64)
        self._sum: np.ndarray | None = None
        self._n = 0
        self._jaw = _jaw_weight(self._identity)
        # the lower lip and all below it move with the jaw: their neutral comes from the same
        # frames as the lips', whose opening is what `_opening` takes off below
        self._mouth = np.maximum(_mouth_weight(self._identity), self._jaw)
        self._outward = _outward(self._identity)
        self._below_nose = _below_nose(self._identity)
        self._corners = _corner_weight(self._identity)
        self._eye = float(np.linalg.norm(self._identity[L.LEFT_EYE_OUTER, :2]
                                         - self._identity[L.RIGHT_EYE_OUTER, :2]))
        self._lips = np.zeros(len(identity_neutral))
        self._lips[: L.N_MESH] = 1.0 - smoothstep(mouth_distance(self._identity) / LIP_COLUMNS)
        self._kept = np.zeros((KEPT, len(identity_neutral), 3), np.float32)
        self._mouths = np.zeros((KEPT, 3))  # per kept frame: `corner_lift`, `_width`, `_opening`
        self._count = 0  # frames kept
        self._sure: float | None = None  # how far the track's resting mouth has taken over
        self._rest: np.ndarray | None = None  # and that mouth, as last seen (flattened)
        self._shut_sure = 0.0  # how far the track's shut resting corners have taken over
        self._shut_lift = corner_lift(self._identity)  # and their height (`_learn_shut_lift`)
        self._step = 1  # every how many frames one is kept

    def reshape(self, points: np.ndarray, strength: float) -> np.ndarray:
        """The mesh moved toward the identity's shape by `strength` (0..1)."""
        sim = procrustes(points, self._identity)
        canonical = sim.to_canonical(points).astype(np.float64)
        self._learn(canonical)
        if strength <= 0:
            return points
        mean = self._sum / self._n
        mean += self._mouth[:, None] * (self._resting() - mean)
        delta = self._identity - mean
        delta[L.N_MESH :] = 0.0
        # a mouth open in the identity's selfies is expression too: its lower lip and chin
        # hang lower by that opening, which would stretch the lower lip over a closed mouth
        # and paint the selfies' mouth interior between the lips
        delta[:, 1] -= self._opening_change(mean) * self._jaw
        # how open eyes and mouth are is expression, not shape: a target who talks with the
        # mouth open learns an open neutral mouth, and the full difference would shut it in
        # every frame (mouth correlation: s13 0.56 -> 0.77, d12 0.91 -> 0.92)
        for opening in (L.RIGHT_EYE, L.LEFT_EYE):
            rows = list(opening)
            delta[rows, 1] = delta[rows, 1].mean()
        delta[list(L.LIPS_INNER), 1] = _inner_lips(delta, self._identity)
        delta[list(L.RIGHT_IRIS)] = delta[list(L.RIGHT_EYE)].mean(axis=0)
        delta[list(L.LEFT_IRIS)] = delta[list(L.LEFT_EYE)].mean(axis=0)
        delta[:, 1] += self._smile_given_back(canonical, delta)
        if self._still:
            delta *= 1.0 - self._mouth[:, None]
        # a longer lower face fits the target's chin as a whole (`_below_nose`), then the
        # outline moves in, never out: a wider or longer face was drawn over the target's
        # hair and neck
        delta[:, 1] -= self._below_nose * max(float(delta[L.CHIN, 1]), 0.0)
        along, share = self._outward
        push = np.maximum(np.sum(delta[:, :2] * along, axis=1), 0.0) * share
        delta[:, :2] -= push[:, None] * along
        oval = list(L.FACE_OVAL)
        delta[oval] = _along_loop(delta[oval], OUTLINE_SMOOTHING)
        return sim.to_image(canonical + strength * delta)

    def _opening_change(self, mean: np.ndarray) -> np.ndarray:
        """Per point: how much more open the identity's neutral mouth is than `mean`'s. On
        the lips, column by column (`L.LIPS_FACING`, by x): a mouth opens most in its middle,
        and the mean alone drew d0's lower lip on d10 as thick at the corners as in the
        middle (0.18-0.20 mouth widths, d0's own 0.10-0.22). The corners, which go half the
        way (`_jaw_weight`), by the middle's: a smile is read against the lips' middle, and
        their own columns' lifted the corners of d3's mouth on d12 as d12 talked (smile
        correlation 0.80). Away from the lips (`LIP_COLUMNS`), the mean: the chin moves as
        one."""
        gaps = [(self._identity[b, 1] - self._identity[a, 1]) - (mean[b, 1] - mean[a, 1])
                for a, b in L.LIPS_FACING]
        middle = float(np.mean(gaps))
        xs = [self._identity[a, 0] for a, _ in L.LIPS_FACING]
        xs += [self._identity[c, 0] for c in _MOUTH_CORNERS]
        order = np.argsort(xs)
        columns = np.interp(self._identity[:, 0], np.take(xs, order),
                            np.take([*gaps, gaps[0], gaps[0]], order))
        return middle + self._lips * (columns - middle)

    def _smile_given_back(self, canonical: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """Per point: the vertical shift that takes the resting mouths' difference in corner
        height (`delta`'s) off: a lowering as the target smiles, a raise while it rests
        (`SMILE_KEEPS`). How far it smiles is read against its corners' height at rest with
        its lips together (`_learn_shut_lift`; the identity's until the track has shown
        one)."""
        raised = (corner_lift(canonical) - self._shut_lift) / self._eye
        fade = smoothstep((raised - SMILE_KEEPS[0]) / (SMILE_KEEPS[1] - SMILE_KEEPS[0]))
        # `corner_lift` is linear in the points: of `delta`, it is how much higher (or lower)
        # the corners sit against the lips' middle, and adding it to their y (which grows
        # downward) takes that off. A lowering is taken off as the target smiles; a raise
        # taken off that way drew the smile falling (d14's higher corners on d3: smile
        # correlation 0.94 -> -0.45), so a raise is taken off while the target rests and
        # given back as it smiles. Selfies that all smile a little (d14's, d10's) drew that
        # smile on every resting, talking or frowning mouth (corner lift on d3 0.080 against
        # the original's 0.013, on s18 0.081 against 0.053; 0.032 and 0.047 now); a blind
        # A/B viewer chose the mouth without it in 10 of 12 comparisons, each shown both ways
        # round ("a straighter lip line like the reference", "the corners down as she
        # frowns"). dlib reads the raised corners as the user: 0.466 -> 0.499 from d14 on
        # d3, 0.505 -> 0.518 from d10 on s18.
        lift = corner_lift(delta)
        return (fade * min(lift, 0.0) + (1.0 - fade) * max(lift, 0.0)) * self._corners

    def _learn(self, canonical: np.ndarray) -> None:
        """Adds a frame's shape to the running mean and, one in `_step`, to those kept for
        the resting mean (at most `KEPT`: memory stays flat however long the video)."""
        self._sum = canonical if self._sum is None else self._sum + canonical
        self._n += 1
        if (self._n - 1) % self._step:
            return
        if self._count == KEPT:
            half = KEPT // 2
            self._kept[:half], self._mouths[:half] = self._kept[::2], self._mouths[::2]
            self._count, self._step = half, self._step * 2
        self._kept[self._count] = canonical
        self._mouths[self._count] = corner_lift(canonical), _width(canonical), _opening(canonical)
        self._count += 1

    def _resting(self) -> np.ndarray:
        """The mean of the kept frames, each weighted by how resting its mouth is
        (`RESTING`, `RESTING_LIFT`); soft weights, so it drifts as the track goes on and never
        jumps. The identity's own neutral until the track has shown a resting mouth."""
        smiles, widths, openings = self._mouths[: self._count].T
        low, high = np.quantile(smiles, RESTING)
        weights = 1.0 - smoothstep((smiles - low) / max(high - low, 1e-9))
        q1, q3 = np.quantile(widths, (0.25, 0.75))
        off = np.maximum(np.maximum(q1 - widths, widths - q3), 0.0) / max(q3 - q1, 1e-9)
        weights = weights * (1.0 - smoothstep(off))
        rests, smiles_from = RESTING_LIFT
        rested = 1.0 - smoothstep((smiles / self._eye - rests) / (smiles_from - rests))
        weights = weights * rested
        if weights.sum() <= 1e-6:  # the frames that rest, however few and however wide
            weights = rested
        if weights.sum() > 1e-6:
            kept = self._kept[: self._count].reshape(self._count, -1)
            self._rest = weights @ kept / weights.sum()
        self._learn_shut_lift(rested, smiles, openings)
        # once the track has shown a resting mouth, it takes over from the identity's, for good
        shown = min(float(rested.sum()), 1.0)
        sure = shown if self._sure is None else _surer(self._sure, shown)
        self._sure = sure
        resting = self._identity.ravel() * (1.0 - sure)
        if self._rest is not None:
            resting += self._rest * sure
        return resting.reshape(self._kept.shape[1:])

    def _learn_shut_lift(self, rested: np.ndarray, lifts: np.ndarray, openings: np.ndarray
                         ) -> None:
        """The corners' height of the kept frames that rest with their lips together
        (`RESTING_SHUT`), weighted by how resting each is (`rested`), taking over from the
        identity's own as the track shows them (`SURE_STEP`), as the resting mouth does."""
        together, apart = RESTING_SHUT
        shut = rested * (1.0 - smoothstep((openings / self._eye - together) / (apart - together)))
        total = float(shut.sum())
        self._shut_sure = _surer(self._shut_sure, min(total, 1.0))
        own = corner_lift(self._identity)
        if total > 1e-6:
            own += self._shut_sure * (float(shut @ lifts) / total - own)
        self._shut_lift = own


def _surer(sure: float, shown: float) -> float:
    """How far what a track has shown takes over, given how far it had (`sure`) and how much
    it shows now (`shown`, 0..1): never back, and forward by `SURE_STEP` a frame at most."""
    return max(sure, min(shown, sure + SURE_STEP))


def _below_nose(neutral: np.ndarray) -> np.ndarray:
    """0..1 per point of `neutral` (canonical): how much of a chin lower than the target's
    it takes off: none from the nose's base (`SUBNASALE`) up (nor the irises), all at the
    chin, the lips as one block between, and the skin above and below them squashed alike.

    Held at the outline alone (`_outward`), the lips moved down by the whole difference onto
    a chin that did not: d10's lower face, 0.16 eye distances longer than d14's, drew her
    lower lip 0.12 eye distances above the chin (0.40 in her selfies, 0.25 in the footage),
    a bulging chin under swollen lips with the footage's own chin line below it. The lips
    move as one: squashed with the rest, they came out thinner, and dlib's 68 points read
    d14's grins under d10's thinned lower lip as closed (mouth correlation 0.98 -> 0.54)."""
    y = neutral[:, 1]
    base, chin = y[SUBNASALE], y[L.CHIN]
    lips = y[list(L.LIPS_OUTER)]
    top, bottom = float(lips.min()), float(lips.max())
    above, below = max(top - base, 1e-9), max(chin - bottom, 1e-9)
    block = above / (above + below)  # the lips' share: both skin bands squashed alike
    share = np.interp(y[: L.N_MESH], [base, top, bottom, chin], [0.0, block, block, 1.0])
    return np.concatenate([share, np.zeros(len(neutral) - L.N_MESH)])


def _outward(neutral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point of `neutral` (canonical): the unit direction away from the face's middle
    (x, y), and how much of a shape change along it is taken off: all on the outline, none
    from `OUTLINE_REACH` inside it (0 for the irises).

    The selfies' outline is the least sure part of their shape: where hair covers a cheek,
    the face mesh guesses the jaw beneath it, and d10's came out wider than s18's visible
    one; transferred in full, it drew a broad, square lower face over s18's hair (the look
    test's "sharp seam at the jaw and cheek, the face looks pasted on", 14 of 25 crops).
    A narrower face still pulls the target's outline in; the frame follows."""
    xy = neutral[: L.N_MESH, :2]
    oval = xy[list(L.FACE_OVAL)]
    along = np.zeros((len(neutral), 2))
    away = xy - oval.mean(axis=0)
    along[: L.N_MESH] = away / np.maximum(np.linalg.norm(away, axis=1, keepdims=True), 1e-9)
    width = max(float(np.ptp(xy[:, 0])), 1e-9)
    gaps = np.linalg.norm(xy[:, None] - oval[None], axis=2).min(axis=1) / width
    share = np.zeros(len(neutral))
    share[: L.N_MESH] = 1.0 - smoothstep(gaps / OUTLINE_REACH)
    return along, share


def _along_loop(ring: np.ndarray, passes: int) -> np.ndarray:
    """`ring` (one row per point of a closed loop, in its order) averaged `passes` times
    with its two neighbours each side, weighted 1-2-3-2-1."""
    shifts = range(-(len(_LOOP_KERNEL) // 2), len(_LOOP_KERNEL) // 2 + 1)
    for _ in range(passes):
        ring = sum(w * np.roll(ring, k, axis=0) for w, k in zip(_LOOP_KERNEL, shifts, strict=True))
    return ring


def _width(shape: np.ndarray) -> float:
    """How far apart the lip corners are (canonical units)."""
    return float(np.linalg.norm(shape[L.MOUTH_LEFT, :2] - shape[L.MOUTH_RIGHT, :2]))


def _corner_weight(neutral: np.ndarray) -> np.ndarray:
    """0..1 per point: how much a lift of the lip corners against the lips' middle moves it.
    Along the lips as the square of the distance from their middle (a smile curves them),
    1 at and past the corners; fading out over `SMILE_REACH` mouth widths from the lips'
    outline (0 for the irises)."""
    x = neutral[:, 0]
    middle = (x[L.MOUTH_LEFT] + x[L.MOUTH_RIGHT]) / 2
    along = np.minimum(((x - middle) / (_width(neutral) / 2)) ** 2, 1.0)
    weight = np.zeros(len(neutral))
    near = 1.0 - smoothstep(mouth_distance(neutral) / SMILE_REACH)
    weight[: L.N_MESH] = along[: L.N_MESH] * near
    return weight


def _mouth_weight(neutral: np.ndarray) -> np.ndarray:
    """1 for the points on and around the lips, to `MOUTH_REACH[0]` mouth widths; 0 from
    `MOUTH_REACH[1]`; smooth between (0 for the irises)."""
    near, far = MOUTH_REACH
    weight = np.zeros(len(neutral))
    weight[: L.N_MESH] = 1.0 - smoothstep((mouth_distance(neutral) - near) / (far - near))
    return weight


def _inner_lips(delta: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """The inner lips' vertical shifts. How open a mouth is stays the target's: each upper
    point and the lower one facing it (`L.LIPS_FACING`) move alike, by the upper point's own
    shift (after `_jaw_weight`'s, which keeps the upper lip where it is), so the upper lip
    keeps the user's thickness all along. Each inner corner moves with its outer one, and
    the points between them and the pairs take a shift between (by x): inner corners left
    where the target's were while the outer ones took the user's tore the lips apart there
    (d0 on s32: 0.19 mouth widths higher, d14 on d3 0.11).

    One mean shift for them all, pulled by the lower lip's, drew d0's upper lip on d10 a
    sliver at one side and twice as thick at the other; each point's own shift before the
    jaw's made the lips cross wherever the target's resting mouth was open."""
    rows = list(L.LIPS_INNER)
    ends = [(neutral[inner, 0], delta[outer, 1]) for outer, inner in _INNER_CORNERS.items()]
    columns = sorted([(neutral[a, 0], delta[a, 1]) for a, _ in L.LIPS_FACING] + ends)
    shifts = np.interp(neutral[rows, 0], *np.array(columns).T)
    for a, b in L.LIPS_FACING:
        shifts[rows.index(a)] = shifts[rows.index(b)] = delta[a, 1]
    return shifts


def _opening(shape: np.ndarray) -> float:
    """How far apart the inner lips are (canonical units; y grows downward)."""
    return float(np.mean([shape[b, 1] - shape[a, 1] for a, b in L.LIPS_FACING]))


def _jaw_weight(neutral: np.ndarray) -> np.ndarray:
    """0..1 per point: how much of a mouth's opening moves it. A mouth opens by its jaw:
    the lower lip and all below it move by the whole opening, the upper lip and all above
    it stay, and the corners, where the lips meet, go half the way. Measured from the lips'
    parting line (their inner lips' middle, through the corners beyond them), over
    `JAW_REACH` mouth widths each side.

    From the corners' mean height, as before, a closed neutral mouth whose corners sit as
    low as its inner lips made the weight a step there: d0's slightly tilted mouth had one
    corner dragged down by the whole difference in opening (0.21 mouth widths on d10) and
    the other left, drawing an upper lip thick at one side and a sliver at the other."""
    x, y = neutral[:, 0], neutral[:, 1]
    columns = sorted([(x[a], (y[a] + y[b]) / 2) for a, b in L.LIPS_FACING]
                     + [(x[c], y[c]) for c in _MOUTH_CORNERS])
    parting = np.interp(x, *np.array(columns).T)
    weight = smoothstep(0.5 + 0.5 * (y - parting) / (JAW_REACH * _width(neutral)))
    weight[[a for a, _ in L.LIPS_FACING]] = 0.0
    weight[[b for _, b in L.LIPS_FACING]] = 1.0
    weight[[*_MOUTH_CORNERS, *_INNER_CORNERS.values()]] = 0.5
    weight[L.N_MESH :] = 0.0
    return weight


def settled_face(warp: Warp, old_xy: np.ndarray, new_xy: np.ndarray,
                 pinned: tuple[Region, np.ndarray] | None = None) -> np.ndarray:
    """The swap's shape warp of a face, composed in `warp`: the whole face's field from its
    mesh `old_xy` to the drawn one `new_xy` (478 or 468 points), then the finer ones around
    the mouth and the eyes (`settle_features`); returns where the mesh's content lands."""
    landed = warp.face(old_xy[: L.N_MESH, :2], new_xy[: L.N_MESH, :2], pinned)
    return settle_features(warp, landed, new_xy, pinned)


def settle_features(warp: Warp, landed: np.ndarray, new_xy: np.ndarray,
                    pinned: tuple[Region, np.ndarray] | None = None) -> np.ndarray:
    """`settle_mouth`, then `settle_eyes`, composed in `warp`; returns `landed` updated."""
    drawn = new_xy[: L.N_MESH, :2]
    landed = settle_mouth(warp, landed, drawn, pinned)
    return settle_eyes(warp, landed, drawn, pinned)


def settle_mouth(warp: Warp, landed: np.ndarray, new_xy: np.ndarray,
                 pinned: tuple[Region, np.ndarray] | None = None) -> np.ndarray:
    """After the whole face's field (`Warp.face`), a finer one around the mouth composed
    onto it, so that the crease of a closed mouth's lips, and an open one's inside, land
    where the lips are drawn (across, less as the mouth opens, `SETTLE_OPEN`); returns
    `landed` with the points near the mouth updated.

    The whole face's field is too smooth for the lips: where the user's lip corners sit a
    tenth of the mouth's width higher than the target's and the upper lip is thinner, the
    target's mouth landed 4.8 % of the mouth's width (mean) from the drawn lips (d14's
    selfies into d3; d0's into s32 5.2 %), and its crease showed beside the drawn lip line
    as a second, straight one; after this pass 3.0 % and 2.5 % (3.4 % on d3 with the pass
    fading as the mouth opens). A finer field (spread 40: 1.75 %) bent the teeth of s32's
    broad smile."""
    width = max(float(np.ptp(new_xy[list(L.LIPS_OUTER), 0])), 1.0)
    closed = 1.0 - float(smoothstep((_opening(new_xy) / width - SETTLE_OPEN[0])
                                    / (SETTLE_OPEN[1] - SETTLE_OPEN[0])))
    share = np.full((len(new_xy), 2), closed)
    share[_on_lips(new_xy), 1] = 1.0
    return _settle(warp, landed, new_xy, L.LIPS_OUTER, width, MOUTH_WARP, share, pinned)


def _on_lips(xy: np.ndarray) -> np.ndarray:
    """Indices of the mesh points `xy` (frame coordinates) on the lips: within a pixel of
    their outer outline or inside it."""
    outer = xy[list(L.LIPS_OUTER)]
    (x0, y0), (x1, y1) = outer.min(axis=0) - 1.0, outer.max(axis=0) + 1.0
    # only the points in the lips' box are measured: a fifth of the cost of all of them
    boxed = np.flatnonzero((xy[: L.N_MESH, 0] >= x0) & (xy[: L.N_MESH, 0] <= x1)
                           & (xy[: L.N_MESH, 1] >= y0) & (xy[: L.N_MESH, 1] <= y1))
    return boxed[distance_outside(xy, L.LIPS_OUTER, boxed) <= 1.0]


def settle_eyes(warp: Warp, landed: np.ndarray, new_xy: np.ndarray,
                pinned: tuple[Region, np.ndarray] | None = None) -> np.ndarray:
    """After the whole face's field, a finer one around the eyes composed onto it, so that
    the target's lids and lashes land where the user's are drawn (its brows stay where they
    landed: moved too, by a field this fine, their hair was smeared past what the clean
    plate paints out); returns `landed` with the points near the eyes updated.

    The whole face's field left the target's eyes 5-6 % of an eye's width (2-3.4 px) from
    the drawn ones on the close-ups (d3's selfies into d12, d14's into d3): a shut eye's
    lash line showed twice, a pale band between two dark lines that the face mesh read as
    an eye half open (d12's blink at 1.6 s: openness 0.20 where the original's was 0.04).
    After it: 1.0-1.4 % (0.6 px); `make eval`'s ghosting on d14 into d3 0.39 -> 0.16, on d10
    into s18 0.77 -> 0.73, and d12's blink read 0.15-0.18 open; 1.4 ms a frame on s18's
    281 px face."""
    eyes = new_xy[[L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER]]
    width = max(float(np.linalg.norm(eyes[0] - eyes[1]) + np.linalg.norm(eyes[2] - eyes[3]))
                / 2, 1.0)
    return _settle(warp, landed, new_xy, L.RIGHT_EYE + L.LEFT_EYE, width, EYES_WARP, 1.0,
                   pinned, held=L.RIGHT_BROW + L.LEFT_BROW)


def _settle(warp: Warp, landed: np.ndarray, new_xy: np.ndarray,
            outline: tuple[int, ...], width: float, reach_spread_grid: tuple[float, float, int],
            share: float | np.ndarray, pinned: tuple[Region, np.ndarray] | None,
            held: tuple[int, ...] = ()) -> np.ndarray:
    """A finer field around the `outline` points composed onto `warp`, moving content by
    `share` (one, or per point across and up and down) of what is left between where it
    landed and where it is drawn; `reach_spread_grid`: the reach (in `width`s from the
    outline's points), spread and grid (px); `held`: points that stay where they landed.
    Returns the updated `landed`."""
    reach, spread, grid = reach_spread_grid
    # distance to the outline's nearest point, not to its edges: what is near enough to
    # move, at a tenth of the cost (and the square root of the nearest one's square only:
    # the same numbers, an eighth of the time of `np.linalg.norm` over all of them)
    ends = new_xy[list(outline)]
    across = np.subtract.outer(new_xy[: L.N_MESH, 0], ends[:, 0])
    down = np.subtract.outer(new_xy[: L.N_MESH, 1], ends[:, 1])
    across *= across
    down *= down
    across += down
    gaps = np.sqrt(across.min(axis=1))
    near = np.flatnonzero(gaps <= reach * width)
    if len(near) < len(outline) or np.all(np.asarray(share) <= 0.0):
        return landed
    landed = landed.copy()
    part = share[near] if np.ndim(share) == 2 else share
    goal = landed[near] + part * (new_xy[near] - landed[near]) * ~np.isin(near, held)[:, None]
    landed[near] = warp.add(landed[near], goal, pinned, spread=spread, grid=grid)
    return landed


def warp_around(frame: np.ndarray, old_xy: np.ndarray, new_xy: np.ndarray,
                pinned: tuple[Region, np.ndarray] | None = None, *, spread: float = 10.0,
                grid: int = _GRID) -> np.ndarray:
    """`frame` warped in place by one field (`Warp.add`); returns where the content at
    `old_xy` landed."""
    warp = Warp(frame.shape[:2])
    landed = warp.add(old_xy, new_xy, pinned, spread=spread, grid=grid)
    warp.apply(frame)
    return landed


class _Field(NamedTuple):
    """Where each pixel of `region` takes its content from, in frame coordinates."""

    region: Region
    map_x: np.ndarray
    map_y: np.ndarray


class Warp:
    """A frame's shape warp: smooth fields in a row (the whole face's, then finer ones
    around the mouth and eyes), composed into one map and resampled once (`apply`).

    Each bilinear resampling takes some of the fine detail the warped footage shows inside
    the face: teeth and tongue in an open mouth, the target's eyes. Resampled once per field,
    d0's eyes kept 0.74 of their detail, now 0.84 (the teeth 0.78, 0.79). Composed on the
    fields' grids, it costs 0.2 ms a frame more than the two resamplings it saves (s18's
    face). A close-up's finer fields resample the smaller copy it is drawn on
    (`compose.canvas`): at the frame's size, composed with the face's, they cost 4 ms more."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self._field: _Field | None = None
        self._outline: np.ndarray | None = None

    def face(self, old_xy: np.ndarray, new_xy: np.ndarray,
             pinned: tuple[Region, np.ndarray] | None = None) -> np.ndarray:
        """The field of a whole face's mesh (`L.N_MESH` points), the outline's displacement
        also carried on rings outside it (`RINGS`): what lies past the outline (hair, the
        neck, a jaw's shadow) moves as the outline does. Without them the field there was
        the Gaussian mean of the face's points, mostly inner ones: where a mouth moved down
        and the outline held (`_outward`), the target's chin moved down beneath the drawn one
        and showed as a second jaw line (d0 into s32). Past the drawn outline the frame is
        resampled bicubically (`apply`). Returns where the mesh's content lands."""
        oval = list(L.FACE_OVAL)
        middle = old_xy[oval].mean(axis=0)
        moved = np.tile(new_xy[oval] - old_xy[oval], (len(RINGS), 1))
        rings = np.vstack([old_xy[oval] + share * (old_xy[oval] - middle) for share in RINGS])
        self._outline = np.asarray(new_xy[oval])
        return self.add(old_xy, new_xy, pinned, anchors=(rings + moved, moved))

    def add(self, old_xy: np.ndarray, new_xy: np.ndarray,
            pinned: tuple[Region, np.ndarray] | None = None, *, spread: float = 10.0,
            grid: int = _GRID, anchors: tuple[np.ndarray, np.ndarray] | None = None
            ) -> np.ndarray:
        """A field that moves content at `old_xy` (where the fields before left it) to
        `new_xy`, smoothly, composed after the fields before; returns where that content
        lands.

        `pinned` (a window and a 0..1 mask over it) marks pixels that must not move: an
        occluder in front of the face keeps its shape. The displacements are spread by a
        Gaussian of (points' extent / `spread`) over a grid of `grid` pixels: a whole-face
        shape change wants the default; a local one (an eye, the lips) a larger `spread` and
        a finer grid, or neighbouring points' opposite moves would average out. The field is
        smooth, so content lands near `new_xy`, not on it: a brow between an eye that moved
        down and a forehead that stayed lands a few pixels off the mesh's brow (what the
        swap must hide).

        `anchors`: more places (where content is to land) and the displacements it has
        there, which shape the field but not its extent: the window warped and the spread
        are the points' own (a wider window reached a second face beside this one)."""
        size = float(np.ptp(old_xy[:, 0]) + np.ptp(old_xy[:, 1])) / 2
        region = Region.around(np.vstack([old_xy, new_xy]), self.shape, margin=0.3)
        if region.w < 2 * grid or region.h < 2 * grid:
            return old_xy.astype(np.float32)
        gw, gh = region.w // grid + 1, region.h // grid + 1
        disp = (new_xy - old_xy).astype(np.float32)
        places = new_xy
        if anchors is not None:
            cell = (anchors[0] - (region.x0, region.y0)) / grid
            inside = np.all((cell >= 0) & (cell < (gw, gh)), axis=1)
            places = np.vstack([new_xy, anchors[0][inside]])
            disp = np.vstack([disp, anchors[1][inside].astype(np.float32)])
        cells = np.clip(((places - (region.x0, region.y0)) / grid).astype(int), 0,
                        [gw - 1, gh - 1])
        # each place's displacement summed into its cell (bincount: 0.05 ms, np.add.at 0.15)
        cell = cells[:, 1] * gw + cells[:, 0]
        num = np.stack([np.bincount(cell, disp[:, k], gh * gw) for k in (0, 1)], axis=1)
        num = num.reshape(gh, gw, 2).astype(np.float32)
        den = np.bincount(cell, None, gh * gw).reshape(gh, gw).astype(np.float32)
        sigma = max(size / spread / grid, 1.0)
        num = cv2.GaussianBlur(num, (0, 0), sigma)
        den = cv2.GaussianBlur(den, (0, 0), sigma)
        field = num / np.maximum(den, 1e-3)[..., None] * smoothstep(den / 0.02)[..., None]
        ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
        edge = np.minimum(np.minimum(xs, gw - 1 - xs), np.minimum(ys, gh - 1 - ys))
        field *= smoothstep(edge / max(min(gw, gh) * 0.15, 1.0))[..., None]
        # where the content at `old_xy` lands: this field's own move, read where it lands
        moved = _bilinear(field, _grid_places(new_xy, region, gw, gh))
        if pinned is not None:
            moved *= 1.0 - _pin_at(new_xy, pinned)[:, None]
        if self._field is not None:
            # composed on the grid, where both fields are smooth: a pixel reads what the
            # fields before read at the place this one reads (composing the enlarged maps
            # cost s18's face 0.3 ms a frame more)
            field = _composed(self._field, field, region, gw, gh)
        # x and y enlarged as separate planes: the pins' weight and the maps work on whole
        # planes, not on strided halves of one array
        field_x, field_y = (cv2.resize(np.ascontiguousarray(field[..., k]),
                                       (region.w, region.h), interpolation=cv2.INTER_LINEAR)
                            for k in (0, 1))
        if pinned is not None:
            _hold(field_x, field_y, region, pinned)
        # the sampling maps: each pixel's own place less the field (a row and a column of
        # places broadcast, not two whole grids), made in the field's own planes: two fewer
        # window-sized arrays
        xs_, ys_ = _places(region)
        self._put(_Field(region, np.subtract(xs_, field_x, out=field_x),
                         np.subtract(ys_, field_y, out=field_y)))
        return (old_xy + moved).astype(np.float32)

    def _put(self, later: _Field) -> None:
        """`later`'s maps (composed already) over the fields before."""
        first = self._field
        if first is None:
            self._field = later
            return
        region = first.region.union(later.region)
        if region != first.region:
            grown = _Field(region, *_places(region, whole=True))
            grown.map_x[first.region.within(region)] = first.map_x
            grown.map_y[first.region.within(region)] = first.map_y
            first = grown
        at = later.region.within(region)
        first.map_x[at] = later.map_x
        first.map_y[at] = later.map_y
        self._field = first

    def apply(self, frame: np.ndarray) -> None:
        """`frame` (of `shape`) resampled in place through the composed fields, once."""
        if self._field is None:
            return
        region, map_x, map_y = self._field.region, self._field.map_x, self._field.map_y
        window = frame[region.slices]
        warped = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        if self._outline is not None:
            # past the outline (hair, ears, a jaw's edge) bicubic: bilinear resampling at the
            # field's fractions of a pixel took 12-15 % of the fine detail there (s18, d3), a
            # soft edge around the face that a blind viewer named first; inside it, where the
            # face is drawn over, bilinear: bicubic there shimmered (flicker s18-d3 1.12 ->
            # 1.15). Bicubic costs 4.5 times as much on one thread: only the band's pixels
            # are resampled so, as one row of points (the two resamplings differ in
            # sharpness only, no blend is needed where they meet)
            outside = self._outline
            local = np.round(outside - (region.x0, region.y0)).astype(np.int32)
            reach = max(int(OUTSIDE_REACH * float(np.ptp(outside[:, 0]))), 1)
            band = np.zeros((region.h, region.w), np.uint8)
            cv2.polylines(band, [local], True, 1, 2 * reach)
            cv2.fillPoly(band, [local], 0)
            at = band > 0
            if at.any():
                pixels_of(warped)[at.ravel()] = pixels_of(
                    _remap_points(frame, map_x[at], map_y[at], cv2.INTER_CUBIC))
        window[...] = warped


def _composed(first: _Field, field: np.ndarray, region: Region, gw: int, gh: int
              ) -> np.ndarray:
    """`field` (on the grid of `gw` x `gh` nodes over `region`) after the fields composed
    in `first`: the pixel at a node shows what they put at the place it reads."""
    nodes_x = _node_places(region.x0, region.w, gw)[None, :]
    nodes_y = _node_places(region.y0, region.h, gh)[:, None]
    reads_x, reads_y = nodes_x - field[..., 0], nodes_y - field[..., 1]
    # outside the fields before (whose own field fades to nothing at their border) a place
    # reads itself
    x0, y0 = first.region.x0, first.region.y0
    inside_x = np.clip(reads_x, x0, x0 + first.region.w - 1)
    inside_y = np.clip(reads_y, y0, y0 + first.region.h - 1)
    local_x, local_y = inside_x - np.float32(x0), inside_y - np.float32(y0)
    source_x = cv2.remap(first.map_x, local_x, local_y, cv2.INTER_LINEAR)
    source_y = cv2.remap(first.map_y, local_x, local_y, cv2.INTER_LINEAR)
    source_x += reads_x - inside_x
    source_y += reads_y - inside_y
    return np.dstack([nodes_x - source_x, nodes_y - source_y]).astype(np.float32)


def _node_places(start: int, length: int, nodes: int) -> np.ndarray:
    """Where the nodes of a grid of `nodes` enlarged to `length` pixels (`cv2.resize`,
    bilinear: pixel centres kept) lie, in frame coordinates from `start`."""
    return ((np.arange(nodes, dtype=np.float32) + 0.5) * (length / nodes) - 0.5
            + np.float32(start))


def _grid_places(xy: np.ndarray, region: Region, gw: int, gh: int) -> np.ndarray:
    """Points (frame coordinates) in the grid's node coordinates (`_node_places` inverted),
    kept on the grid."""
    at = (xy - (region.x0, region.y0) + 0.5) * (gw / region.w, gh / region.h) - 0.5
    return np.clip(at, 0, (gw - 1, gh - 1))


def _bilinear(grid: np.ndarray, at: np.ndarray) -> np.ndarray:
    """`grid` (h x w x c) read bilinearly at the points `at` (node coordinates, on it)."""
    x0 = np.minimum(np.floor(at[:, 0]).astype(int), grid.shape[1] - 2)
    y0 = np.minimum(np.floor(at[:, 1]).astype(int), grid.shape[0] - 2)
    fx, fy = (at[:, 0] - x0)[:, None], (at[:, 1] - y0)[:, None]
    top = grid[y0, x0] * (1 - fx) + grid[y0, x0 + 1] * fx
    bottom = grid[y0 + 1, x0] * (1 - fx) + grid[y0 + 1, x0 + 1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def _pin_at(xy: np.ndarray, pinned: tuple[Region, np.ndarray]) -> np.ndarray:
    """The pins' weight (0..1) at each point's pixel: 0 off their window."""
    region, mask = pinned
    at = np.round(xy - (region.x0, region.y0)).astype(int)
    on = (at[:, 0] >= 0) & (at[:, 0] < region.w) & (at[:, 1] >= 0) & (at[:, 1] < region.h)
    out = np.zeros(len(xy), np.float32)
    out[on] = mask[at[on, 1], at[on, 0]]
    return out


def _places(region: Region, whole: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's own place in `region` (frame coordinates): a row and a column that
    broadcast, or (`whole`) two planes of the region's size."""
    xs = np.arange(region.w, dtype=np.float32)[None, :] + np.float32(region.x0)
    ys = np.arange(region.h, dtype=np.float32)[:, None] + np.float32(region.y0)
    if whole:
        return (np.ascontiguousarray(np.broadcast_to(xs, (region.h, region.w))),
                np.ascontiguousarray(np.broadcast_to(ys, (region.h, region.w))))
    return xs, ys




def _remap_points(image: np.ndarray, xs: np.ndarray, ys: np.ndarray, interpolation: int
                  ) -> np.ndarray:
    """`image` resampled at the points (`xs`, `ys`), one pixel per point (n x channels).
    The points go to `remap` as rows of `_POINTS_ROW`: a map may not be 32767 wide."""
    n = len(xs)
    rows = -(-n // _POINTS_ROW)
    grid_x = np.zeros(rows * _POINTS_ROW, np.float32)
    grid_y = np.zeros(rows * _POINTS_ROW, np.float32)
    grid_x[:n], grid_y[:n] = xs, ys
    out = cv2.remap(image, grid_x.reshape(rows, -1), grid_y.reshape(rows, -1), interpolation,
                    borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(rows * _POINTS_ROW, -1)[:n]


def _hold(field_x: np.ndarray, field_y: np.ndarray, region: Region,
          pinned: tuple[Region, np.ndarray]) -> None:
    """The field (over `region`) scaled in place by 1 - `pinned`, only where the pins lie
    and not at all when they are all 0 (most frames: nothing passes in front): a window of
    ones, and two products with it, cost 0.8 ms a frame on s18's face."""
    shared = region.overlap(pinned[0])
    if shared is None or not pinned[1][shared[1]].any():
        return
    free = 1.0 - pinned[1][shared[1]]
    field_x[shared[0]] *= free
    field_y[shared[0]] *= free
