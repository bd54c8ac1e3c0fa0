"""A cotag project: the folder with cotag.toml, its database, and sessions on it."""

from __future__ import annotations

import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from cotag.errors import CotagError, ProjectNotFound

if TYPE_CHECKING:
    from cotag.store.session import Session

CONFIG_NAME = "cotag.toml"
DEFAULT_DB_NAME = "cotag.db"
ENV_PROJECT = "COTAG_PROJECT"
ENV_DATABASE_URL = "COTAG_DATABASE_URL"


@dataclass
class Project:
    root: Path
    config: dict[str, Any]
    database_url: str
    _engine: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return str(self.config.get("project", {}).get("name", self.root.name))

    @property
    def codebook_path(self) -> Path | None:
        path = self.config.get("codebook", {}).get("path")
        return (self.root / path) if path else None

    @property
    def transcript_folders(self) -> list[Path]:
        return [self.root / p for p in self.config.get("transcripts", {}).get("folders", [])]

    @property
    def engine(self):
        if self._engine is None:
            from cotag.store.database import make_engine

            self._engine = make_engine(self.database_url,
                                       lock_timeout_seconds=self.config.get("database", {}).get("lock_timeout"))
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        from cotag.store.session import Session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A read-only unit of work on a plain connection (SQLAlchemy's Connection, no ORM): for reports
        that count or read rows with the store's raw loaders, so their start-up does not pay for the model
        classes. Whatever it did is rolled back."""
        with self.engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def resolve_database_url(root: Path, url: str) -> str:
    """Make a relative SQLite path relative to the project folder, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix):]
        if path and path != ":memory:" and not os.path.isabs(path):
            return prefix + str((root / path).resolve())
    return url


def read_config(root: Path) -> dict[str, Any]:
    path = root / CONFIG_NAME
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CotagError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise CotagError(f"{path}: cannot read: {exc.strerror}") from None


def find_project_root(start: Path | None = None, explicit: str | Path | None = None) -> Path:
    """--project beats COTAG_PROJECT beats searching upwards from the working directory."""
    chosen = explicit or os.environ.get(ENV_PROJECT)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        if not (root / CONFIG_NAME).is_file():
            raise ProjectNotFound(f"{root}: no {CONFIG_NAME} here (run `cotag init {chosen}` first)")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ProjectNotFound(
        f"no cotag project in {here} or above it: run `cotag init`, or pass --project DIR / set {ENV_PROJECT}"
    )


def open_project(root: Path | str | None = None, *, explicit: str | Path | None = None, migrate: bool = True) -> Project:
    root = Path(root).resolve() if root is not None else find_project_root(explicit=explicit)
    config = read_config(root)
    url = os.environ.get(ENV_DATABASE_URL) or config.get("database", {}).get("url") or f"sqlite:///{DEFAULT_DB_NAME}"
    project = Project(root=root, config=config, database_url=resolve_database_url(root, url))
    if migrate:
        from cotag.store.database import ensure_schema

        ensure_schema(project.engine)
        # An import killed between its commit and moving the new YAML codebook into place is finished now.
        # Looked for here first (a directory listing), so an ordinary command does not import refi.qdc.
        if _codebook_journal_left(project):
            from cotag.refi.qdc import recover_codebook_journal

            recover_codebook_journal(project)
    return project


# refi.qdc's journal mark (".<codebook>.pending-<token>"); tests/unit/test_services.py keeps the two equal.
CODEBOOK_JOURNAL_MARK = ".pending-"


def _codebook_journal_left(project: Project) -> bool:
    path = project.codebook_path
    if path is None or not path.parent.is_dir():
        return False
    prefix = f".{path.name}{CODEBOOK_JOURNAL_MARK}"
    try:
        return any(entry.name.startswith(prefix) for entry in os.scandir(path.parent))
    except OSError:
        return True  # let the real recovery report what it cannot read


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_str(value: str) -> str:
    """``value`` as a TOML basic string: any text, a newline or a quote in a folder name included."""
    out = []
    for ch in value:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ch < " " or ch == "\x7f":  # TOML allows no other control character as itself
            out.append(f"\\u{ord(ch):04X}")
        elif "\ud800" <= ch <= "\udfff":
            # A byte that is not UTF-8 in a command-line argument or folder name: TOML (UTF-8) cannot hold it.
            shown = value.encode("utf-8", "backslashreplace").decode("utf-8")
            raise CotagError(f"{shown}: not valid UTF-8 (a name in another encoding?); rename it")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def write_config(root: Path, *, name: str, database_url: str, codebook: str | None, folders: list[str],
                 extra: str = "") -> Path:
    lines = [
        "# cotag project settings (https://toml.io). Paths are relative to this file.",
        "[project]",
        f"name = {_toml_str(name)}",
        "",
        "[database]",
        "# SQLite file beside this file by default; a team can use",
        '# "postgresql+psycopg://USER@HOST:5432/DB" (see docs/team.md).',
        f"url = {_toml_str(database_url)}",
        "",
        "[codebook]",
        f"path = {_toml_str(codebook)}" if codebook else "# path = \"codebooks/codebook.yaml\"",
        "",
        "[transcripts]",
        "folders = [" + ", ".join(_toml_str(f) for f in folders) + "]",
        "",
    ]
    path = root / CONFIG_NAME
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path


#: The codebook `cotag init` writes when given none, so the README's next step
#: (`cotag codebook check codebook.yaml`) has a file to check and a format to copy.
STARTER_CODEBOOK_NAME = "codebook.yaml"
STARTER_CODEBOOK = """\
# A starter codebook written by `cotag init`: replace these codes with your own.
# The format is described in docs/codebook.md. Check the file with
#   cotag codebook check codebook.yaml
# and load it into the project (coders then see the codes) with
#   cotag codebook load
# Comments (from # to the end of a line) are kept when cotag saves the file.
codebook: My study       # the codebook's title
version: 0               # cotag raises this by one each time it saves the file

codes:
  # A code with children: coders may apply the parent or a child.
  - key: push            # the code's identity: lower-case letters, digits, - and _; never change it
    name: Reasons to leave   # the label coders see; rename freely
    description: Why the speaker left, in their own words.
    colour: "#d9534f"    # quote a hex colour: an unquoted # starts a comment
    children:
      - key: wages
        name: Wages and income
        shortcut: "1"    # one key that applies the code on the coding screen
        include: talks about their own or a relative's pay
        exclude: [pensions]
        examples: ["I earned two hundred dollars a month, it was nothing."]
        keywords: [salary, pay, income]   # words that find the code in the code picker
      - key: safety
        name: Safety
        shortcut: "2"
  - key: pull
    name: Reasons to go somewhere
    colour: teal
    children:
      - key: family
        name: Family abroad
        shortcut: "3"
"""


def init_project(root: Path | str, *, database_url: str | None = None, codebook: str | None = None,
                 folders: list[str] | None = None, name: str | None = None,
                 starter_codebook: bool = False) -> Project:
    """Create cotag.toml and the database schema (through the migrations).

    With `starter_codebook` and no `codebook`, the project's codebook is codebook.yaml in the
    folder: a starter example is written there unless the folder has one already (it is kept).
    """
    root = Path(root).resolve()
    if (root / CONFIG_NAME).exists():
        raise CotagError(f"{root / CONFIG_NAME} already exists: this folder is already a cotag project")
    if root.exists() and not root.is_dir():
        raise CotagError(f"{root}: exists and is not a folder")
    url = database_url or f"sqlite:///{DEFAULT_DB_NAME}"
    for value in (name or root.name, url, codebook or "", *(folders or [])):
        _toml_str(value)  # refused before anything is created
    root.mkdir(parents=True, exist_ok=True)
    starter = None
    if starter_codebook and codebook is None:
        codebook = STARTER_CODEBOOK_NAME
        if not (root / codebook).exists():
            starter = root / codebook
    write_config(root, name=name or root.name, database_url=url, codebook=codebook, folders=folders or [])
    try:
        project = open_project(root)
    except Exception:
        # A project whose database cannot be created is no project: leave no half-made config behind.
        (root / CONFIG_NAME).unlink(missing_ok=True)
        raise
    if starter is not None:
        starter.write_text(STARTER_CODEBOOK, encoding="utf-8")
    return project
