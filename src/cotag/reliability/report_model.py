"""The agreement report as data: per-code rows in two views, pooled figures, intervals and their footing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from cotag.reliability.measures import (
    BinaryTable,
    MeasureResult,
)


THRESHOLD = 0.667
VIEWS: tuple[str, ...] = ("all", "coded")
FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "methods")
CLUSTERS: tuple[str, ...] = ("unit", "turn", "document")


@dataclass
class Interval:
    """A bootstrap percentile interval with the chance that alpha lies below each threshold, and its footing.

    method: "cluster" (case resampling of `clusters` units, turns or documents) or
    "krippendorff" (Krippendorff's 2013b pair resampling, `pairs` pairs per replicate).
    note: why the estimate lies outside the interval, when it does.
    """

    lo: float | None
    hi: float | None
    p_below: dict[float, float]
    n: int
    n_undefined: int
    method: str = "cluster"
    clusters: int | None = None
    pairs: int | None = None
    median: float | None = None
    note: str | None = None

    @property
    def undefined_share(self) -> float:
        return self.n_undefined / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "p_below": {f"{k:.3f}": v for k, v in self.p_below.items()},
                "replicates": self.n, "undefined_replicates": self.n_undefined, "method": self.method,
                "clusters_resampled": self.clusters, "pairs_per_replicate": self.pairs, "median": self.median,
                "note": self.note}


@dataclass
class CodeRow:
    """One code in one view."""

    code: str
    alpha: MeasureResult
    kappa: MeasureResult
    kappa_name: str
    ac1: MeasureResult
    percent: MeasureResult
    prevalence: float | None
    counts: BinaryTable
    pairable: int
    ci: Interval | None = None
    u_alpha: float | None = None
    u_alpha_reason: str | None = None
    fleiss: MeasureResult | None = None  # with 3+ coders, Fleiss' kappa beside the Conger's shown

    @property
    def undefined_reason(self) -> str | None:
        return self.alpha.undefined_reason

    @property
    def below(self) -> bool:
        return self.alpha.value is not None and self.alpha.value < THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "alpha": self.alpha.value,
            "undefined_reason": self.alpha.undefined_reason,
            self.kappa_name: self.kappa.value,
            "kappa_undefined_reason": self.kappa.undefined_reason,
            "gwet_ac1": self.ac1.value,
            "percent_agreement": self.percent.value,
            "prevalence": self.prevalence,
            "both": self.counts.both, "only_a": self.counts.only_a,
            "only_b": self.counts.only_b, "neither": self.counts.neither,
            "pairable_units": self.pairable,
            "ci": self.ci.to_dict() if self.ci else None,
            "below_threshold": self.below,
        }
        if self.fleiss is not None:
            out["fleiss_kappa"] = self.fleiss.value
        if self.u_alpha is not None or self.u_alpha_reason is not None:
            out["u_alpha"] = self.u_alpha
            out["u_alpha_undefined_reason"] = self.u_alpha_reason
        return out


@dataclass
class ViewReport:
    """All codes in one view, with its denominator named, and the pooled figures.

    pooled: the headline, over the codes with variation in this view; `excluded` names the
    codes left out and why.  pooled_all: the same over every code (descriptive: codes that
    never vary add agreement that nobody had to reach).
    """

    view: str
    denominator: str
    n_units: int
    rows: list[CodeRow]
    pooled: MeasureResult
    pooled_ci: Interval | None
    mean_alpha: float | None
    mean_kappa: float | None
    n_defined: int
    pooled_all: MeasureResult | None = None
    pooled_all_ci: Interval | None = None
    excluded: list[tuple[str, str]] = field(default_factory=list)
    clusters: int | None = None  # clusters the bootstrap resampled (cluster method)
    warnings: list[str] = field(default_factory=list)

    @property
    def pooled_codes(self) -> int:
        return len(self.rows) - len(self.excluded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "denominator": self.denominator,
            "n_units": self.n_units,
            "codes": [r.to_dict() for r in self.rows],
            "pooled_alpha": self.pooled.value,
            "pooled_undefined_reason": self.pooled.undefined_reason,
            "pooled_decisions": self.pooled.n_units,
            "pooled_codes": self.pooled_codes,
            "pooled_ci": self.pooled_ci.to_dict() if self.pooled_ci else None,
            "pooled_excluded_codes": [{"code": c, "reason": r} for c, r in self.excluded],
            "pooled_alpha_all_codes": self.pooled_all.value if self.pooled_all else None,
            "pooled_all_codes_decisions": self.pooled_all.n_units if self.pooled_all else None,
            "pooled_all_codes_ci": self.pooled_all_ci.to_dict() if self.pooled_all_ci else None,
            "mean_alpha": self.mean_alpha,
            "mean_kappa": self.mean_kappa,
            "codes_with_defined_alpha": self.n_defined,
            "bootstrap_clusters": self.clusters,
            "warnings": list(self.warnings),
        }


@dataclass
class AgreementReport:
    kind: str
    rule: str
    coders: list[str]
    coded: dict[str, list[str]]
    documents: list[str]
    views: dict[str, ViewReport]
    bootstrap: int
    seed: int | None
    cluster: str
    kappa_name: str
    bootstrap_method: str = "cluster"
    u_alpha: float | None = None
    u_alpha_reason: str | None = None
    threshold: float = THRESHOLD
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.kind,
            "rule": self.rule,
            "coders": self.coders,
            "documents_coded": {c: len(d) for c, d in self.coded.items()},
            "documents": self.documents,
            "kappa": self.kappa_name,
            "bootstrap": {"replicates": self.bootstrap, "seed": self.seed, "method": self.bootstrap_method,
                          "interval": "percentile, 95%",
                          "resampled": self.cluster if self.bootstrap_method == "cluster" else "pairs of values"}
            if self.bootstrap else None,
            "threshold": self.threshold,
            "u_alpha": self.u_alpha,
            "u_alpha_undefined_reason": self.u_alpha_reason,
            "u_alpha_documents": self.extra.get("u_alpha_documents"),
            "views": {k: v.to_dict() for k, v in self.views.items()},
        }

    def below_threshold(self, view: str = "all") -> list[str]:
        return [r.code for r in self.views[view].rows if r.below]


