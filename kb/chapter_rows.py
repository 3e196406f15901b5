"""The chapters table, and which chapter each passage is in: a chapter runs from its start to its
end where the source gives one, else to the next chapter's start, and the last to the episode's end."""
from __future__ import annotations

from bisect import bisect_right

from ingest.model import Document

from .chunking import Chunk
from .timecode import mmss


def chapter_rows(documents: list[Document]) -> list[dict]:
    """Rows of the chapters table, numbered from 1 in document and chapter order."""
    rows: list[dict] = []
    for doc in documents:
        finish = episode_end(doc)
        for ordinal, chapter in enumerate(doc.chapters):
            following = doc.chapters[ordinal + 1] if ordinal + 1 < len(doc.chapters) else None
            end = chapter.end if chapter.end is not None and chapter.end > chapter.start else None
            if end is None:
                end = following.start if following else finish if finish and finish > chapter.start else None
            rows.append({"id": len(rows) + 1, "document_id": doc.id, "ordinal": ordinal, "start": chapter.start,
                         "end": end, "time": mmss(chapter.start), "title": chapter.title, "url": chapter.url,
                         "image": chapter.image, "source": chapter.source})
    return rows


def episode_end(doc: Document) -> float | None:
    """The audio's length where the feed gives it, or the end of the last timed turn."""
    ends = [s.end if s.end is not None else s.start for s in doc.segments if s.start is not None]
    known = [float(doc.duration_seconds)] if doc.duration_seconds else []
    return max(known + ends) if known or ends else None


def chunk_chapters(chunks: list[Chunk], rows: list[dict]) -> list[tuple[int | None, str | None]]:
    """(chapter id, chapter title) of each chunk, by its start second; (None, None) for untimed
    passages and those outside every chapter."""
    by_document: dict[str, list[dict]] = {}
    for row in rows:
        by_document.setdefault(row["document_id"], []).append(row)
    starts = {doc: [r["start"] for r in found] for doc, found in by_document.items()}
    placed: list[tuple[int | None, str | None]] = []
    for chunk in chunks:
        found = by_document.get(chunk.document_id)
        at = bisect_right(starts[chunk.document_id], chunk.start) - 1 if found and chunk.start is not None else -1
        row = found[at] if at >= 0 else None
        inside = row is not None and (row["end"] is None or chunk.start < row["end"])
        placed.append((row["id"], row["title"]) if inside else (None, None))
    return placed
