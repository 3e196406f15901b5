"""The long-file check of bench/transcribe.py (--long MINUTES): one file of held-back clips joined
until it is MINUTES long, transcribed with the default options; the run is interrupted after five
chunks and started again, as a user would after Ctrl+C. Prints the memory after every chunk, the
peak, how many chunks the second run read from the cache and how many it decoded, and the WER;
then the speaker stage (--speakers auto) on the same file: its time, peak memory and the count found
(the file has three voices, of which espeak-ng's en-us and en-gb are one voice to the encoder)."""
from __future__ import annotations

import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import speechgen
from scoring import score

STOP_AFTER = 5  # chunks finished before the simulated interruption


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


def long_clip(minutes: float) -> speechgen.Clip:
    """Held-back texts in three voices at 120 wpm, joined with 1 s pauses, repeated to `minutes`."""
    parts = [speechgen.synthesise(name, lines, {"A": voice}, 120, seed=n)
             for n, (name, lines) in enumerate(speechgen.texts("heldout").items()) for voice in ("en-us", "en-gb", "en+f3")]
    pieces, sentences, t = [], [], 0.0
    while t < minutes * 60:
        for part in parts:
            sentences += [{**s, "i": len(sentences) + k, "onset": s["onset"] + t, "offset": s["offset"] + t}
                          for k, s in enumerate(part.sentences)]
            pieces += [part.audio, np.zeros(speechgen.RATE, np.float32)]
            t += part.duration + 1.0
            if t >= minutes * 60:
                break
    return speechgen.Clip("long", np.concatenate(pieces), sentences)


def peak_rss_during(work):
    """(work's result, the highest RSS in MB seen while it ran), sampled every 0.1 s."""
    peak, done = [rss_mb()], threading.Event()

    def watch():
        while not done.wait(0.1):
            peak.append(rss_mb())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return work(), max(peak + [rss_mb()])
    finally:
        done.set()
        watcher.join()


def speaker_stage(clip: speechgen.Clip, result: dict) -> None:
    from kb.audio.speakers import label_speakers

    before = rss_mb()
    began, cpu = time.perf_counter(), time.process_time()
    labelled, peak = peak_rss_during(lambda: label_speakers(result, clip.audio, None, []))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    said = ", ".join(f"{s['speaker']} {s['seconds']:.0f} s" for s in labelled["speakers"])
    print(f"speaker stage (--speakers auto): {seconds:.0f} s, RTF {seconds / clip.duration:.3f} (wall), "
          f"{cpu / clip.duration:.3f} CPU s / audio s; RSS {before:.0f} MB before, peak {peak:.0f} MB; "
          f"{labelled['speaker_count']['found']} found (eigengap {labelled['speaker_count']['eigengap']}): {said}")


class Interrupt(Exception):
    pass


def run_long(minutes: float) -> None:
    from kb.audio.engines import load_engine
    from kb.audio.options import TranscribeOptions
    from kb.audio.transcribe import transcribe_file

    clip = long_clip(minutes)
    with tempfile.TemporaryDirectory() as tmp:
        path = speechgen.write_wav(Path(tmp) / "long.wav", clip.audio)
        options = TranscribeOptions(cache_dir=Path(tmp) / "cache")
        load_engine(options.engine, None)
        samples: list[tuple[float, float]] = []

        def first(done: float, total: float) -> None:
            samples.append((done, rss_mb()))
            if len(samples) == STOP_AFTER:
                raise Interrupt

        began = time.perf_counter()
        try:
            transcribe_file(path, options, first)
        except Interrupt:
            pass
        interrupted = time.perf_counter() - began
        kept = len(list((Path(tmp) / "cache").glob("chunks/*/*/chunk-*.json")))
        again: list[tuple[float, float]] = []
        began = time.perf_counter()
        result = transcribe_file(path, options, lambda done, total: again.append((done, rss_mb())))
        resumed = time.perf_counter() - began
    row = score(clip.sentences, result["segments"])
    rss = [m for _, m in samples + again]
    print(f"{clip.duration / 60:.1f} min file, {len(clip.sentences)} sentences, {row['ref_words']} words")
    print(f"first run: stopped after {len(samples)} chunks ({interrupted:.0f} s); {kept} chunk files kept")
    print(f"second run: {len(again)} chunks in all, {len(again) - kept} decoded, the rest read from the cache ({resumed:.0f} s)")
    print(f"RSS after each chunk: min {min(rss):.0f} MB, max {max(rss):.0f} MB; peak (ru_maxrss) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"WER {row['wer']:.1%}, sentences lost {len(row['lost'])}/{row['sentences']}, "
          f"first word late {row['first_word_late']:.2f} s, last sentence heard: {row['last_sentence_heard']}, "
          f"re-decoded {sum(r['end'] - r['start'] for r in result['retries']):.0f} s, "
          f"unrecovered {sum(g['end'] - g['start'] for g in result['unrecovered']):.0f} s")
    speaker_stage(clip, result)
