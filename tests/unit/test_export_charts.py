"""`cotag export chart`: the plotted numbers are the analysis screen's, and the PNG/SVG files are valid."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cotag.errors import CotagError
from cotag.services.export import load_analysis
from cotag.export.charts import figure
from cotag.services.export import build_chart, export_chart
from cotag.export.scope import Scope
from test_export_quotes import build_study

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("scope", [Scope(), Scope(coders=("alice",)), Scope(where=("gender=female",))])
def test_bar_heights_are_the_analysis_screens_shares(project, scope):
    import matplotlib.pyplot as plt

    build_study(project)
    chart = build_chart(project, kind="frequency", by="group", scope=scope)
    expected = load_analysis(project, scope).prevalence("group")
    fig = figure(chart)
    try:
        ax = fig.axes[0]
        containers = ax.containers
        labels = [c.get_label() for c in containers]
        plotted = {}
        for container, value in zip(containers, chart.values):
            assert container.get_label().startswith(f"{value} (n=")
            for code, bar in zip(chart.themes, container.patches):
                plotted[(code, value)] = bar.get_height()
        assert len(labels) == len({r["value"] for r in expected})
        assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == list(dict.fromkeys(r["name"] for r in expected))
    finally:
        plt.close(fig)
    assert len(plotted) == len(expected)
    for row in expected:
        assert plotted[(row["code"], row["value"])] == pytest.approx(100 * row["share"])


def test_cooccurrence_cells_are_the_core_counts(project):
    import matplotlib.pyplot as plt

    build_study(project)
    chart = build_chart(project, kind="cooccurrence", within="document")
    counts = load_analysis(project).cooccurrence("document").counts
    fig = figure(chart)
    try:
        image = fig.axes[0].get_images()[0].get_array()
        assert image.tolist() == counts.to_numpy().tolist()
    finally:
        plt.close(fig)
    assert chart.keys == list(counts.index)


def test_png_and_svg_files_are_valid(project, tmp_path):
    build_study(project)
    png = tmp_path / "frequency.png"
    summary = export_chart(project, png, kind="frequency", by="gender")
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert summary["format"] == "png" and summary["values"] == ["female", "male"]
    svg = tmp_path / "frequency.svg"
    export_chart(project, svg, kind="frequency", by="gender")
    texts = svg_texts(svg)
    joined = " ".join(texts)  # a long theme name wraps: one text element per line
    for label in ("Push factors", "Pull factors", "female (n=2)", "male (n=2)", "% of respondents"):
        assert label in texts
    assert "Retention factors" in joined
    heat = tmp_path / "co.svg"
    export_chart(project, heat, kind="cooccurrence")
    assert {"Wages and income", "Family ties"} <= set(svg_texts(heat))


def test_same_data_gives_the_same_svg(project, tmp_path):
    build_study(project)
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    export_chart(project, a)
    export_chart(project, b)
    assert a.read_bytes() == b.read_bytes()


def test_bad_requests_are_named(project, tmp_path):
    build_study(project)
    with pytest.raises(CotagError, match="cannot tell the image format"):
        export_chart(project, tmp_path / "chart.pdf")
    with pytest.raises(CotagError, match="unknown chart 'pie'"):
        export_chart(project, tmp_path / "chart.png", kind="pie")
    with pytest.raises(CotagError, match="unknown attribute 'shoe_size'"):
        export_chart(project, tmp_path / "chart.png", by="shoe_size")
    with pytest.raises(CotagError, match="unknown chart format 'gif'"):
        export_chart(project, tmp_path / "chart.png", fmt="gif")
    assert not (tmp_path / "chart.png").exists()
