"""How big a transcript may be. Each limit is far above a real interview and far below what would
exhaust memory: a file over one is refused by name, with the limit, and the rest of the batch imports.

docs/transcripts.md ("Limits") lists them; change both together.
"""

#: Bytes of a .txt, .md, .vtt or .srt file, and of the text read from a .docx (UTF-8). A ten-hour
#: interview in Cyrillic is some 1.5 MB; splitting 4 MiB into sentences takes about 400 MB of memory.
MAX_TRANSCRIPT_BYTES = 4 * 1024 * 1024

#: Bytes of a .docx file as stored (photos pasted into a transcript make it large, not its text).
MAX_DOCX_BYTES = 64 * 1024 * 1024

#: Bytes of a .docx package once unpacked, counted while unpacking (not taken from the sizes the
#: ZIP claims): Word reads every part into memory, so a "ZIP bomb" must be stopped before that.
MAX_DOCX_UNPACKED_BYTES = 256 * 1024 * 1024

#: Sentence units of one document. A ten-hour interview has some 10,000.
MAX_UNITS_PER_DOCUMENT = 50_000

#: Values in one front matter, counting what YAML aliases repeat ("billion laughs").
MAX_FRONT_MATTER_VALUES = 10_000

#: Characters of a number in front matter (``id: 12345``). Longer numbers are no attribute anyone
#: counts with, and Python refuses to convert numbers of more than 4,300 digits.
MAX_NUMBER_DIGITS = 100
