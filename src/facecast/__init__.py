"""facecast: put a person's face onto a character in a video or photo, offline, on a CPU."""

__version__ = "0.1.0"
