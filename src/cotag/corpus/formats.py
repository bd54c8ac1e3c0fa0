"""Read one transcript file (.txt, .md, .docx, .vtt, .srt) into a ParsedTranscript.

Here: decoding bytes to text, front matter, plain text and Markdown; Word files in
:mod:`cotag.corpus.docx_reader`, subtitles in :mod:`cotag.corpus.subtitles`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cotag.corpus import limits

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _RefusedValue(yaml.constructor.ConstructorError):
    """A front matter value that is valid YAML but cannot be an attribute."""


class _FrontMatterLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """YAML 1.1 without two of its number forms, which garble interview metadata: a leading
    zero makes an octal number (``id: 010`` would be 8) and colons a base-60 one (``time: 10:30``
    would be 630). Both stay text; other numbers are read as usual.

    Keys are kept as written (``1``, ``true``, ``2018-01-01`` are the keys "1", "true",
    "2018-01-01"): attributes are named by text, and YAML's reading of ``1`` and ``true`` as
    equal would make two different keys one. A key given twice in one mapping is an error, not
    the last one silently winning.

    A value no database can store as JSON, or no Python can hold (a date that does not exist,
    a number of thousands of digits, binary data, NaN, a NUL character), is an error at its
    line rather than a crash of the whole import."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as e:
            # An explicit tag on a value that is not of its kind ("!!int ten", "!!bool maybe"):
            # PyYAML's constructors fail with a bare Python error that names neither line nor value.
            written = _shown(node.value) if isinstance(node.value, str) else "the value"
            raise _RefusedValue(
                None, None, f"{written} is not a valid {node.tag.rsplit(':', 1)[-1]} ({e or type(e).__name__})",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base" may be overridden
                continue
            key = self._key(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r}", key_node.start_mark,
                )
            seen[key] = key_node
        self.flatten_mapping(node)
        return {self._key(key_node): self.construct_object(value_node, deep=deep)
                for key_node, value_node in node.value}

    def _key(self, node: Any) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise _RefusedValue(
                None, None, f"a key must be a word or text, not a {'list' if node.id == 'sequence' else 'mapping'}",
                node.start_mark,
            )
        return _checked_text(node, node.value)

    def construct_yaml_str(self, node: Any) -> str:
        return _checked_text(node, self.construct_scalar(node))

    def construct_yaml_int(self, node: Any) -> int:
        written = node.value.replace("_", "")
        if len(written) > limits.MAX_NUMBER_DIGITS:
            raise _RefusedValue(
                None, None, f"a number of {len(written):,} digits ({written[:12]}...) is longer than the "
                f"{limits.MAX_NUMBER_DIGITS} allowed; write it in quotes to keep it as text", node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _RefusedValue(
                None, None, f"{_shown(node.value)} is not a number an attribute can hold (NaN or infinity "
                "cannot be stored); write it in quotes to keep it as text", node.start_mark,
            )
        return value

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as e:
            raise _RefusedValue(
                None, None, f"{_shown(node.value)} is not a real date or time ({e}); "
                "write it in quotes to keep it as text", node.start_mark,
            ) from None

    def construct_yaml_binary(self, node: Any) -> bytes:
        raise _RefusedValue(
            None, None, "binary data (!!binary) cannot be an attribute; write the value as text", node.start_mark,
        )


# PostgreSQL cannot store NUL in text or JSON; other control characters would drive the terminal
# that shows the attribute; a lone surrogate cannot be written as UTF-8. YAML lets all of them in
# through double-quoted escapes ("\0", "\e", "\ud800").
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _shown(value: str, width: int = 40) -> str:
    return repr(value if len(value) <= width else value[:width] + "...")


def _checked_text(node: Any, value: str) -> str:
    bad = _UNSTORABLE.search(value)
    if bad:
        what = "a NUL character" if bad.group() == "\x00" else f"the character {bad.group()!r}"
        raise _RefusedValue(
            None, None, f"{_shown(value)} contains {what}, which cannot be stored", node.start_mark,
        )
    return value


for _tag, _method in (("str", "construct_yaml_str"), ("int", "construct_yaml_int"), ("float", "construct_yaml_float"),
                      ("timestamp", "construct_yaml_timestamp"), ("binary", "construct_yaml_binary")):
    _FrontMatterLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", getattr(_FrontMatterLoader, _method))


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0b[0-1_]+|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789")
)
_FrontMatterLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)

from cotag.corpus.speakers import Turn, find_turns
from cotag.errors import CotagError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParsedTranscript",
    "TranscriptError",
    "Turn",
    "read_transcript",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".vtt", ".srt")

_FORMAT_OF_SUFFIX = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
}


class TranscriptError(CotagError):
    """A transcript that cannot be read; ``str(e)`` is "path:line: message" or "path: message"."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = Path(path)
        self.message = message
        self.line = line
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {message}")


@dataclass
class ParsedTranscript:
    """A transcript's stored text, front matter and speaker turns."""

    path: Path
    text: str
    metadata: dict = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    format: str = "txt"


def read_transcript(path: Path | str) -> ParsedTranscript:
    """Read ``path`` by its suffix; raise TranscriptError with the file (and line) at fault."""
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = _FORMAT_OF_SUFFIX.get(suffix)
    if fmt is None:
        hint = " (save it as .docx)" if suffix in (".doc", ".rtf", ".odt") else ""
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise TranscriptError(path, f"unsupported file type '{suffix or path.name}'{hint}; supported: {supported}")
    # The Word and subtitle readers load only when such a file is read (they import this module).
    if fmt == "docx":
        from cotag.corpus.docx_reader import _read_docx

        return _read_docx(path)
    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise TranscriptError(path, "empty transcript")
    if fmt == "vtt":
        from cotag.corpus.subtitles import _read_vtt

        return _read_vtt(path, text)
    if fmt == "srt":
        from cotag.corpus.subtitles import _read_srt

        return _read_srt(path, text)
    return _read_plain(path, text, fmt)


# --- bytes to text ----------------------------------------------------------------------


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes; a file over ``limit`` (default MAX_TRANSCRIPT_BYTES) is refused before it is read."""
    limit = limits.MAX_TRANSCRIPT_BYTES if limit is None else limit
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)  # the size a stat() reports can change (a growing log, a FIFO)
    except IsADirectoryError:
        raise TranscriptError(path, "is a folder, not a transcript file") from None
    except FileNotFoundError:
        raise TranscriptError(path, "file not found") from None
    except OSError as e:
        raise TranscriptError(path, f"cannot read file: {e.strerror or e}") from None
    if len(data) > limit:
        raise TranscriptError(path, f"file is larger than the {_size(limit)} a transcript may have; "
                                    "split it into several transcripts")
    return data


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n:,} bytes"


# Word writes a manual line break as a vertical tab and a page break as a form feed in plain
# text; other apps use Unicode's line and paragraph separators. All are line breaks here.
_LINE_BREAKS = str.maketrans({"\v": "\n", "\f": "\n", "\u2028": "\n", "\u2029": "\n\n"})
# Other control characters cannot be shown (ESC would even drive the terminal) and PostgreSQL
# refuses NUL in text, so they are dropped; tab and newline stay.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]+")


def _normalise(text: str) -> str:
    # Byte order marks, at the start or where files with one were joined (cat a.txt b.txt).
    text = text.replace("\ufeff", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    return _CONTROL.sub("", text)


# Characters of a Cyrillic or Latin transcript; anything else in bulk means the bytes are not text.
_EXTRA_TEXT_CHARS = set("«»„“”‘’‚—–…№•·°§©®™€\u00a0")


def _looks_like_text(text: str) -> bool:
    if not text.strip():
        return False
    odd = 0
    for ch in text:
        if ch in "\n\r\t\f":
            continue
        cat = unicodedata.category(ch)
        if cat[0] == "C":  # control, format, unassigned
            return False
        o = ord(ch)
        if o < 0x80 or 0x400 <= o <= 0x4FF or ch in _EXTRA_TEXT_CHARS:
            continue
        odd += 1
    return odd <= max(2, len(text) // 100)


#: Encodings a transcript that is not UTF-8 may be in, with the names the errors use: Russian and
#: Kazakh from Windows, older Unix and DOS, and Western European from Windows. charset-normalizer
#: chooses among them (fewer candidates, fewer ways to misread a short file).
GUESSED_ENCODINGS: dict[str, str] = {
    "cp1251": "Windows-1251",
    "kz1048": "KZ-1048 (Windows Kazakh)",
    "koi8_r": "KOI8-R",
    "cp866": "CP866 (DOS Cyrillic)",
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1 (ISO-8859-1)",
}
# charset-normalizer's "mess" (0: reads as clean text; mojibake such as "cafй" or "Lцhne" scores 0.1
# and up): a reading messier than this is not trusted.
_MAX_MESS = 0.05
# Two readings that charset-normalizer scores within this of each other, but that give different
# text, cannot be told apart: the file is refused rather than one of them stored.
_TIE = 0.02
# A line that reads as UTF-8 and has this many non-ASCII characters really is UTF-8.
_UTF8_LINE_EVIDENCE = 3


def _tried() -> str:
    return "tried UTF-8, UTF-16 with a byte order mark, " + ", ".join(GUESSED_ENCODINGS.values())


def _mixed_encodings(data: bytes) -> tuple[int, int, int] | None:
    """(a UTF-8 line, a line that is not UTF-8, its first bad byte) when the file has both.

    Such a file (a UTF-8 transcript with a Windows-1251 part pasted in) has no one encoding:
    decoding it whole as anything stores part of it as mojibake.
    """
    utf8_line = other = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            other = other or (number, line[e.start])
        else:
            if utf8_line is None and sum(not ch.isascii() for ch in text) >= _UTF8_LINE_EVIDENCE:
                utf8_line = number
        if utf8_line is not None and other is not None:
            return utf8_line, *other
    return None


def _first_difference(a: str, b: str) -> tuple[str, str]:
    """The first word that two readings of one file give differently, as each gives it."""
    for word_a, word_b in zip(a.split(), b.split()):
        if word_a != word_b:
            return word_a[:30], word_b[:30]
    return a[:30], b[:30]


def _guess_encoding(path: Path, data: bytes, bad: str, line: int) -> str:
    """The text of a file that is not UTF-8, in the one encoding charset-normalizer finds clearly best."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(GUESSED_ENCODINGS)))
    best = matches[0] if matches else None
    text = str(best) if best is not None else ""
    if best is None or best.chaos > _MAX_MESS or not _readable(text):
        raise TranscriptError(
            path, f"cannot tell the text's encoding: {bad}, and no other encoding reads it as clean text "
                  f"({_tried()}); save the file as UTF-8", line=line)
    for other in matches[1:]:
        other_text = str(other)
        if (other_text != text and other.chaos <= best.chaos + _TIE
                and other.coherence >= best.coherence - _TIE):
            mine, theirs = _first_difference(text, other_text)
            raise TranscriptError(
                path, f"cannot tell the text's encoding: {bad}, and it reads as {_encoding_name(best.encoding)} "
                      f"({mine!r}) as well as {_encoding_name(other.encoding)} ({theirs!r}) ({_tried()}); "
                      "save the file as UTF-8", line=line)
    return text


def _encoding_name(codec: str) -> str:
    return GUESSED_ENCODINGS.get(codec, codec)


def _readable(text: str) -> bool:
    """No control characters (besides line breaks and tabs) and no unassigned code points."""
    return not any(unicodedata.category(ch) in ("Cc", "Cn", "Co") and ch not in "\n\r\t\f\v" for ch in text)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (BOM or not) and UTF-16 with a BOM directly; else the encoding charset-normalizer finds."""
    if not data.strip():
        raise TranscriptError(path, "empty transcript")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _normalise(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise TranscriptError(path, "cannot decode UTF-16 text (byte order mark present)") from None
    if b"\x00" in data[:8192]:
        head = data[:8192]
        for codec in ("utf-16-le", "utf-16-be"):  # text with every other byte NUL: UTF-16 without a BOM
            try:
                guess = head[: len(head) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(guess):
                raise TranscriptError(
                    path, f"UTF-16 text without a byte order mark ({codec.upper()}); save the file as UTF-8"
                )
        raise TranscriptError(path, "binary file (contains NUL bytes); not a text transcript")
    try:
        return _normalise(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        bad = f"byte 0x{data[e.start]:02x} is not valid UTF-8"
    if data.startswith(b"\xef\xbb\xbf"):
        raise TranscriptError(path, f"cannot decode text: it starts as UTF-8 (byte order mark) but {bad}; "
                                    "save the file as UTF-8", line=line)
    mixed = _mixed_encodings(data)
    if mixed is not None:
        utf8_line, other_line, byte = mixed
        raise TranscriptError(
            path, f"the file mixes encodings: line {utf8_line} is UTF-8 but line {other_line} is not "
                  f"(byte 0x{byte:02x}); save the whole file as UTF-8", line=other_line)
    return _normalise(_guess_encoding(path, data, bad, line))


# --- front matter -------------------------------------------------------------------------

_FENCE = re.compile(r"^---[ \t]*$")


def _plain_metadata(path: Path, value: Any, budget: list[int], open_: set[int] | None = None) -> Any:
    """Front matter values as JSON-friendly types: dates become ISO strings, keys strings.

    ``budget`` bounds the walk, so YAML aliases cannot blow up into millions of values;
    ``open_`` holds the containers being walked, so a value that contains itself is named.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise TranscriptError(path, f"front matter is too large or refers to itself (YAML aliases): more than "
                                    f"{limits.MAX_FRONT_MATTER_VALUES:,} values")
    if isinstance(value, (dict, list, set, tuple)):
        open_ = open_ if open_ is not None else set()
        if id(value) in open_:
            raise TranscriptError(path, "front matter refers to itself (a YAML alias inside its own anchor, "
                                        "such as '&a [*a]')")
        open_.add(id(value))
        try:
            if isinstance(value, dict):
                return {str(k): _plain_metadata(path, v, budget, open_) for k, v in value.items()}
            return [_plain_metadata(path, v, budget, open_) for v in value]
        finally:
            open_.discard(id(value))
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _load_front_matter(path: Path, block: str, first_line: int | None, where: str = "") -> dict:
    """Parse a YAML block; ``first_line`` is the file line of the block's first line."""
    try:
        # The C loader (libyaml) when present: five times faster on a corpus of front matters.
        data = yaml.load(block, Loader=_FrontMatterLoader) if block.strip() else {}
    except RecursionError:
        raise TranscriptError(path, "front matter is nested too deeply", line=first_line) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        context = getattr(e, "context", None)
        context_mark = getattr(e, "context_mark", None)

        def file_line(m: Any) -> int:
            return (first_line + m.line) if first_line is not None else m.line + 1

        if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
            # The parser notices an unclosed "[" or quote lines later; say where it was opened.
            context = f"{context} that starts at line {file_line(context_mark)}"
        detail = f"{problem} ({context})" if context else problem
        line = None
        if mark is not None:
            if first_line is not None:
                line = file_line(mark)
            else:
                where = f"{where} line {file_line(mark)}".strip()
        kind = "bad value in front matter" if isinstance(e, _RefusedValue) else "invalid YAML in front matter"
        prefix = f"{kind}{' (' + where + ')' if where else ''}"
        raise TranscriptError(path, f"{prefix}: {detail}", line=line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TranscriptError(
            path,
            f"front matter must be 'key: value' lines (a mapping), not a {type(data).__name__}",
            line=first_line,
        )
    try:
        return _plain_metadata(path, data, [limits.MAX_FRONT_MATTER_VALUES])
    except RecursionError:
        raise TranscriptError(path, "front matter is nested too deeply", line=first_line) from None


def split_front_matter(path: Path, text: str) -> tuple[dict, str]:
    """Split a leading ``---`` YAML ``---`` block off ``text``; return (metadata, body)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return {}, text
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            metadata = _load_front_matter(path, "\n".join(lines[1:i]), first_line=2)
            return metadata, "\n".join(lines[i + 1 :])
    raise TranscriptError(path, "front matter opened with '---' is never closed by a '---' line", line=1)


def _tidy_body(text: str) -> str:
    """Drop leading blank lines and trailing whitespace; keep everything else as written."""
    m = re.match(r"(?:[ \t]*\n)*", text)
    return text[m.end() if m else 0 :].rstrip()


# --- txt / md ---------------------------------------------------------------------------


def _read_plain(path: Path, text: str, fmt: str) -> ParsedTranscript:
    if not text.strip():
        raise TranscriptError(path, "empty transcript")
    metadata, body = split_front_matter(path, text)
    body = _tidy_body(body)
    if not body:
        raise TranscriptError(path, "empty transcript (front matter but no text)")
    return ParsedTranscript(path, body, metadata, find_turns(body, metadata), fmt)
