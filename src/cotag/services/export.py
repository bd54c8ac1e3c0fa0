"""Use cases that write files for papers and other tools: quote tables, matrices, the codebook appendix,
charts, REFI-QDA projects. Each reads the project in one pass (its own read transaction) and writes the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cotag.project import Project


def quotes(project: Project, output: Path | None, **options: Any) -> tuple[dict[str, Any], str | None]:
    from cotag.export.quotes import export_quotes

    return export_quotes(project, output, **options)


def matrix(project: Project, output: Path | None, **options: Any) -> tuple[dict[str, Any], str | None]:
    from cotag.export.matrix import export_matrix

    return export_matrix(project, output, **options)


def cell_quotes(project: Project, output: Path | None, **options: Any) -> tuple[dict[str, Any], str | None]:
    from cotag.export.cell import export_cell_quotes

    return export_cell_quotes(project, output, **options)
