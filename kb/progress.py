"""Progress on stderr for long work: one line per file, and a bar over the seconds of a long one."""
from __future__ import annotations

import sys
from pathlib import Path

import click


class FileProgress:
    """'[1/3] episode-312.mp3' per file, and a bar over the seconds of a long one, on stderr."""

    def __init__(self, silent: bool):
        self.silent, self.bar, self.done = silent, None, 0

    def start(self, path: Path, n: int, total: int) -> None:
        self.close()
        if not self.silent:
            click.echo(f"[{n}/{total}] {path}", err=True)

    def update(self, seconds: float, total: float) -> None:
        if self.silent:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(1, int(total)), label="  transcribing", file=sys.stderr,
                                         show_eta=True)
            self.bar.__enter__()
        self.bar.update(int(seconds) - self.done)
        self.done = int(seconds)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.bar, self.done = None, 0
