"""Transcripts in: file formats, speaker turns and sentence units (spaCy is imported only when splitting)."""

from cotag.corpus.formats import (
    SUPPORTED_SUFFIXES,
    ParsedTranscript,
    TranscriptError,
    Turn,
    read_transcript,
)
from cotag.corpus.sentences import sentence_spans
from cotag.corpus.speakers import find_turns

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParsedTranscript",
    "TranscriptError",
    "Turn",
    "find_turns",
    "read_transcript",
    "sentence_spans",
]
