"""Reading JSON that came from outside (files, command lines) without a crash on hostile shapes."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    """:func:`json.loads`, except that text nested past the decoder's depth limit raises the
    :class:`json.JSONDecodeError` every reader already handles, instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        doc = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError("nested too deeply to read", doc[:80], 0) from None
