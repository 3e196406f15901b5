"""Scores for the audio benchmarks: WER with an alignment, so each reference word knows whether it
was heard and when; per sentence whether it was lost and how far its first word's time is from
its known start; the jargon spelt right.

Normalising (reference and transcript alike): lower case, straight apostrophes, "$4" -> "4
dollars", "c.i.a." -> "cia", "1,000" -> "1000", hyphens and slashes split words, number words
become digits ("twenty five" -> "25"), British spellings American, "mr" -> "mister".
"""
from __future__ import annotations

import re

import numpy as np

UNITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                    "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {w: 10 * n for n, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
SPELLINGS = {"licence": "license", "licences": "licenses", "organisation": "organization", "centre": "center",
             "favour": "favor", "colour": "color", "behaviour": "behavior", "realise": "realize", "ok": "okay",
             "prioritise": "prioritize", "mr": "mister", "mrs": "missus", "enrol": "enroll"}
JARGON = {"mfa", "gdap", "dap", "intune", "entra", "pstn", "pbx", "copilot", "defender", "sharepoint", "onedrive",
          "purview", "lighthouse", "teams", "exchange"}
LOST = 0.5  # a sentence with less than half its words heard is lost


def numbers(words: list[str]) -> list[str]:
    """Number words as digits: 'twenty five' -> '25', 'ninety' -> '90' (hundreds left as words)."""
    out, i = [], 0
    while i < len(words):
        w = words[i]
        if w not in UNITS and w not in TENS:
            out.append(w)
            i += 1
            continue
        value, i = UNITS.get(w, TENS.get(w)), i + 1
        if w in TENS and i < len(words) and 0 < UNITS.get(words[i], 0) < 10:
            value, i = value + UNITS[words[i]], i + 1
        out.append(str(value))
    return out


def normalise(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\$(\d+(?:\.\d+)?)", r"\1 dollars", text)
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", ""), text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"\b(any|every)(time|one)\b", r"\1 \2", text)  # "anytime" = "any time"
    words = [SPELLINGS.get(w.strip("'"), w.strip("'")) for w in re.findall(r"[a-z0-9']+", re.sub(r"[-/]", " ", text))]
    return numbers([w for w in words if w])


def align(ref: list[str], hyp: list[str]) -> tuple[int, list[int | None]]:
    """(edits, for each reference word the index of the transcript word that matched it, or None)."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0], d[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    matched: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            if ref[i - 1] == hyp[j - 1]:
                matched[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return int(d[n, m]), matched


def transcript_tokens(segments: list[dict]) -> list[dict]:
    """Each transcript word normalised, with its times (a word that normalises to two lends both its times)."""
    tokens = [{"t": t, "start": w["start"], "end": w["end"], "speaker": w.get("speaker")}
              for s in segments for w in s.get("words") or [] for t in normalise(w["text"])]
    return rejoin(tokens)


def rejoin(tokens: list[dict]) -> list[dict]:
    """Number words split over two transcript words ("twenty" "five") as one token, "25"."""
    out, i = [], 0
    while i < len(tokens):
        if i + 1 < len(tokens) and tokens[i]["t"] in TENS and 0 < UNITS.get(tokens[i + 1]["t"], 0) < 10:
            out.append({**tokens[i], "t": str(TENS[tokens[i]["t"]] + UNITS[tokens[i + 1]["t"]]), "end": tokens[i + 1]["end"]})
            i += 2
        else:
            out.append({**tokens[i], "t": numbers([tokens[i]["t"]])[0]})
            i += 1
    return out


def score(sentences: list[dict], segments: list[dict]) -> dict:
    """WER, lost sentences, first-word and sentence-start errors, jargon for one clip."""
    ref, owner = [], []
    for s in sentences:
        words = normalise(s["text"])
        ref += words
        owner += [s["i"]] * len(words)
    tokens = transcript_tokens(segments)
    edits, matched = align(ref, [t["t"] for t in tokens])
    lost, start_errors = [], []
    for s in sentences:
        mine = [k for k, o in enumerate(owner) if o == s["i"]]
        if sum(matched[k] is not None for k in mine) < LOST * len(mine):
            lost.append(s["i"])
        if mine and matched[mine[0]] is not None:
            start_errors.append(tokens[matched[mine[0]]]["start"] - s["onset"])
    words = [w for s in segments for w in s.get("words") or []]
    jargon = [k for k, t in enumerate(ref) if t in JARGON]
    return {"ref_words": len(ref), "edits": edits, "wer": edits / max(len(ref), 1), "sentences": len(sentences),
            "lost": lost, "start_errors": start_errors,
            "first_word_late": (words[0]["start"] - sentences[0]["onset"]) if words else None,
            "last_sentence_heard": bool(sentences) and sentences[-1]["i"] not in lost,
            "short_words": sum(w["end"] - w["start"] < 0.04 for w in words), "words": len(words),
            "jargon": (sum(matched[k] is not None for k in jargon), len(jargon))}
