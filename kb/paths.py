"""The files the project ships with its code: the taxonomy, the vocabulary, the Datasette metadata
and the bundled corpus. They sit at the top of the repository and inside the package (kb/data/,
links to them in a checkout, copies in an installed wheel), so `kb` finds them from any folder.
A file of that name in the current folder wins, so a user's own copy is used."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def bundled(name: str) -> Path:
    """`name` in the current folder if it is there, else the copy that ships in the package."""
    here = Path(name)
    return here if here.exists() else DATA / name
