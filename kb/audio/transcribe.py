"""Audio -> transcript with word timestamps, offline: one output shape and one cache for both engines.

Either engine (kb/audio/engines.py) gives whisper-timestamped's JSON shape (`text`, `language`,
`segments[]` of id/start/end/text/confidence with `words[]` of text/start/end/confidence), so
either one's transcript reads the same downstream (ingest/json_transcript.py reads it too).
Transcripts are cached by the audio's SHA-256 with the engine, model and language, so a file is
never transcribed twice (`kb build` looks in the cache first).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..atomic import write_json
from .decode import decode_audio, is_silent
from .engines import load_engine
from .models import resolve_model
from .options import DEFAULT_ENGINE, SAMPLE_RATE, AudioError, EngineError, Progress, TranscribeOptions, cache_root
from .vocabulary import default_options

CACHE_FORMAT = 1  # bump when the transcript shape changes, so old cache entries are not read


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tidy(segments: Iterable[dict], duration: float) -> list[dict]:
    """Segments and words in the output shape: plain floats, times inside the audio, never going
    back, each word's end after its start; empty words dropped."""
    out, last = [], 0.0
    for seg in segments:
        words = []
        for w in seg.get("words") or []:
            text = " ".join(str(w.get("text", "")).split())
            if not text:
                continue
            start = min(max(float(w["start"]), last), duration)
            end = min(max(float(w["end"]), start), duration)
            confidence = round(float(w.get("confidence") or 0.0), 3)
            if words and text[0] in "-'" and start <= words[-1]["end"]:  # "multi" "-factor": one word
                words[-1].update(text=words[-1]["text"] + text, end=round(end, 2),
                                 confidence=min(confidence, words[-1]["confidence"]))
                continue
            last = start
            words.append({"text": text, "start": round(start, 2), "end": round(end, 2), "confidence": confidence})
        text = " ".join(w["text"] for w in words) if words else " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        start = words[0]["start"] if words else min(float(seg["start"]), duration)
        end = max(words[-1]["end"] if words else float(seg["end"]), start)
        if out and is_echo(text, start, out[-1]):
            continue
        out.append({"id": len(out), "start": round(start, 2), "end": round(min(end, duration), 2), "text": text,
                    "confidence": round(float(seg.get("confidence") or 0.0), 3), "words": words})
    return out


def is_echo(text: str, start: float, previous: dict) -> bool:
    """A short segment that repeats the end of the one before it, right after it: Whisper's echo
    at the end of a window ("... see you next week." "next week.")."""
    def norm(t: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", t.lower())

    said, before = norm(text), norm(previous["text"])
    return 0 < len(said) <= 3 and before[-len(said):] == said and start - previous["end"] < 1.0


def transcript(segments: list[dict], path: Path, sha256: str, duration: float, engine, options,
               language: str | None) -> dict:
    return {
        "text": " ".join(s["text"] for s in segments), "language": language,
        "segments": segments,
        "audio": {"file": path.name, "sha256": sha256, "duration": round(duration, 2)},
        "engine": engine.name, "model": engine.ref.label, "prompt": options.prompt or None,
        "format": CACHE_FORMAT,
    }


def cache_path(cache_dir: Path, sha256: str, engine: str, identity: str, language: str | None) -> Path:
    key = hashlib.sha256(f"{engine}\n{identity}\n{language}".encode()).hexdigest()[:16]
    return cache_dir / "transcripts" / sha256[:2] / f"{sha256}-{engine}-{key}.json"


def read_cached(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == CACHE_FORMAT else None


def cached_any(path: str | os.PathLike, cache_dir: Path | None = None, sha256: str | None = None) -> dict | None:
    """A cached transcript of this audio by any engine or model (the default engine's first)."""
    sha256 = sha256 or file_sha256(path)
    folder = (cache_dir or cache_root()) / "transcripts" / sha256[:2]
    found = sorted(folder.glob(f"{sha256}-*.json"), key=lambda p: (f"-{DEFAULT_ENGINE}-" not in p.name, p.name))
    return next((data for p in found if (data := read_cached(p)) is not None), None)


def transcribe_file(path: str | os.PathLike, options: TranscribeOptions | None = None,
                    progress: Progress | None = None) -> dict:
    """The transcript of one audio file, from the cache or made now (and then cached).

    Raises AudioError for a file that is not usable audio, EngineError when the engine or model is
    missing. Silence gives a transcript with no segments."""
    options = options or TranscribeOptions()
    path = Path(path)
    if not path.is_file():
        raise AudioError("no such file", path)
    sha256 = file_sha256(path)
    ref = resolve_model(options.engine, options.model)
    cached = cache_path(options.cache_dir or cache_root(), sha256, options.engine, ref.identity, options.language)
    if options.use_cache and (hit := read_cached(cached)) is not None:
        return hit
    audio = decode_audio(path)
    engine = load_engine(options.engine, options.model, options.threads)
    duration = audio.size / SAMPLE_RATE
    segments, language = [], options.language
    if not is_silent(audio):
        found, language = engine.run(audio, options, progress or (lambda done, total: None))
        segments = tidy(found, duration)
    result = transcript(segments, path, sha256, duration, engine, options, language or options.language)
    write_json(cached, result)
    return result


def transcriber(report: Callable[[str], None] | None = None) -> Callable[[str], dict]:
    """How `kb build` reads an audio file: a cached transcript by any engine, else one made now with
    the default options, its progress reported through `report` a tenth of the file at a time.
    A file that is not usable audio raises AudioError (an IngestError: the build skips the file)."""
    def transcribe(path: str) -> dict:
        try:
            found = cached_any(path)
            if found is None:
                found = transcribe_file(path, default_options(), tenths(Path(path).name, report))
                if report is not None:
                    report(f"Transcribed {Path(path).name}")
            return found
        except OSError as exc:
            raise AudioError(f"cannot read the file: {exc.strerror or exc}", path) from None
        except EngineError as exc:  # no engine or model: the build stops, it does not skip the file
            raise EngineError(f"{path}: cannot transcribe: {exc}") from None
    return transcribe


def tenths(name: str, report: Callable[[str], None] | None) -> Progress | None:
    """A progress callback that reports each tenth of the file through `report`."""
    if report is None:
        return None
    said = {-1}

    def update(done: float, total: float) -> None:
        tenth = min(10, int(10 * done / total)) if total else 0
        if tenth > max(said):
            said.add(tenth)
            report(f"Transcribing {name}: {tenth * 10}% of {round(total)} s")
    return update


@dataclass
class FileResult:
    audio: Path
    output: Path | None = None
    transcript: dict | None = None
    error: str | None = None


def transcribe_files(paths: Iterable[str | os.PathLike], options: TranscribeOptions, out_dir: str | os.PathLike,
                     on_file: Callable[[Path, int, int], None] | None = None,
                     progress: Progress | None = None) -> list[FileResult]:
    """Transcribe each file and write OUT_DIR/<name>.json; a file that is not usable audio is
    reported in its result and the others go on. EngineError (no engine or model) stops the run."""
    paths = [Path(p) for p in paths]
    results: list[FileResult] = []
    used: set[str] = set()
    for n, path in enumerate(paths, 1):
        if on_file:
            on_file(path, n, len(paths))
        try:
            found = transcribe_file(path, options, progress)
        except AudioError as exc:
            results.append(FileResult(path, error=str(exc)))
            continue
        name = path.stem
        while name in used:
            name += "-2"
        used.add(name)
        output = Path(out_dir) / f"{name}.json"
        write_json(output, found)
        results.append(FileResult(path, output, found))
    return results
