"""What `kb serve` checks before Datasette takes over its process, so that each problem is one
`Error:` line instead of Datasette's or uvicorn's traceback, and the metadata it hands over."""
from __future__ import annotations

import errno
import json
import os
import socket
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import click


def check_port(host: str, port: int) -> None:
    """A clear error before Datasette starts when the port is taken (uvicorn's own is a traceback)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(f"port {port} is in use; try --port {port + 1}") from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def check_servable(db: str) -> None:
    """A clear error before Datasette starts on a file it cannot serve (its own is a traceback)."""
    from .reader import connect_read_only

    try:
        with closing(connect_read_only(Path(db))) as conn:
            conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{db}: not a kb.db built by 'kb build' ({exc})") from None


def read_metadata(path: str) -> dict:
    """Datasette metadata (YAML or JSON) as a dict; a clear error naming the file and line."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not valid UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read the metadata: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise click.ClickException(f"{path}{where}: not valid YAML or JSON ({reason})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: expected Datasette metadata, a mapping such as 'title: ...'")
    return data


def metadata_for(db: str, metadata_path: str) -> str:
    """metadata.yml describes the database 'kb'; another file name needs its key renamed."""
    name = Path(db).stem
    data = read_metadata(metadata_path)
    if name == "kb":
        return metadata_path
    databases = data.get("databases", {})
    if "kb" in databases:
        databases[name] = databases.pop("kb")
    fd, path = tempfile.mkstemp(prefix="kb-metadata-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    return path
