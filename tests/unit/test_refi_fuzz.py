"""Fuzzing the REFI-QDA readers: whatever bytes a .qdpx, .qde or .qdc holds, the only error is cotag's own.

Mutated real archives (bytes flipped, cut, inserted), mutated project XML re-packed with its sources,
and project / codebook XML generated from REFI's vocabulary with hostile values (huge and negative
offsets, dangling GUIDs, odd characters). Example counts are modest so this runs with every test run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cotag.errors import CotagError
from cotag.refi.qdc import codes_to_codebook, read_qdc
from cotag.refi.qdpx_import import open_package, plan_import

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "refi"
sys.path.insert(0, str(FIXTURES))
import make_fixtures as fx  # noqa: E402

ARCHIVES = {name: (FIXTURES / name).read_bytes() for name in ("good_minimal.qdpx", "qc_style.qdpx",
                                                               "nvivo_style.qdpx", "atlas_style.qdpx")}
CODEBOOK = (FIXTURES / "atlas_codebook.qdc").read_bytes()
# COTAG_FUZZ_EXAMPLES=2000 runs a longer, randomised search by hand; the normal run is short and repeatable.
_EXAMPLES = int(os.environ.get("COTAG_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_EXAMPLES or 40, deadline=None, derandomize=not _EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def read_project(data: bytes, suffix: str = ".qdpx") -> None:
    """Plan an import of ``data`` (everything short of writing to a database); only CotagError may escape."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            package = open_package(path)
        except CotagError:
            return
        try:
            plan_import(package)
        except CotagError:
            pass
        finally:
            package.close()


def read_codebook(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.qdc"
        path.write_bytes(data)
        try:
            codes, report = read_qdc(path)
            codes_to_codebook(codes, title=report.title, version=report.version, warnings=[])
        except CotagError:
            pass


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
)


def mutate(data: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    raw = bytearray(data)
    for kind, where, value in mutations:
        if not raw:
            break
        at = where % len(raw)
        if kind == "flip":
            raw[at] = value
        elif kind == "cut":
            del raw[at:]
        else:
            raw[at:at] = bytes([value])
    return bytes(raw)


@FUZZ
@given(name=st.sampled_from(sorted(ARCHIVES)), mutations=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_archives_raise_only_cotag_errors(name, mutations):
    read_project(mutate(ARCHIVES[name], mutations))


XML_NOISE = st.sampled_from(["<", ">", "&", '"', "'", "=", "/", "<!--", "]]>", "<![CDATA[", "&amp;", "&#0;",
                             "&#x1F642;", "\x00", "\r\n", "\ufeff", "-1", "99999999999999999999", "{", "}",
                             "<Code>", "</Code>", "<PlainTextSelection startPosition=\"5\" endPosition=\"2\">",
                             "internal://", "absolute:///etc/passwd", "relative://../../", "<!DOCTYPE x>",
                             "<!ENTITY e \"x\">", "&e;", "xmlns=\"urn:QDA-XML:project:0:4\""])


def _xml_mutation(text: str, edits: list[tuple[int, int, str]]) -> str:
    for where, length, noise in edits:
        at = where % (len(text) + 1)
        text = text[:at] + noise + text[at + length % 8:]
    return text


@FUZZ
@given(name=st.sampled_from(sorted(ARCHIVES)),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7), XML_NOISE), min_size=1, max_size=5))
def test_mutated_project_xml_raises_only_cotag_errors(name, edits):
    """The XML is broken in XML-ish ways and packed again with the archive's sources."""
    archive = zipfile.ZipFile(FIXTURES / name)
    entries = {info.filename: archive.read(info) for info in archive.infolist()}
    qde = next(n for n in entries if n.lower().endswith(".qde"))
    entries[qde] = _xml_mutation(entries[qde].decode("utf-8"), edits).encode("utf-8", "surrogatepass")
    read_project(fx.zip_bytes(entries))


GUIDS = [fx.guid(i, p) for i in range(1, 4) for p in "BCDEF"] + ["", "not-a-guid", "{" + fx.guid(1, "C") + "}"]
NUMBERS = st.one_of(st.integers(-5, 60), st.sampled_from(["", "x", "1e3", "-0", "99999999999999999999999", " 3 "]))
ATTRIBUTES = {
    "guid": st.sampled_from(GUIDS), "targetGUID": st.sampled_from(GUIDS), "creatingUser": st.sampled_from(GUIDS),
    "name": st.text(max_size=12), "startPosition": NUMBERS, "endPosition": NUMBERS,
    "isCodable": st.sampled_from(["true", "false", "0", "maybe"]),
    "color": st.sampled_from(["#fff", "#12345678", "rgb(1,2,3)", "red", ""]),
    "plainTextPath": st.sampled_from(["internal://a.txt", "a.txt", "relative://../a.txt", "absolute:///etc/passwd",
                                      "internal://", "sources/", ""]),
    "typeOfVariable": st.sampled_from(["Text", "Integer", "Boolean", "Float", "Nope"]),
    "originGUID": st.sampled_from(GUIDS), "basePath": st.sampled_from(["", "/etc", "relative://.."]),
}
TAGS = ["Users", "User", "CodeBook", "Codes", "Code", "Description", "Sources", "TextSource", "PlainTextContent",
        "PlainTextSelection", "Coding", "CodeRef", "NoteRef", "Notes", "Note", "Variables", "Variable", "Cases",
        "Case", "SourceRef", "VariableValue", "VariableRef", "TextValue", "IntegerValue", "BooleanValue", "Sets",
        "Set", "MemberSource", "MemberCode", "Links", "Link", "PictureSource", "Graphs", "Graph"]


def _escape(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr("".join(ch for ch in text if ch in "\t\n" or (" " <= ch and ch not in "\ufffe\uffff"
                                                                     and not "\ud800" <= ch <= "\udfff")))


@st.composite
def element(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    names = draw(st.lists(st.sampled_from(sorted(ATTRIBUTES)), max_size=4, unique=True))
    attributes = "".join(f" {n}={_escape(str(draw(ATTRIBUTES[n])))}" for n in names)
    children = draw(st.lists(element(depth + 1), max_size=3)) if depth < 4 else []
    text = _escape(draw(st.text(max_size=8)))[1:-1]
    return f"<{tag}{attributes}>{text}{''.join(children)}</{tag}>"


@FUZZ
@given(children=st.lists(element(), max_size=5), text=st.binary(max_size=40),
       namespace=st.sampled_from(["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:0:4", ""]))
def test_generated_projects_raise_only_cotag_errors(children, text, namespace):
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    qde = f'<Project{xmlns} name="fuzz" basePath="/etc">{"".join(children)}</Project>'
    read_project(fx.zip_bytes({"project.qde": qde.encode("utf-8"), "sources/a.txt": text}))
    read_project(qde.encode("utf-8"), suffix=".qde")


@FUZZ
@given(mutations=st.lists(mutation, min_size=1, max_size=4),
       children=st.lists(element(), max_size=4))
def test_codebooks_raise_only_cotag_errors(mutations, children):
    read_codebook(mutate(CODEBOOK, mutations))
    read_codebook(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{"".join(children)}</Codes>'
                  f'</CodeBook>'.encode("utf-8"))
