"""Subtitle transcripts (.vtt, .srt): cues to speaker paragraphs (voice tags, speaker labels, dialogue dashes,
pauses), read by :func:`cotag.corpus.formats.read_transcript`."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path


from cotag.corpus.formats import ParsedTranscript, TranscriptError, _shown
from cotag.corpus.speakers import SpeakerRules, Turn, match_label


# --- subtitles: vtt / srt ---------------------------------------------------------------


@dataclass
class _Segment:
    speaker: str | None  # None: no label, continues the current speaker
    text: str
    start: float


# Hours have at most 9 digits (114,000 years): a longer field is a malformed timing, not a number
# Python would refuse to convert (more than 4,300 digits) or take long to.
_VTT_TIME = r"(?:(\d{1,9}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}\s+-->\s+{_VTT_TIME}(?:\s.*)?$")
_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_ASS_TAG = re.compile(r"\{\\[^}]*\}")
_DIALOGUE_DASH = re.compile(r"^[ \t]*[-–—][ \t]+")
_SPACES = re.compile(r"[ \t\u00a0]+")
_PAUSE_SPLIT = 2.0  # seconds of silence that start a new paragraph in a file without speakers


def _seconds(groups: tuple[str | None, ...]) -> float:
    h, m, s, ms = groups
    if m is None or s is None or ms is None:  # the timing patterns require minutes, seconds and milliseconds
        raise ValueError(f"not a subtitle time: {groups!r}")
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 10 ** len(ms)


def _clean_cue_text(text: str) -> str:
    return html.unescape(_ASS_TAG.sub("", _TAG.sub("", text))).replace("\u200e", "").replace("\u200f", "")


def _segments_from_lines(
    lines: list[str], start: float, rules: SpeakerRules, speaker: str | None = None
) -> list[_Segment]:
    """Split cue lines into speaker segments ("Name: ...", "- Name: ...", "[Name] ...")."""
    segments: list[_Segment] = []
    current = _Segment(speaker, "", start)
    for raw in lines:
        line = _clean_cue_text(raw)
        line = _DIALOGUE_DASH.sub("", line)
        found = match_label(line, rules, loose=True)
        if found:
            label, pos = found
            if current.text.strip():
                segments.append(current)
            current = _Segment(label, line[pos:], start)
        else:
            current.text = f"{current.text} {line}" if current.text else line
    segments.append(current)
    return [s for s in segments if s.text.strip()]


def _vtt_cue_segments(payload: list[str], start: float, rules: SpeakerRules) -> list[_Segment]:
    text = "\n".join(payload)
    voices = list(_VOICE.finditer(text))
    if not voices:
        return _segments_from_lines(payload, start, rules)
    segments: list[_Segment] = []
    head = text[: voices[0].start()]
    if head.strip():
        segments.extend(_segments_from_lines(head.split("\n"), start, rules))
    for i, v in enumerate(voices):
        end = voices[i + 1].start() if i + 1 < len(voices) else len(text)
        name = _clean_cue_text(v.group(1) or "").strip() or None
        body = text[v.end() : end].split("\n")
        segments.extend(_segments_from_lines(body, start, rules, speaker=name))
    return segments


def _subtitle_transcript(path: Path, segments: list[_Segment], fmt: str) -> ParsedTranscript:
    """Merge consecutive segments of one speaker into turns laid out as "Name: content"."""
    rules = SpeakerRules()
    has_speakers = any(s.speaker for s in segments)
    groups: list[tuple[str, list[str]]] = []
    last_start = None
    for seg in segments:
        words = _SPACES.sub(" ", seg.text.replace("\n", " ")).strip()
        if not words:
            continue
        if has_speakers:
            if groups and (seg.speaker is None or seg.speaker == groups[-1][0]):
                groups[-1][1].append(words)
            else:
                groups.append((seg.speaker or "", [words]))
        else:
            if groups and last_start is not None and seg.start - last_start < _PAUSE_SPLIT:
                groups[-1][1].append(words)
            else:
                groups.append(("", [words]))
        last_start = seg.start
    if not groups:
        raise TranscriptError(path, "empty transcript (no subtitle text)")
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for speaker, texts in groups:
        prefix = f"{speaker}: " if speaker else ""
        content = " ".join(texts)
        start = offset + len(prefix)
        interviewer = rules.is_interviewer(speaker) if speaker else False
        turns.append(Turn(start, start + len(content), speaker, interviewer))
        parts.append(prefix + content)
        offset += len(prefix) + len(content) + 2
    return ParsedTranscript(path, "\n\n".join(parts), {}, turns, fmt)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _read_vtt(path: Path, text: str) -> ParsedTranscript:
    first = text.split("\n", 1)[0]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", first):
        raise TranscriptError(path, "not a WebVTT file: the first line must be 'WEBVTT'", line=1)
    rules = SpeakerRules()
    segments: list[_Segment] = []
    blocks = _blocks(text)
    if blocks and blocks[0][0] == 1:
        # The header block: "WEBVTT" and header lines such as "Kind: captions". Some tools start the
        # first cue right below it, without the blank line; that cue is read, not dropped with the header.
        number, header = blocks.pop(0)
        timing = next((i for i, line in enumerate(header) if "-->" in line), None)
        if timing is not None:
            blocks.insert(0, (number + timing, header[timing:]))
    for number, lines in blocks:
        head = lines[0]
        if re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", head):
            continue
        timing_index = 0 if "-->" in head else 1
        if timing_index >= len(lines) or "-->" not in lines[timing_index]:
            raise TranscriptError(
                path, "expected a cue timing line like '00:00:01.000 --> 00:00:04.000'", line=number + timing_index
            )
        m = _VTT_TIMING.match(lines[timing_index])
        if not m:
            raise TranscriptError(
                path,
                f"malformed cue timing {_shown(lines[timing_index].strip(), 60)} "
                "(expected '00:00:01.000 --> 00:00:04.000')",
                line=number + timing_index,
            )
        start = _seconds(m.groups()[:4])
        segments.extend(_vtt_cue_segments(lines[timing_index + 1 :], start, rules))
    if not segments:
        raise TranscriptError(path, "empty transcript (no cues with text)")
    return _subtitle_transcript(path, segments, "vtt")


def _read_srt(path: Path, text: str) -> ParsedTranscript:
    if not text.strip():
        raise TranscriptError(path, "empty transcript")
    rules = SpeakerRules()
    segments: list[_Segment] = []
    for number, lines in _blocks(text):
        i = 0
        if lines[0].strip().isdigit():
            i = 1
        timing = lines[i] if i < len(lines) else ""
        if "-->" not in timing:
            if i == 0 and segments:
                # A blank line inside a cue's text: the text continues the previous cue.
                segments.extend(_segments_from_lines(lines, segments[-1].start, rules))
                continue
            raise TranscriptError(
                path,
                "expected a subtitle timing line like '00:00:01,000 --> 00:00:04,000'",
                line=number + i,
            )
        m = _SRT_TIMING.match(timing)
        if not m:
            raise TranscriptError(
                path,
                f"malformed subtitle timing {_shown(timing.strip(), 60)} (expected '00:00:01,000 --> 00:00:04,000')",
                line=number + i,
            )
        start = _seconds(m.groups()[:4])
        segments.extend(_segments_from_lines(lines[i + 1 :], start, rules))
    if not segments:
        raise TranscriptError(path, "empty transcript (no subtitles with text)")
    return _subtitle_transcript(path, segments, "srt")
