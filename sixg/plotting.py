"""Figures sixg writes to files: pyplot without a display, and one way to save a figure.

Commands run on machines without a display, so pyplot is taken on the file-only Agg
backend; matplotlib is imported on first use, never when ``sixg`` is imported.
"""

from __future__ import annotations

from pathlib import Path


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path, *, dpi: int = 110) -> Path:
    """Lay ``fig`` out, write it to ``path`` (creating its folder) and free it; returns the path."""
    plt = pyplot()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
