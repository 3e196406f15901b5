"""Times as people read them: minutes and seconds into an episode."""
from __future__ import annotations


def mmss(seconds: float | None) -> str | None:
    """'MM:SS', or 'H:MM:SS' past the hour; None when there is no time."""
    if seconds is None:
        return None
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
