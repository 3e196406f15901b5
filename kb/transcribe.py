"""Audio -> transcript with word timestamps, offline: one output shape and one cache for both engines.

Either engine (kb/whisper_engines.py: faster-whisper, the default, or whisper-timestamped) gives
whisper-timestamped's JSON shape (`text`, `language`, `segments[]` of id/start/end/text/confidence
with `words[]` of text/start/end/confidence), so either one's transcript reads the same downstream
(`ingest/json_transcript.py` reads it too). Audio is decoded in-process with PyAV, so no ffmpeg
binary is needed. Transcripts are cached by the audio's SHA-256 with the engine, model and
language, so a file is never transcribed twice (`kb build` looks in the cache first).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from .whisper_engines import (  # noqa: F401  (the engines' names are part of this module's API)
    BUNDLED_MODEL, DEFAULT_ENGINE, ENGINES, SAMPLE_RATE, EngineError, FasterWhisper, ModelRef, Progress,
    WhisperTimestamped, bundled_model_dir, cache_root, fill_gaps, load_engine, resolve_model,
)

SILENCE_PEAK = 10 ** (-50 / 20)  # quieter than -50 dBFS throughout: silence, no model is run
TRUNCATION_SLACK = 1.0  # seconds: decoding may fall this far short of the declared length
CACHE_FORMAT = 1  # bump when the transcript shape changes, so old cache entries are not read
MAX_PROMPT_CHARS = 400  # Whisper keeps at most 223 prompt tokens; leave room for the previous text


class AudioError(ValueError):
    """An audio file could not be decoded (empty, not audio, truncated, corrupt); names the file."""

    def __init__(self, message: str, path: str | os.PathLike):
        self.message, self.path = message, str(path)
        super().__init__(f"{path}: {message}")


@dataclass
class TranscribeOptions:
    engine: str = DEFAULT_ENGINE
    model: str | None = None  # a name or a path; None: the bundled tiny.en
    language: str | None = "en"  # None: detected
    prompt: str | None = None  # initial prompt: the domain vocabulary (see `vocabulary_prompt`)
    cache_dir: Path | None = None  # None: `cache_root()`
    use_cache: bool = True  # False: transcribe again and replace the cached transcript
    threads: int = 0  # 0: chosen per engine and model size
    beam_size: int = 5


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- decoding ---------------------------------------------------------------------------------

def decode_audio(path: str | os.PathLike) -> np.ndarray:
    """The file's sound as 16 kHz mono float32 in [-1, 1], decoded with PyAV (FFmpeg's libraries)."""
    import av  # a faster-whisper dependency: the audio extra's

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioError(f"cannot read the file: {exc.strerror}", path) from None
    if size == 0:
        raise AudioError("file is empty (0 bytes)", path)
    check_wav_length(path, size)
    pieces: list[np.ndarray] = []
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("no audio stream in the file", path)
            stream = container.streams.audio[0]
            declared = container.duration / 1_000_000 if container.duration else None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in decoded_frames(container, stream):
                pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise AudioError(f"not an audio file, or a corrupt one ({exc.strerror or exc})", path) from None
    audio = np.concatenate(pieces).astype(np.float32) / 32768.0 if pieces else np.zeros(0, np.float32)
    if not audio.size:
        raise AudioError("no sound could be decoded: not an audio file, or a corrupt one", path)
    got = audio.size / SAMPLE_RATE
    if declared and got < declared - max(TRUNCATION_SLACK, 0.02 * declared):
        raise AudioError(f"file is truncated: {got:.1f} s of the {declared:.1f} s it declares could be decoded", path)
    return audio


def decoded_frames(container, stream) -> Iterator:
    """Frames in order; a damaged frame in the middle is skipped (players do the same)."""
    import av

    frames = container.decode(stream)
    while True:
        try:
            yield next(frames)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def check_wav_length(path: Path, size: int) -> None:
    """A WAV file shorter than its RIFF header says was cut off (FFmpeg trusts the file size)."""
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        declared = struct.unpack("<I", head[4:8])[0] + 8
        if 44 < declared < 0xFFFFFFFF and size < declared:  # 0 or all ones: written as a stream
            raise AudioError(f"file is truncated: {size} of the {declared} bytes its WAV header declares", path)


def is_silent(audio: np.ndarray) -> bool:
    return float(np.abs(audio).max(initial=0.0)) < SILENCE_PEAK


# --- the transcript -----------------------------------------------------------------------------

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


def write_json(path: Path, data: dict) -> None:
    """Written beside, then renamed: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def vocabulary_prompt(topics) -> str:
    """An initial prompt naming the taxonomy's jargon, so that Whisper spells it as the show does:
    acronyms first (MFA, PSTN, PBX, GDAP...), then product names (Intune, Entra, SharePoint...),
    then the short topic names, up to MAX_PROMPT_CHARS."""
    phrases = [" ".join(p.split()) for t in topics for p in (t.name, *t.aliases)]
    words = [w.strip(",.()") for p in phrases for w in p.split()]
    acronyms = [w for w in words if w.isupper() and w.isalnum() and (len(w) >= 3 or not w.isalpha())]  # not AD, ID
    # Product names: after "Microsoft" ("Microsoft Intune", "Microsoft Entra ID"), in mixed case
    # ("SharePoint"), or a one-word name or alias ("Teams").
    products = [m for p in phrases for m in re.findall(r"\bMicrosoft ([A-Z][a-z]\w+)", p)]
    products += [w for w in words if re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*", w)]
    products += [p for p in phrases if len(p.split()) == 1 and p != p.lower()]
    names = [t.name for t in topics if len(t.name.split()) <= 3 and t.name != t.name.lower()]
    terms: dict[str, str] = {}
    for term in ["CIAOPS", *acronyms, *products, *names]:
        terms.setdefault(term.lower(), term)
    prompt = "The CIAOPS Need to Know podcast, on Microsoft 365 for partners:"
    for term in list(terms.values())[1:]:
        if len(prompt) + len(term) + 2 > MAX_PROMPT_CHARS:
            break
        prompt += f" {term},"
    return prompt.rstrip(",") + "."


def default_prompt(engine: str, topics_path: str | os.PathLike | None = None) -> str | None:
    """The vocabulary prompt from the taxonomy (topics.yml here, else the bundled one) for
    faster-whisper. whisper-timestamped gets none: on tiny.en it cost more words than it fixed
    (bench/transcribe.py: WER 11.0% without, 13.8% with; faster-whisper 13.8% -> 8.3%)."""
    from .topics import TaxonomyError, load_taxonomy

    if engine != "faster-whisper":
        return None
    if topics_path is None:
        topics_path = "topics.yml" if Path("topics.yml").is_file() else Path(__file__).resolve().parent.parent / "topics.yml"
    try:
        return vocabulary_prompt(load_taxonomy(topics_path))
    except (TaxonomyError, OSError):
        return None


def default_options(engine: str = DEFAULT_ENGINE) -> TranscribeOptions:
    """What `kb build` transcribes with, and `kb transcribe` without options: the same, so that
    each finds the other's transcripts in the cache."""
    return TranscribeOptions(engine=engine, prompt=default_prompt(engine))


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
