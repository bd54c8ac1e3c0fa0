"""Text cut to fit a terminal: at a word boundary, marked with an ellipsis, never in the middle of a word."""

from __future__ import annotations


def clip_words(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters; a cut falls between words and ends in '…'."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    cut = text.rfind(" ", 0, width)  # the last word that fits whole, with room for the ellipsis
    if cut <= 0:
        return text[:width - 1] + "…"  # one word longer than the room: nothing better than cutting it
    return text[:cut].rstrip(" ,;·") + "…"
