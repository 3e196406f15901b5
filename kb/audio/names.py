"""Names an audio episode's show notes give for its speakers ("I'm back with Brenton", "my guest
Susan Smith"): offered to the user as the likely names of its numbered speakers, never put on a
voice, since only a voice sample that matches can say who a voice is."""
from __future__ import annotations

import re

from ingest.model import Document

NAMED = re.compile(r"\b(?:back with|joined by|joining me(?: is| are)?|chat(?:ting)? with|talk(?:ing)? with|"
                   r"speak(?:ing)? with|interview(?:ing)?|(?:my |our )?guests?(?: is| are|:)?)\s+"
                   r"((?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+){0,2}(?:\s+and\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?)")
NOT_NAMES = {"Microsoft", "Teams", "Azure", "Office", "Windows", "Intune", "SharePoint", "Copilot", "Defender",
             "Exchange", "Entra", "Purview", "The", "This", "Our", "My", "Need", "Know"}
NUMBERED = re.compile(r"^Speaker \d+$")


def likely_names(doc: Document) -> list[str]:
    """Person names that the episode's own text (not its transcript) says are in it, in order."""
    names: dict[str, None] = {}
    for seg in doc.segments:
        if seg.kind == "transcript":
            continue
        for match in NAMED.finditer(seg.text):
            for name in re.split(r"\s+and\s+", match.group(1)):
                if name.split()[0] not in NOT_NAMES:
                    names.setdefault(name)
    return list(names)


def offers(documents: list[Document]) -> list[str]:
    """One line per audio episode whose speakers are only numbered but whose notes name people."""
    lines = []
    for doc in documents:
        numbered = list(dict.fromkeys(s.speaker for s in doc.segments
                                      if s.kind == "transcript" and s.speaker and NUMBERED.match(s.speaker)))
        if not numbered or not (names := likely_names(doc)):
            continue
        who = " and ".join([", ".join(numbered[:-1]), numbered[-1]] if len(numbered) > 1 else numbered)
        have = "has" if len(numbered) == 1 else "have"
        lines.append(f"{doc.id}: {who} {have} no voice sample; the show notes name {', '.join(names)}: add a "
                     f"sample of each ({', '.join(n + '.wav' for n in names)}) to a folder given with --voices to name them")
    return lines
