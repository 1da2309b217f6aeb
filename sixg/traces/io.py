"""Load trace corpora, refusing files that do not match the schema."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pandas as pd

from sixg.errors import CorruptTraceError
from sixg.traces.schema import TRACE_SCHEMA_VERSION, UE_COLUMNS, UE_HEADER, WINDOW_COLUMNS, WINDOW_HEADER
from sixg import jsontext

_DTYPES = {c.name: ("string" if c.type is str else c.type) for c in WINDOW_COLUMNS}
_UE_DTYPES = {c.name: ("string" if c.type is str else c.type) for c in UE_COLUMNS if c.name != "battery_fraction"}


def read_manifest(root: Path) -> dict:
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise CorruptTraceError(f"{root} is not a trace directory: it has no manifest.json (generate one with `python -m sixg.traces generate`)")
    try:
        meta = jsontext.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CorruptTraceError(f"{path} is not valid JSON: {exc}") from None
    if meta.get("trace_schema_version") != TRACE_SCHEMA_VERSION:
        raise CorruptTraceError(
            f"{root} holds traces of schema version {meta.get('trace_schema_version')}, this sixg reads version {TRACE_SCHEMA_VERSION}; regenerate them"
        )
    return meta


def episode_files(root: Path, split: str | None = None) -> list[Path]:
    pattern = f"{split}/seed-*/episode-*.csv.gz" if split else "*/seed-*/episode-*.csv.gz"
    return sorted(p for p in Path(root).glob(pattern) if not p.name.endswith(".ues.csv.gz"))


def read_episode(path: Path, *, ues: bool = False) -> pd.DataFrame:
    """One episode's window rows (or UE rows), validated against the schema."""
    header = UE_HEADER if ues else WINDOW_HEADER
    try:
        df = pd.read_csv(path, compression="gzip", keep_default_na=False, na_values={"battery_fraction": [""]} if ues else {})
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorruptTraceError(f"{path} cannot be read ({type(exc).__name__}: {exc}); delete it and regenerate the episode") from None
    if tuple(df.columns) != header:
        missing = [c for c in header if c not in df.columns]
        extra = [c for c in df.columns if c not in header]
        raise CorruptTraceError(f"{path} does not match trace schema v{TRACE_SCHEMA_VERSION} (missing {missing}, unexpected {extra})")
    try:
        df = df.astype(_UE_DTYPES if ues else _DTYPES)
    except (ValueError, TypeError) as exc:
        raise CorruptTraceError(f"{path} has a value of the wrong type: {exc}") from None
    if df.empty:
        raise CorruptTraceError(f"{path} holds no rows")
    return df


def load_windows(root: Path, *, split: str | None = None, seeds: list[int] | None = None) -> pd.DataFrame:
    """All window rows of a corpus (optionally one split / some seeds), in time order."""
    read_manifest(root)
    frames = []
    for path in episode_files(root, split):
        seed = int(path.parent.name.split("-")[1])
        if seeds is not None and seed not in seeds:
            continue
        frames.append(read_episode(path))
    if not frames:
        raise CorruptTraceError(f"no episodes found under {root}" + (f" for split {split}" if split else ""))
    return pd.concat(frames, ignore_index=True).sort_values(["seed", "episode", "t"], kind="stable").reset_index(drop=True)
