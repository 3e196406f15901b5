"""Files that appear whole or not at all: written to a temporary file beside the target, renamed
over it only when the writing succeeded. kb.db, cached transcripts and converted models are all
written so, and a reader never sees half a file. A lock beside a file keeps its writers one at a
time, and what a killed writer left behind can be found and removed."""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `path` to write; renamed over `path` when the block ends without
    an error, removed when it raises. The file gets the permissions a new file would get."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file: the same resolved path, or one file under two names (a link)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_json(path: str | os.PathLike, data: object) -> None:
    """`data` as UTF-8 JSON at `path`, replaced whole."""
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def leftovers(path: str | os.PathLike) -> list[Path]:
    """Temporary files that `replacing(path)` left behind when its process was killed mid-write."""
    path = Path(path)
    return sorted(path.parent.glob(f".{glob_escape(path.name)}.*.tmp"))


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextmanager
def exclusive(path: str | os.PathLike, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock file beside `path` (`.NAME.lock`) for the block: one writer at a time. A
    second process waits for the first, after telling `waiting` which process it waits for. The
    kernel releases the lock when its process ends, however it ends, so no lock is ever stale;
    the holder removes the file when the block ends, so none is left beside kb.db."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    lock = held(lock_path, path, waiting)
    try:
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()}")
        lock.flush()
        yield
    finally:
        # removed while still held: a process that waited on this file finds it gone and opens
        # the next one, so two writers never each hold a lock of their own
        if still_there(lock, lock_path):
            lock_path.unlink()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def held(lock_path: Path, path: Path, waiting: Callable[[str], None] | None):
    """The lock file, open and locked: the one at `lock_path` now, not one its holder removed."""
    told = False
    while True:
        lock = open(lock_path, "a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            if waiting is not None and not told:
                waiting(f"Waiting for {holder}, which is writing {path}")
                told = True
            fcntl.flock(lock, fcntl.LOCK_EX)
        if still_there(lock, lock_path):
            return lock
        lock.close()  # its holder removed it as we waited: lock the new one


def still_there(lock, lock_path: Path) -> bool:
    """Whether the open lock file is the one at `lock_path` (its holder may have removed it)."""
    try:
        return os.path.samestat(os.fstat(lock.fileno()), os.stat(lock_path))
    except FileNotFoundError:
        return False
