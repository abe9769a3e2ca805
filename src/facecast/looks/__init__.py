"""Looks: what a swap or an edit does to a picture besides the face itself.

`adjust` (exposure, tone, colour, detail), `style` (oil, watercolour, comic) on `textures`,
`steady` (painted video that does not boil), `reshape` (portrait sliders), `match` (the
swapped face in the target's own texture and palette), `finish` (output size and encoder
quality), `stage.Looks` (all of them, in order, for one stream) and `edit` (`facecast
edit`: the looks without a swap).
"""
