"""Ecluse's tests. Hypothesis runs without per-example deadlines: CI machines are shared and a
slow example is not a wrong one (the property, not the timing, is what these tests check)."""

from hypothesis import settings

settings.register_profile("ecluse", deadline=None)
settings.load_profile("ecluse")
