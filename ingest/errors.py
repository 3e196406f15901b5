"""The project's errors. `KBError` is the base of every error a user can cause (a bad source, an
unknown topic, a missing model...): the CLI reports each one as a single `Error: ...` line. It lives
here, in the package every other one builds on, so that reading sources never imports the index."""
from __future__ import annotations


class KBError(Exception):
    """Something the user can fix: the message says what and, where it can, how."""


class IngestError(KBError, ValueError):
    """A source could not be read or parsed; carries the file and, where known, the line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


class TranscriptParseError(IngestError):
    """A transcript block or file did not follow a known transcript layout."""


class IngestWarning(UserWarning):
    """Something in a source was skipped; the build goes on."""
