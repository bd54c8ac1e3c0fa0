"""Calculator mode: matrix and spans CSV files."""

import json

import numpy as np
import pytest

from cotag.errors import CotagError
from cotag.reliability.calculator import (
    CalculatorError,
    calculate_matrix,
    calculate_spans,
    read_matrix_csv,
    read_spans_csv,
)
from cotag.reliability.unitized import Span

# Krippendorff (2011) example, one row per unit, empty cell = missing.
K2011_CSV = """A,B,C,D
1,1,,1
2,2,3,2
3,3,3,3
3,3,3,3
2,2,2,2
1,2,3,4
4,4,4,4
1,1,2,1
2,2,2,2
,5,5,5
,,1,1
,3,,
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_read_matrix_with_missing_cells(tmp_path):
    coders, data = read_matrix_csv(write(tmp_path, "k.csv", K2011_CSV))
    assert coders == ["A", "B", "C", "D"]
    assert data.shape == (4, 12)
    assert np.isnan(data[0, 9]) and np.isnan(data[2, 0])
    assert data[3, 5] == 4.0


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_calculate_matrix_reproduces_krippendorff_2011(tmp_path, level, published):
    out = calculate_matrix(write(tmp_path, "k.csv", K2011_CSV), "krippendorff_alpha", level)
    assert round(out["value"], 3) == published
    assert out["measure"] == "krippendorff_alpha" and out["level"] == level
    assert out["n_units"] == 11 and out["n_coders"] == 4 and out["coders"] == ["A", "B", "C", "D"]
    assert out["undefined_reason"] is None
    json.dumps(out)


def test_labels_map_to_codes_in_order_of_first_appearance(tmp_path):
    text = "ann,ben\nyes,yes\nno,yes\n,maybe\nno,no\nmaybe,maybe\n"
    coders, data = read_matrix_csv(write(tmp_path, "l.csv", text))
    assert coders == ["ann", "ben"]
    np.testing.assert_array_equal(data[0], [0, 1, np.nan, 1, 2])
    np.testing.assert_array_equal(data[1], [0, 0, 2, 1, 2])
    out = calculate_matrix(tmp_path / "l.csv", "cohen_kappa", "nominal")
    assert out["categories"] == ["yes", "no", "maybe"]
    assert out["n_units"] == 4
    # table over the 4 complete units: p_o = 3/4, p_e = (1*2 + 2*1 + 1*1)/16
    assert out["value"] == pytest.approx((0.75 - 5 / 16) / (1 - 5 / 16))


def test_labels_rejected_for_non_nominal_level_with_line_and_column(tmp_path):
    p = write(tmp_path, "bad.csv", "a,b\n1,2\n3,high\n")
    with pytest.raises(CalculatorError, match=r"bad\.csv, line 3, column 2 \(b\): 'high' is not a number"):
        read_matrix_csv(p, level="interval")


def test_wrong_cell_count_names_line(tmp_path):
    p = write(tmp_path, "short.csv", "a,b,c\n1,2,3\n1,2\n")
    with pytest.raises(CalculatorError, match=r"short\.csv, line 3: expected 3 cells"):
        read_matrix_csv(p)


def test_calculator_error_is_a_cotag_error(tmp_path):
    assert issubclass(CalculatorError, CotagError)
    with pytest.raises(CalculatorError, match="file not found"):
        read_matrix_csv(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a\n1\n", "2 or more"),
        ("a,a\n1,1\n", "appears twice"),
        ("a,\n1,1\n", "empty coder name"),
        ("a,b\n", "no unit rows"),
    ],
)
def test_bad_headers(tmp_path, text, message):
    with pytest.raises(CalculatorError, match=message):
        read_matrix_csv(write(tmp_path, "h.csv", text))


def test_unknown_measure_and_level_and_coder_count(tmp_path):
    p = write(tmp_path, "k.csv", K2011_CSV)
    with pytest.raises(CalculatorError, match="valid measures: krippendorff_alpha"):
        calculate_matrix(p, "kappa", "nominal")
    with pytest.raises(CalculatorError, match="valid levels"):
        calculate_matrix(p, "krippendorff_alpha", "metric")
    with pytest.raises(CalculatorError, match=r"k\.csv: fleiss_kappa is defined for nominal data only"):
        calculate_matrix(p, "fleiss_kappa", "ordinal")
    with pytest.raises(CalculatorError, match="exactly 2 coders"):
        calculate_matrix(p, "cohen_kappa", "nominal")


def test_undefined_value_is_reported_not_raised(tmp_path):
    p = write(tmp_path, "flat.csv", "a,b\n0,0\n0,0\n0,\n")
    out = calculate_matrix(p, "krippendorff_alpha", "nominal")
    assert out["value"] is None
    assert out["undefined_reason"].startswith("no variation")


def test_a_coder_column_with_no_value_is_refused_by_name(tmp_path):
    # counted as a third coder it would pass fleiss_kappa's "3 or more" with two coders' data
    p = write(tmp_path, "empty.csv", "ann,ben,cem\n1,1,\n0,1,\n1,1,\n0,0,\n")
    with pytest.raises(CalculatorError, match=r"empty\.csv, column 3 \(cem\): the coder rated no unit"):
        calculate_matrix(p, "fleiss_kappa")


SPANS_CSV = """coder,start,end,category
i,225,295,c
i,370,400,c
j,220,300,c
j,355,375,c
j,400,420,c
i,180,240,k
i,300,350,k
j,180,240,k
j,300,350,k
"""


def test_calculate_spans_reproduces_krippendorff_2004(tmp_path):
    out = calculate_spans(write(tmp_path, "s.csv", SPANS_CSV), 150, 450)
    assert out["measure"] == "unitized_alpha"
    assert round(out["per_category"]["c"], 4) == 0.7286
    assert out["per_category"]["k"] == 1.0
    assert round(out["value"], 6) == 0.858665
    assert out["continuum"] == [150, 450]
    assert out["coders"] == ["i", "j"]
    json.dumps(out)


def test_read_spans_any_column_order(tmp_path):
    p = write(tmp_path, "s.csv", "category,end,coder,start\nq,10,ann,2\n")
    assert read_spans_csv(p) == [Span("ann", 2, 10, "q")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("i,abc,20,c", r"line 3: start 'abc' is not a whole number"),
        ("i,30,20,c", r"line 3: start \(30\) must be smaller than end \(20\)"),
        ("i,2.5,20,c", r"line 3: start '2.5' is not a whole number"),
        (",2,20,c", r"line 3: empty coder"),
    ],
)
def test_bad_span_rows_name_the_line(tmp_path, row, message):
    p = write(tmp_path, "s.csv", f"coder,start,end,category\nj,1,5,c\n{row}\n")
    with pytest.raises(CalculatorError, match=message):
        read_spans_csv(p)


def test_span_outside_continuum_names_the_line(tmp_path):
    p = write(tmp_path, "s.csv", SPANS_CSV)
    with pytest.raises(CalculatorError, match=r"line 7: span 180-240 lies outside the continuum \[200, 450\)"):
        calculate_spans(p, 200, 450)


def test_spans_header_must_have_all_columns(tmp_path):
    p = write(tmp_path, "s.csv", "coder,start,end\ni,1,2\n")
    with pytest.raises(CalculatorError, match="lacks column"):
        read_spans_csv(p)


def test_bootstrap_gives_an_interval_instead_of_being_ignored(tmp_path):
    from cotag.reliability.bootstrap import bootstrap_alpha

    path = write(tmp_path, "k.csv", K2011_CSV)
    out = calculate_matrix(path, "krippendorff_alpha", "interval", bootstrap=500, seed=2)
    _, data = read_matrix_csv(path, "interval")
    ref = bootstrap_alpha(data, n=500, seed=2, level="interval")
    boot = out["bootstrap"]
    assert boot["ci"] == pytest.approx(list(ref.ci)) and boot["method"] == "cluster"
    assert boot["units_resampled"] == 11 and boot["undefined_replicates"] == ref.n_undefined
    assert boot["interval"] == "percentile" and boot["replicates"] == 500 and boot["seed"] == 2
    assert any("fewer than 20" in w for w in boot["warnings"])
    kalpha = calculate_matrix(path, "krippendorff_alpha", "interval", bootstrap=500, seed=2,
                              bootstrap_method="krippendorff")["bootstrap"]
    assert kalpha["method"] == "krippendorff" and kalpha["pairs_per_replicate"] > 0
    assert kalpha["units_resampled"] is None
    conger = calculate_matrix(path, "conger_kappa", bootstrap=300, seed=2)
    kappa = conger["bootstrap"]
    assert kappa["ci"][0] < conger["value"] <= kappa["ci"][1] and kappa["units_resampled"] == 12
    assert calculate_matrix(path, "conger_kappa", bootstrap=300, seed=2)["bootstrap"] == kappa  # seeded
    assert "bootstrap" not in calculate_matrix(path, "conger_kappa")
    with pytest.raises(CalculatorError, match="krippendorff_alpha only"):
        calculate_matrix(path, "fleiss_kappa", bootstrap=10, bootstrap_method="krippendorff")
    with pytest.raises(CalculatorError, match="replicates"):
        calculate_matrix(path, "fleiss_kappa", bootstrap=-1)
    json.dumps(out)
