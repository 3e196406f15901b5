"""The files the project ships beside its code: the taxonomy, the Datasette metadata and the
bundled corpus. A file of that name in the current folder wins, so a user's own copy is used."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def bundled(name: str) -> Path:
    """`name` in the current folder if it is there, else the copy that ships with the project."""
    here = Path(name)
    return here if here.exists() else PROJECT_ROOT / name
