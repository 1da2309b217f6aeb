"""Small pieces shared by sixg's command lines."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An argparse type for counts (tasks, trials, workers, epochs, ...): an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type for durations and windows: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0.0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value
