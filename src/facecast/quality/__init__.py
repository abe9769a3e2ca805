"""Measuring a swap: identity, expression, stability, seams and colour against the original."""

from facecast.quality.evaluate import evaluate
from facecast.quality.report import TARGETS, QualityReport

__all__ = ["TARGETS", "QualityReport", "evaluate"]
