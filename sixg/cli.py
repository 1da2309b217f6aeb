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
