"""Generate the synthetic demo corpus: 143 expert and 44 graduate interviews, a reference coding, a README.

    python -m demo_corpus [--out DIR] [--seed N] [--limit N]     (from the repository root)

Everything comes from ``random.Random`` instances seeded from ``--seed``
(default 2018): one for the respondent population, one per document, so a
rerun reproduces every file byte for byte and ``--limit N`` writes the same
first N documents of each group as a full run.  The text is invented from the
phrase banks in banks/ (coded.yaml, talk.yaml, guide.yaml, lexicon.yaml); the
study's real transcripts are confidential.  This is a build-time tool: cotag
itself only reads what it wrote (transcripts/), so it is not in the wheel.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from demo_corpus.entries import CODE_KEYS, banks
from demo_corpus.interview import Interview
from demo_corpus.people import DEFAULT_SEED, N_EXPERTS, N_GRADUATES, Persona, build_population

__all__ = [
    "DEFAULT_SEED",
    "N_EXPERTS",
    "N_GRADUATES",
    "CODE_KEYS",
    "Document",
    "Persona",
    "banks",
    "build_population",
    "check_sentence",
    "generate",
    "main",
    "readme",
    "reference_csv",
    "render_document",
    "write_corpus",
]


@dataclass
class Document:
    persona: Persona
    text: str  # the whole file
    body: str  # what follows the front matter's closing line
    rows: list[tuple[str, int, int, str]]  # (code, start, end, text) into body
    units: list[tuple[int, int]]  # every respondent sentence, (start, end) into body
    words: int
    exchanges: int


# A stop before the end, an ellipsis, a decimal, a leftover slot, doubled space, a title or an
# initial before the final stop ("... and so had I." reads as an initial to the importer).
_BAD = re.compile(r"[.!?](?!$)|\.\.|\d\.\d|\{|\}|\s{2,}|\b(?:Dr|Mr|Mrs|Ms|St|etc|vs)\.|(?:^|\s)[A-Z]\.$")


def check_sentence(text: str) -> None:
    """Raise ValueError unless ``text`` is one clean sentence for a rule-based sentencizer."""
    if not text or text[-1] not in ".!?" or _BAD.search(text) or text != text.strip() or "\n" in text:
        raise ValueError(f"not one clean sentence: {text!r}")


def render_document(persona: Persona, seed: int = DEFAULT_SEED) -> Document:
    """One transcript file's text, with the reference coding as offsets into its body."""
    interview = Interview(persona, seed)
    turns, exchanges = interview.build()
    head = ["---"]
    for key, value in persona.front_matter():
        head.append(f"{key}: {value}")
    head.append("---")
    prefix = "\n".join(head) + "\n"
    pieces: list[str] = []
    rows: list[tuple[str, int, int, str]] = []
    units: list[tuple[int, int]] = []
    pos = 0

    def emit(text: str) -> None:
        nonlocal pos
        pieces.append(text)
        pos += len(text)

    for n, turn in enumerate(turns):
        if n:
            emit("\n\n")
        for k, para in enumerate(turn.paragraphs):
            if k:
                emit("\n\n")
            if k == 0:
                emit(turn.speaker + ": ")
            for j, sentence in enumerate(para):
                if turn.speaker == "Respondent":
                    check_sentence(sentence.text)
                if j:
                    emit(" ")
                start = pos
                emit(sentence.text)
                if turn.speaker == "Respondent":
                    units.append((start, pos))
                    for code in sentence.codes:
                        rows.append((code, start, pos, sentence.text))
    emit("\n")
    body = "".join(pieces)
    return Document(persona, prefix + body, body, rows, units, len(body.split()), exchanges)


def generate(seed: int = DEFAULT_SEED, limit: int | None = None) -> list[Document]:
    """The corpus in memory: experts then graduates, the first ``limit`` of each group if given."""
    people = build_population(seed)
    experts = [p for p in people if p.group == "expert"]
    graduates = [p for p in people if p.group == "graduate"]
    if limit is not None:
        experts, graduates = experts[:limit], graduates[:limit]
    return [render_document(p, seed) for p in experts + graduates]


# ----------------------------------------------------------------------------- output

def reference_csv(documents: list[Document]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["document", "code", "start", "end", "text"])
    for doc in documents:
        for code, start, end, text in doc.rows:
            writer.writerow([doc.persona.id, code, start, end, text])
    return buf.getvalue()


def readme(documents: list[Document], seed: int) -> str:
    experts = [d for d in documents if d.persona.group == "expert"]
    graduates = [d for d in documents if d.persona.group == "graduate"]
    words = [d.words for d in documents]
    per_code = Counter(code for d in documents for code, *_ in d.rows)
    cities = Counter(d.persona.city for d in experts)
    countries = Counter(d.persona.degree_country for d in graduates)
    coded_units = sum(len({(s, e) for _, s, e, _ in d.rows}) for d in documents)
    lines = [
        "# Demo corpus (SYNTHETIC)",
        "",
        "**Every transcript in this folder is synthetic.** The interviews were written by a program,",
        "not spoken by anyone: no real person, organisation or statement is behind them. The study's",
        "real transcripts (143 expert interviews from fall 2018 and 44 interviews with graduates of",
        "foreign universities) are confidential and are not part of cotag. This corpus has the same",
        "shape, so the tool can be tried, tested and benchmarked on something realistic.",
        "",
        "Regenerate it byte for byte with:",
        "",
        "    python -m demo_corpus --out transcripts --seed " + str(seed),
        "",
        f"from the repository root (seed {seed} is the default; `--limit N` writes only the first N",
        "documents of each group). The generator is `demo_corpus/`, outside the installed package; its",
        "phrase banks are data files in `demo_corpus/banks/` (`coded.yaml` coded sentences, `talk.yaml`",
        "uncoded talk, `guide.yaml` the interview guide, `lexicon.yaml` places, names and jobs).",
        "",
        "## Shape",
        "",
        f"- `experts/E001.md` ... : {len(experts)} expert interviews, dated fall 2018, in the seven fieldwork",
        "  cities (" + ", ".join(f"{c} {n}" for c, n in cities.items()) + ").",
        "  Attributes: id, group (expert), gender, age (24-64), occupation, sector (civil service, science,",
        "  education, private sector), place (city or region), city (fieldwork city), language (Kazakh or",
        "  Russian; the text is the English translation), interview_date, synthetic.",
        f"- `graduates/G001.md` ... : {len(graduates)} interviews with holders of foreign master's and doctoral",
        "  degrees, dated 2022-2023 (they mention the January 2022 unrest). Attributes: id, group (graduate),",
        "  gender, age, occupation, sector, place, degree_level (master or phd), field, degree_country",
        "  (" + ", ".join(f"{c} {n}" for c, n in sorted(countries.items())) + "),",
        "  residence_country, years_abroad, language, interview_date, synthetic.",
        f"- Words per file: {min(words):,} to {max(words):,} ({sum(words):,} in all); 20 to 40 exchanges each.",
        "- Format: Markdown with YAML front matter, UTF-8, LF line endings. Turns are paragraphs labelled",
        "  `Interviewer:` or `Respondent:`, separated by a blank line; an unlabelled paragraph continues the",
        "  respondent's turn. Each sentence ends with `.`, `?` or `!` and is one sentence unit.",
        "",
        "## reference.csv",
        "",
        "The coding the generator knows, with the codes of `codebooks/migration.yaml`: columns",
        "`document,code,start,end,text`, one row per (respondent sentence, code). `start` and `end` are",
        "Python string offsets (code points) into the document body, i.e. the file's text after the line",
        "that closes the front matter; `text` is exactly `body[start:end]`, one whole sentence. Only",
        "respondent sentences are coded, each with at most two codes; about half of them carry none.",
        f"It has {sum(per_code.values()):,} rows over {coded_units:,} coded sentences.",
        "",
        "| code | rows |",
        "|---|---|",
    ]
    for code in CODE_KEYS:
        lines.append(f"| {code} | {per_code.get(code, 0)} |")
    lines.append("")
    return "\n".join(lines)


def write_corpus(out: Path | str, seed: int = DEFAULT_SEED, limit: int | None = None) -> list[Document]:
    """Generate and write the corpus under ``out``; return the documents."""
    out = Path(out)
    documents = generate(seed, limit)
    for sub in ("experts", "graduates"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for doc in documents:
        folder = "experts" if doc.persona.group == "expert" else "graduates"
        _write(out / folder / f"{doc.persona.id}.md", doc.text)
    _write(out / "reference.csv", reference_csv(documents))
    _write(out / "README.md", readme(documents, seed))
    return documents


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="transcripts", help="output folder (default: transcripts/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents of each group")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    documents = write_corpus(args.out, args.seed, args.limit)
    rows = sum(len(d.rows) for d in documents)
    words = sum(d.words for d in documents)
    print(f"wrote {len(documents)} transcripts ({words:,} words, {rows:,} reference rows) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
