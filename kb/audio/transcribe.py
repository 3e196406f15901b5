"""Audio -> transcript with word timestamps, offline: one output shape and one cache for both engines.

Either engine (kb/audio/engines.py) gives whisper-timestamped's JSON shape (`text`, `language`,
`segments[]` of id/start/end/text/confidence with `words[]` of text/start/end/confidence), so
either one's transcript reads the same downstream (ingest/json_transcript.py reads it too).
Transcripts are cached by the audio's SHA-256 with the engine, model, language and options, so a
file is never transcribed twice (`kb build` looks in the cache first); a long file's finished
chunks are cached as they are done (kb/audio/chunks.py), so an interrupted run resumes. Each
transcript records its plausibility figures (`checks`), what was decoded again and why
(`retries`), and any speech still without words (`unrecovered`, also a warning naming the file).
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ingest.errors import IngestWarning

from ..atomic import write_json
from .chunks import remove_chunks
from .decode import decode_audio, is_silent
from .engines import load_engine
from .models import resolve_model
from .options import (DEFAULT_ENGINE, SAMPLE_RATE, AudioError, EngineError, Progress, SpeakerOptions,
                      TranscribeOptions, cache_root)
from .passes import Decoded, decode_file
from .vocabulary import default_options

CACHE_FORMAT = 2  # bump when the transcript shape changes, so old cache entries are not read
SPEAKER_FORMAT = 2  # bump when speaker labelling changes, so labels made the old way are not read


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def transcript(decoded: Decoded, path: Path, sha256: str, duration: float, engine, options) -> dict:
    return {
        "text": " ".join(s["text"] for s in decoded.segments), "language": decoded.language or options.language,
        "segments": decoded.segments,
        "audio": {"file": path.name, "sha256": sha256, "duration": round(duration, 2)},
        "engine": engine.name, "model": engine.ref.label, "prompt": options.prompt or None,
        "prompt_form": options.prompt_form if options.prompt else None,
        "checks": decoded.checks, "retries": decoded.retries, "unrecovered": decoded.unrecovered,
        "format": CACHE_FORMAT,
    }


def options_key(options: TranscribeOptions, identity: str) -> str:
    """What makes two transcripts of one file differ: engine, model, language and the decoding options."""
    said = [options.engine, identity, options.language, options.prompt, options.prompt_form if options.prompt else None,
            options.recover, options.chunk_seconds, options.beam_size, *(["jargon"] if options.jargon else [])]
    return hashlib.sha256("\n".join(map(str, said)).encode()).hexdigest()[:16]


def cache_path(cache_dir: Path, sha256: str, engine: str, key: str) -> Path:
    return cache_dir / "transcripts" / sha256[:2] / f"{sha256}-{engine}-{key}.json"


def chunk_folder(cache_dir: Path, sha256: str, key: str) -> Path:
    return cache_dir / "chunks" / sha256[:2] / f"{sha256}-{key}"


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
    key = options_key(options, ref.identity)
    root = options.cache_dir or cache_root()
    cached = cache_path(root, sha256, options.engine, key)
    if options.use_cache and (hit := read_cached(cached)) is not None:
        return with_speakers(path, hit, options.speakers, root)
    audio = decode_audio(path)
    engine = load_engine(options.engine, options.model, options.threads)
    duration = audio.size / SAMPLE_RATE
    chunks = chunk_folder(root, sha256, key) if options.use_cache else None
    decoded = Decoded([], options.language)
    if not is_silent(audio):
        decoded = decode_file(audio, engine, options, chunks, progress or (lambda done, total: None))
    result = transcript(decoded, path, sha256, duration, engine, options)
    write_json(cached, result)
    remove_chunks(chunks)
    return with_speakers(path, result, options.speakers, root, options.use_cache, audio)


def with_speakers(path: str | os.PathLike, result: dict, speakers: SpeakerOptions | None, root: Path,
                  use_cache: bool = True, audio=None) -> dict:
    """The transcript with its speakers labelled (kb/audio/speakers.py), cached by the transcript,
    the count asked for and the voice samples' contents; as it is where no speakers are asked for."""
    if speakers is None or not result["segments"]:
        return result
    from .speakers import label_speakers, load_sample

    said = [SPEAKER_FORMAT, result["audio"]["sha256"], result["engine"], result["model"], result.get("prompt"), speakers.count,
            *[f"{name}={file_sha256(sample)}" for name, sample in speakers.voices]]
    key = hashlib.sha256("\n".join(map(str, said)).encode()).hexdigest()[:16]
    sha256 = result["audio"]["sha256"]
    cached = root / "speakers" / sha256[:2] / f"{sha256}-{key}.json"
    if use_cache and (hit := read_cached(cached)) is not None:
        return hit
    samples = [load_sample(name, sample) for name, sample in speakers.voices]
    labelled = label_speakers(result, audio if audio is not None else decode_audio(path), speakers.count, samples)
    write_json(cached, labelled)
    return labelled


def gap_warning(path: str | os.PathLike, result: dict) -> str | None:
    """The warning for speech that has no words even after decoding it again, naming the file and the seconds."""
    lost = result.get("unrecovered") or []
    if not lost:
        return None
    spans = ", ".join(f"{g['start']:.1f}-{g['end']:.1f} s" for g in lost[:5]) + (", ..." if len(lost) > 5 else "")
    seconds = sum(g["end"] - g["start"] for g in lost)
    return (f"{path}: {seconds:.1f} s of speech have no words, even after decoding again ({spans}); "
            "listen there, or try another --engine or --model")


def transcriber(report: Callable[[str], None] | None = None,
                speakers: SpeakerOptions | None = None) -> Callable[[str], dict]:
    """How `kb build` reads an audio file: a cached transcript by any engine, else one made now with
    the default options, its progress reported through `report` a tenth of the file at a time;
    then its speakers labelled as `speakers` asks (optional ones only where the speakers extra is
    installed, said once). A file that is not usable audio raises AudioError (an IngestError: the
    build skips the file)."""
    unlabelled: list[bool] = []

    def transcribe(path: str) -> dict:
        nonlocal speakers
        if speakers is not None and speakers.optional and not unlabelled:
            from .voices import available

            unlabelled.append(not available())
            if unlabelled[0]:
                speakers = None
                if report is not None:
                    report("No speaker labels on audio: the speakers extra is not installed (pip install -e '.[speakers]')")
        try:
            found = cached_any(path)
            if found is None:
                found = transcribe_file(path, default_options(), tenths(Path(path).name, report))
                if report is not None:
                    report(f"Transcribed {Path(path).name}")
            found = with_speakers(path, found, speakers, cache_root())
            if (warning := gap_warning(path, found)) is not None:
                warnings.warn(IngestWarning(warning))
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
    warning: str | None = None  # speech left without words


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
        results.append(FileResult(path, output, found, warning=gap_warning(path, found)))
    return results
