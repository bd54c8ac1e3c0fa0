"""Build small projects in tests without spaCy: documents from turns of sentences, codebooks from tuples."""

from __future__ import annotations

from typing import Any, Iterable

from cotag.store import documents as doc_store
from cotag.store.models import Code, Document


def make_document(session, external_id: str, turns: Iterable[tuple[str, list[str]]], *, group: str = "expert",
                  attributes: dict[str, Any] | None = None) -> Document:
    """turns: [(speaker, [sentence, ...]), ...]; a speaker called Interviewer marks an interviewer turn.

    Text layout is the importer's: 'Speaker: s1 s2' paragraphs separated by a blank line.
    """
    parts: list[str] = []
    units: list[doc_store.UnitRow] = []
    pos = 0
    for turn_index, (speaker, sentences) in enumerate(turns):
        if parts:
            parts.append("\n\n")
            pos += 2
        label = f"{speaker}: "
        parts.append(label)
        pos += len(label)
        for i, sentence in enumerate(sentences):
            if i:
                parts.append(" ")
                pos += 1
            units.append(doc_store.UnitRow(index=len(units), start=pos, end=pos + len(sentence), turn=turn_index,
                                           speaker=speaker, is_interviewer=speaker.lower() == "interviewer"))
            parts.append(sentence)
            pos += len(sentence)
    text = "".join(parts) + "\n"
    import hashlib

    values = {"external_id": external_id, "group": group, "text": text, "attributes": attributes or {},
              "content_hash": hashlib.sha256(text.encode()).hexdigest(), "source_path": f"{external_id}.md",
              "format": "md", "words": len(text.split())}
    return doc_store.add_document(session, values=values, units=units)


def make_codes(session, specs: Iterable[tuple]) -> dict[str, Code]:
    """specs: (key, name[, parent_key[, shortcut]]) in parent-first order."""
    made: dict[str, Code] = {}
    for position, spec in enumerate(specs):
        key, name, parent, shortcut = (tuple(spec) + (None, None))[:4]
        code = Code(key=key, name=name, parent_id=made[parent].id if parent else None, shortcut=shortcut,
                    colour="#3366cc", position=position, description=f"{name} definition",
                    include=[f"include {key}"], exclude=[f"exclude {key}"], examples=[f"example {key}"],
                    keywords=[key])
        session.add(code)
        session.flush()
        made[key] = code
    return made
