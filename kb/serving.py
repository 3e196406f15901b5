"""What `kb serve` checks before Datasette takes over its process, so that each problem is one
`Error:` line instead of Datasette's or uvicorn's traceback, and the metadata it hands over."""
from __future__ import annotations

import errno
import json
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import click


def check_port(host: str, port: int) -> None:
    """A clear error before Datasette starts when the port is taken (uvicorn's own is a traceback)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # as uvicorn binds: a port whose last server has just stopped (its connections in
        # TIME_WAIT) is free to listen on again, and a port another server listens on is not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
        data = json.loads(text) if path.endswith(".json") else yaml_data(text)
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


def yaml_data(text: str):
    """YAML read by libyaml where PyYAML has it (its pure-Python loader took 50 ms of kb serve's
    start); a file that is not valid YAML is read again by the pure-Python loader, whose message
    says what it found ("expected ',' or ']', but got ':'")."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return yaml.safe_load(text)


def metadata_for(db: str, metadata_path: str) -> dict:
    """The metadata Datasette is given: metadata.yml describes the database 'kb', so another file
    name gets its key renamed."""
    name = Path(db).stem
    data = read_metadata(metadata_path)
    databases = data.get("databases", {})
    if "kb" in databases and name != "kb":
        databases[name] = databases.pop("kb")
    return data
