"""The taxonomy's jargon as a prompt (`--vocabulary`), so that Whisper spells it as the show does."""
from __future__ import annotations

import os
import re

from ..paths import bundled
from ..topics import TaxonomyError, load_taxonomy
from .options import DEFAULT_ENGINE, TranscribeOptions

MAX_PROMPT_CHARS = 400  # Whisper keeps at most 223 prompt tokens; leave room for the previous text


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


def default_prompt(topics_path: str | os.PathLike | None = None) -> str | None:
    """The vocabulary prompt from the taxonomy (topics.yml here, else the bundled one), for
    `--vocabulary`. It is not the default: as a text prompt it made tiny.en skip whole windows of
    speech (62-69% WER on some voices); in its safe form (framed with timestamps, per chunk) it
    lowers WER on average but raises it in some voices and noise, and it lost more words on a long
    file than no prompt did. The jargon is respelt after decoding instead (kb/audio/correct.py)."""
    if topics_path is None:
        topics_path = bundled("topics.yml")
    try:
        return vocabulary_prompt(load_taxonomy(topics_path))
    except (TaxonomyError, OSError):
        return None


def default_options(engine: str = DEFAULT_ENGINE) -> TranscribeOptions:
    """What `kb build` transcribes with, and `kb transcribe` without options: the same, so that
    each finds the other's transcripts in the cache. No prompt (see `default_prompt`)."""
    return TranscribeOptions(engine=engine)
