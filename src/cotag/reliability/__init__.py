"""Intercoder reliability: agreement coefficients, unitized alpha, bootstrap intervals, CSV calculator.

The modules here are pure computation on numpy arrays (no storage, no UI); see
docs/agreement.md for the formulas, their sources and how missing data are handled.
"""

from cotag.reliability.bootstrap import BootstrapResult, bootstrap_alpha
from cotag.reliability.measures import (
    LEVELS,
    MEASURES,
    BinaryTable,
    MeasureResult,
    binary_table,
    compute,
    krippendorff_alpha,
    pooled_alpha,
    prevalence,
)
from cotag.reliability.unitized import Span, UnitizedResult, unitized_alpha, unitized_alpha_per_category

__all__ = [
    "LEVELS",
    "MEASURES",
    "BinaryTable",
    "BootstrapResult",
    "MeasureResult",
    "Span",
    "UnitizedResult",
    "binary_table",
    "bootstrap_alpha",
    "compute",
    "krippendorff_alpha",
    "pooled_alpha",
    "prevalence",
    "unitized_alpha",
    "unitized_alpha_per_category",
]
