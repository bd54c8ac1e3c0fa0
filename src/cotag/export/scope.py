"""What an export covers: chosen codes with their subtrees, whose coding, and which respondents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cotag.bulk import collector_paused
from cotag.errors import CotagError
from cotag.export.attribution import format_value
# The store's plain column reads, which need neither the ORM nor the model classes: `cotag export quotes|matrix`
# are reports a researcher waits for at the prompt (issue #14). `session` below is a Session or a plain
# Connection (Project.reading()).
from cotag.store import plain_reads as store
from cotag.store.plain_reads import CONSENSUS_CODER

if TYPE_CHECKING:
    import numpy as np

    from cotag.store.session import Session

    from cotag.codebook import Codebook
    from cotag.store.code_tree import StoredCode

# Values an export can filter or group by besides a document's own attributes.
BUILTIN_ATTRIBUTES = ("group", "id")


@dataclass(frozen=True)
class Scope:
    """The user's choice, by the names researchers type; resolve() checks every name against the project."""

    codes: tuple[str, ...] | None = None  # code keys; each brings its subtree
    coders: tuple[str, ...] | None = None  # explicit coder names
    consensus: bool = False
    all_coders: bool = False
    groups: tuple[str, ...] | None = None
    documents: tuple[str, ...] | None = None
    where: tuple[str, ...] = ()  # "attribute=value"; one attribute repeated means either value


@dataclass
class CodeTree:
    """The project's codebook (the one code tree, cotag.codebook.Codebook, read from the code table) indexed
    by code id, as exports address codes: paths of names, subtrees, and the order a reader expects."""

    codebook: Codebook
    codes: dict[int, StoredCode] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)  # the codebook's order: parents first

    @classmethod
    def of(cls, codebook: Codebook) -> "CodeTree":
        from cotag.store.code_tree import StoredCode

        stored = [c for c in codebook.codes if isinstance(c, StoredCode)]
        tree = cls(codebook=codebook, codes={c.id: c for c in stored})
        for code in sorted(stored, key=lambda c: (c.position, c.id)):
            tree.children.setdefault(code.parent_id, []).append(code.id)
        # The codebook is in tree order already; codes in a parent cycle (a hand-edited database) come last.
        tree.order = {c.id: i for i, c in enumerate(stored)}
        return tree

    def ancestors(self, code_id: int) -> list[int]:
        """The code and its ancestors, the code first."""
        chain: list[int] = []
        current: int | None = code_id
        while current is not None and current in self.codes and current not in chain:
            chain.append(current)
            current = self.codes[current].parent_id
        return chain

    def path(self, code_id: int) -> tuple[str, ...]:
        return tuple(self.codes[c].name for c in reversed(self.ancestors(code_id)))

    def subtree(self, code_id: int) -> set[int]:
        found, stack = set(), [code_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def by_key(self) -> dict[str, StoredCode]:
        return {c.key: c for c in self.codes.values()}


@dataclass(frozen=True, slots=True)
class Respondent:
    """A document as exports see it: no ORM object, and its text only when quotes need it."""

    id: int
    external_id: str
    group: str
    attributes: dict[str, Any]
    text: str = ""


@dataclass
class Codings:
    """Live codings as columns: exports over tens of thousands of codings work on arrays, not objects."""

    id: "np.ndarray"
    document_id: "np.ndarray"
    code_id: "np.ndarray"
    start: "np.ndarray"
    end: "np.ndarray"
    coder: list[str]
    memo: list[str]

    @classmethod
    def from_rows(cls, rows: Sequence[tuple], *, coder_names: dict[int, str] | None = None) -> "Codings":
        """rows: (id, document id, code id, coder, start, end, memo); the coder by name, or by id with
        `coder_names` to name it (the store's live coding rows)."""
        import numpy as np

        columns = list(zip(*rows)) if rows else [()] * 7
        ints = [np.asarray(columns[i], dtype=np.int64) for i in range(3)]
        coder = list(columns[3]) if coder_names is None else [coder_names[c] for c in columns[3]]
        return cls(id=ints[0], document_id=ints[1], code_id=ints[2],
                   start=np.asarray(columns[4], dtype=np.int64), end=np.asarray(columns[5], dtype=np.int64),
                   coder=coder, memo=[m or "" for m in columns[6]])

    def __len__(self) -> int:
        return len(self.id)

    def take(self, positions: "np.ndarray") -> "Codings":
        """The codings at these positions (an index array or a boolean mask), in that order."""
        import numpy as np

        positions = np.flatnonzero(positions) if positions.dtype == bool else positions
        return Codings(id=self.id[positions], document_id=self.document_id[positions],
                       code_id=self.code_id[positions], start=self.start[positions], end=self.end[positions],
                       coder=[self.coder[i] for i in positions], memo=[self.memo[i] for i in positions])


# Positions of every document are packed into one sorted integer key: document id * STRIDE + offset.
STRIDE = 1 << 40


@dataclass
class UnitTable:
    """The sentence units of the documents in scope as parallel arrays, sorted by document and index."""

    document_id: "np.ndarray"
    index: "np.ndarray"
    start: "np.ndarray"
    end: "np.ndarray"
    turn: "np.ndarray"
    speaker: list[str]
    key: "np.ndarray"  # document_id * STRIDE + start, ascending
    turn_first: "np.ndarray"  # for each unit, the position of its turn's first unit
    turn_last: "np.ndarray"

    @classmethod
    def from_rows(cls, rows: Sequence[tuple]) -> "UnitTable":
        import numpy as np

        columns = list(zip(*rows)) if rows else [()] * 6
        doc, index, start, end, turn = (np.asarray(columns[i], dtype=np.int64) for i in range(5))
        n = len(doc)
        if n:
            change = np.ones(n, dtype=bool)
            change[1:] = (doc[1:] != doc[:-1]) | (turn[1:] != turn[:-1])
            group = np.cumsum(change) - 1
            firsts = np.flatnonzero(change)
            lasts = np.append(firsts[1:] - 1, n - 1)
            turn_first, turn_last = firsts[group], lasts[group]
        else:
            turn_first = turn_last = np.zeros(0, dtype=np.int64)
        return cls(document_id=doc, index=index, start=start, end=end, turn=turn,
                   speaker=[s or "" for s in columns[5]], key=doc * STRIDE + start, turn_first=turn_first,
                   turn_last=turn_last)

    def __len__(self) -> int:
        return len(self.document_id)

    def touched(self, document_id: "np.ndarray", start: "np.ndarray", end: "np.ndarray"
                ) -> tuple["np.ndarray", "np.ndarray"]:
        """Per span, the positions of the first and last unit it overlaps by a character (last < first: none).

        An empty span counts as sitting in the unit around it.
        """
        import numpy as np

        n = len(self)
        if n == 0 or len(document_id) == 0:
            none = np.zeros(len(document_id), dtype=np.int64)
            return none, none - 1
        stop = np.maximum(end, start + 1)
        first = np.searchsorted(self.key, document_id * STRIDE + start, side="right") - 1
        at = np.clip(first, 0, n - 1)
        # The unit starting at or before the span may end before it, or belong to the previous document.
        first = np.where((first < 0) | (self.document_id[at] != document_id) | (self.end[at] <= start), first + 1,
                         first)
        last = np.searchsorted(self.key, document_id * STRIDE + stop, side="left") - 1
        first_at, last_at = np.clip(first, 0, n - 1), np.clip(last, 0, n - 1)
        valid = ((first <= last) & (first < n) & (last >= 0) & (self.document_id[first_at] == document_id)
                 & (self.document_id[last_at] == document_id))
        return first, np.where(valid, last, first - 1)


@dataclass
class Selection:
    """A resolved scope: the documents, codings and codes an export works on, loaded once for many exports."""

    tree: CodeTree
    code_ids: set[int] | None  # None: every code
    coders: list[str] | None  # None: every coder
    coding_label: str  # "consensus", "all coders", "alice"
    documents: list[Respondent]
    codings: Codings
    project_attributes: list[str] = field(default_factory=list)  # every document's, not only those in scope
    units: UnitTable | None = None  # loaded when quotes or unit co-occurrence need them
    # Documents in scope that the chosen coding has covered: a coding there, or marked done.
    coded_document_ids: frozenset[int] = frozenset()
    # Per document, which of the chosen coders covered it; read only for a query (cotag.query.query_selection).
    covering: dict[int, frozenset[str]] | None = None

    @property
    def documents_by_id(self) -> dict[int, Respondent]:
        return {d.id: d for d in self.documents}

    def attribute_keys(self) -> list[str]:
        return attribute_keys(self.documents)

    def row_codes(self) -> list[int]:
        """Rows of a table, in codebook order: the chosen (or all active) codes and any code with codings."""
        coded = {int(c) for c in set(self.codings.code_id.tolist())}
        if self.code_ids is not None:
            chosen = set(self.code_ids)
        else:
            chosen = {cid for cid, code in self.tree.codes.items() if code.status == "active"}
        return sorted(chosen | coded, key=lambda cid: self.tree.order[cid])


# Attribute columns in the order the papers quote them; anything else follows, alphabetically.
ATTRIBUTE_ORDER = ("gender", "age", "occupation", "place", "sector", "language", "degree_level", "field",
                   "degree_country", "residence_country", "years_abroad")


def attribute_keys(documents: Iterable[Respondent]) -> list[str]:
    keys: set[str] = set()
    for document in documents:
        keys.update(document.attributes or {})
    ranked = [k for k in ATTRIBUTE_ORDER if k in keys]
    return ranked + sorted(keys - set(ranked))


def document_value(document: Respondent, name: str) -> Any:
    if name == "group":
        return document.group
    if name in ("id", "document"):
        return document.external_id
    return (document.attributes or {}).get(name)


def load_tree(session: Session) -> CodeTree:
    # Imported here: the codebook model brings the YAML machinery, which only a tree needs.
    from cotag.store.code_tree import code_tree

    return CodeTree.of(code_tree(session))


def close_keys(tree: CodeTree, key: str) -> list[str]:
    """Code keys a mistyped `key` may mean: keys holding it (or held by it), then keys spelt alike ('wagez' ->
    wages), then codes whose name is it ('Wages and income' -> wages)."""
    import difflib

    by_key = tree.by_key()
    wanted = key.casefold()
    close = sorted(k for k in by_key if wanted in k.casefold() or k.casefold() in wanted)[:5]
    if not close:
        close = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.75)
    if not close:
        close = [k for k, code in by_key.items() if code.name.casefold() == wanted][:3]
    return close


def chosen_code_ids(tree: CodeTree, keys: Iterable[str] | None) -> set[int] | None:
    if keys is None:
        return None
    by_key = tree.by_key()
    ids: set[int] = set()
    for key in keys:
        code = by_key.get(key)
        if code is None:
            hint = f" (did you mean {', '.join(close)}?)" if (close := close_keys(tree, key)) \
                else " (see `cotag codebook` / the codebook file)"
            raise CotagError(f"--codes: no code with key {key!r}{hint}")
        ids |= tree.subtree(code.id)
    return ids


def resolve_coders(session: Session, scope: Scope) -> tuple[list[str] | None, str]:
    """Whose codings: named coders, the consensus, or every coder but the consensus (it repeats their quotes)."""
    chosen = sum([bool(scope.coders), scope.consensus, scope.all_coders])
    if chosen > 1:
        raise CotagError("choose one of --coder, --consensus and --all-coders")
    coders = {name: coder_id for coder_id, name, _ in store.coders(session)}
    if scope.coders:
        for name in scope.coders:
            if name not in coders:
                known = ", ".join(sorted(coders)) or "none yet"
                raise CotagError(f"--coder: no coder named {name!r} (coders: {known})")
        names = list(dict.fromkeys(scope.coders))
        return names, ", ".join(names)
    consensus = coders.get(CONSENSUS_CODER)
    has_consensus = consensus is not None and store.count_live(session, coder_id=consensus) > 0
    if scope.consensus:
        if not has_consensus:
            raise CotagError("--consensus: the project has no consensus coding yet (reconcile first, "
                             "or choose --coder NAME / --all-coders)")
        return [CONSENSUS_CODER], "consensus"
    if not scope.all_coders and has_consensus:
        return [CONSENSUS_CODER], "consensus"
    if consensus is None:
        return None, "all coders"
    return sorted(n for n in coders if n != CONSENSUS_CODER), "all coders"


def select_documents(session: Session, scope: Scope, *, with_text: bool = False
                     ) -> tuple[list[Respondent], list[str]]:
    """Documents in scope, and the attribute names of every document in the project."""
    # Columns, not ORM objects: a corpus-wide export must not pay for identity maps (or texts it does not show).
    documents = [Respondent(d.id, d.external_id, d.group, d.attributes, d.text)
                 for d in store.document_columns(session, with_text=with_text)]
    every_key = attribute_keys(documents)
    everyone = documents
    if scope.groups is not None:
        groups = {d.group for d in documents}
        for group in scope.groups:
            if group not in groups:
                known = ", ".join(sorted(groups)) or "none"
                raise CotagError(f"--group: no documents in group {group!r} (groups: {known})")
        documents = [d for d in documents if d.group in set(scope.groups)]
    if scope.documents is not None:
        all_ids = {d.external_id for d in everyone}
        for external_id in scope.documents:
            if external_id not in all_ids:
                raise CotagError(f"--documents: no document with id {external_id!r} (see `cotag documents list`)")
        documents = [d for d in documents if d.external_id in set(scope.documents)]
    from cotag.export.where import build_filter

    matches = build_filter(scope.where, known=set(every_key) | set(BUILTIN_ATTRIBUTES), value_of=document_value,
                           text_of=format_value, everyone=everyone)
    if matches is not None:
        documents = [d for d in documents if matches(d)]
    return documents, every_key


# Exports build tens of thousands of rows: the cycle collector is paused while they do (see cotag.bulk).
bulk = collector_paused


def load_codings(session: Session, *, coders: list[str] | None, code_ids: set[int] | None,
                 document_ids: set[int] | None) -> Codings:
    """Live codings, ordered by document and position."""
    names = {coder_id: name for coder_id, name, _ in store.coders(session)}
    coder_ids = None if coders is None else [i for i, name in names.items() if name in set(coders)]
    rows = store.live_coding_columns(session, coder_ids=coder_ids, code_ids=code_ids,
                                            document_ids=document_ids)
    # Study work only: the loader leaves a trainee's practice (cotag.training) out of every export.
    return Codings.from_rows(rows, coder_names=names)


def load_units(session: Session, document_ids: Iterable[int]) -> UnitTable:
    """Units of many documents in one query (a query per document would dominate a corpus-wide export)."""
    return UnitTable.from_rows(store.unit_columns(session, document_ids=document_ids))


def resolve(session: Session, scope: Scope, *, with_text: bool = False, with_units: bool = False) -> Selection:
    """Check the scope's names against the project and load what the exports need, once."""
    with bulk():
        tree = load_tree(session)
        code_ids = chosen_code_ids(tree, scope.codes)
        coders, label = resolve_coders(session, scope)
        documents, every_key = select_documents(session, scope, with_text=with_text)
        filtered = scope.groups is not None or scope.documents is not None or bool(scope.where)
        codings = load_codings(session, coders=coders, code_ids=code_ids,
                               document_ids={d.id for d in documents} if filtered else None)
        units = load_units(session, set(codings.document_id.tolist())) if with_units else None
        coded = coded_documents(session, coders=coders, codings=codings, documents=documents)
    return Selection(tree=tree, code_ids=code_ids, coders=coders, coding_label=label, documents=documents,
                     codings=codings, project_attributes=every_key, units=units, coded_document_ids=coded)


def coded_documents(session: Session, *, coders: list[str] | None, codings: Codings,
                    documents: list[Respondent]) -> frozenset[int]:
    """Documents in scope that the chosen coders have coded: one of their codings there, or marked done.

    A share of respondents is over these only: an interview nobody has coded yet cannot say
    that its respondent did not mention a theme. "Done" counts a document coded with no code
    at all. With --codes, a document coded only with other codes still counts (it was coded).
    """
    coder_ids = None if coders is None else [i for i, name, _ in store.coders(session) if name in set(coders)]
    # Study work only: the loaders leave a trainee's practice (cotag.training) out.
    done = {doc for _, doc in store.done_pairs(session, coder_ids=coder_ids)}
    with_codings = {doc for _, doc in store.coded_pairs(session, coder_ids=coder_ids)}
    in_scope = {d.id for d in documents}
    return frozenset((done | with_codings | set(codings.document_id.tolist())) & in_scope)
