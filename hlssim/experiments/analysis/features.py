"""Feature scoring: how much each factor matters to each output, by extra-trees (scikit-learn).

EMA Workbench's ``feature_scoring`` in the form its users know: an ``ExtraTreesRegressor`` fitted
to each output's per-point means over the numeric factors that vary; a factor's score is its
impurity-based importance (the scores of an output sum to 1). Unlike variance-based indices it
needs no particular sampler, so it is given for every sweep, grid and Latin hypercube alike; it
ranks factors, it does not apportion variance. With ``compare``, each regime is scored on its
own points. The forest is seeded, so the scores are the same every time.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> means = pd.DataFrame({"a": rng.random(200), "b": rng.random(200), "output": "y:final"})
>>> means["mean"] = means["a"] ** 2
>>> scores = feature_scores(means, ["a", "b"], ["y:final"])
>>> scores.sort_values("score", ascending=False)["factor"].tolist()
['a', 'b']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Fewer points than this give no scores (a forest on a handful of points ranks noise).
MIN_POINTS = 20
TREES = 250
SCORE_COLUMNS = ("output", "subset", "factor", "score")


def feature_scores(means: pd.DataFrame, factors: list[str], outputs: list[str],
                   regimes: list[str] | None = None) -> pd.DataFrame:
    """Extra-trees scores per output (and per regime, if ``regimes``): columns ``output``,
    ``subset`` (the regime, or ``all``), ``factor``, ``score``. Outputs with fewer than
    ``MIN_POINTS`` points, no varying factor or a constant value get no rows."""
    from sklearn.ensemble import ExtraTreesRegressor

    rows = []
    groups = [(r, means[means["preset"] == r]) for r in regimes] if regimes else [("all", means)]
    for output in outputs:
        for label, part in groups:
            m = part[part["output"] == output]
            used = [f for f in factors if pd.api.types.is_numeric_dtype(m[f]) and m[f].nunique() > 1]
            y = m["mean"].to_numpy(dtype=float)
            if len(m) < MIN_POINTS or not used or np.nanstd(y) == 0 or np.isnan(y).any():
                continue
            x = m[used].to_numpy(dtype=float)
            forest = ExtraTreesRegressor(n_estimators=TREES, max_features=0.6, random_state=0,
                                         n_jobs=1).fit(x, y)
            rows += [(output, label, f, float(s)) for f, s in zip(used, forest.feature_importances_)]
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def scores_figure(scores: pd.DataFrame, path) -> None:
    """A heat map of the scores: outputs (and regimes) down, factors across, each cell labelled."""
    import matplotlib.pyplot as plt

    from hlssim.figures.report_figures import save_figure

    scores = scores.assign(row=[o if s == "all" else f"{o} ({s})"
                                for o, s in zip(scores["output"], scores["subset"])])
    table = scores.pivot_table(index="row", columns="factor", values="score", sort=False)
    fig, ax = plt.subplots(figsize=(1.8 + 1.1 * table.shape[1], 1.2 + 0.42 * table.shape[0]))
    image = ax.imshow(table.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=8)
    ax.set_xlabel("factor", fontsize=8)
    ax.set_ylabel("output (regime)", fontsize=8)
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if v < 0.6 else "black")
    fig.colorbar(image, ax=ax, label="extra-trees score (share of importance, sums to 1 a row)")
    ax.set_title("Feature scores: which factors each output depends on", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
