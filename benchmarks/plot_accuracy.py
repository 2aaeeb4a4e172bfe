r"""Plot the results of ``accuracy.py`` for the docs.

Usage (from the repository root)::

    python benchmarks/plot_accuracy.py benchmarks/accuracy.json \\
        benchmarks/accuracy-ablation.json docs/_static/accuracy.png

Left: the mean test R² over the folds of each data set (bars: ± one
standard deviation over folds) for TabularMLPRegressor, HGB and
MLPRegressor. Right: each ablation row's R² minus MLPRegressor's, one dot
per data set, with the median as a bar. Prints the tables of the docs page
(reStructuredText) too.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

MAIN = {
    "tabular": "TabularMLPRegressor",
    "hgb": "HistGradientBoosting",
    "mlp": "MLPRegressor pipeline",
}


def merged(paths):
    """Merge the per-set model records of every JSON file, by data set."""
    sets = {}
    for path in paths:
        for name, record in json.loads(Path(path).read_text())["datasets"].items():
            sets.setdefault(name, {}).update(record["models"])
    return sets


def _mean(sets, name, model):
    return np.mean(sets[name][model]["r2"])


def plot(sets, out):
    names = list(sets)
    ablations = [m for m in next(iter(sets.values())) if m.startswith("+")]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 0.45 * len(names) + 2), width_ratios=(3, 2)
    )
    positions = np.arange(len(names))
    for i, (model, label) in enumerate(MAIN.items()):
        means = [_mean(sets, n, model) for n in names]
        stds = [np.std(sets[n][model]["r2"]) for n in names]
        left.barh(positions + (i - 1) * 0.27, means, 0.27, xerr=stds, label=label)
    left.set_yticks(positions, names)
    left.invert_yaxis()
    left.set_xlabel("test R² (5-fold CV, mean ± std)")
    left.set_xlim(0, 1)
    left.legend(loc="lower right", fontsize="small")
    for j, model in enumerate(ablations):
        gains = [_mean(sets, n, model) - _mean(sets, n, "mlp") for n in names]
        right.scatter(gains, np.full(len(gains), j), s=12, alpha=0.6)
        right.plot([np.median(gains)] * 2, [j - 0.3, j + 0.3], color="black")
    right.axvline(0, color="grey", linewidth=0.8)
    right.set_yticks(range(len(ablations)), ablations)
    right.invert_yaxis()
    right.set_xlabel("R² minus MLPRegressor's, per data set\n(bar: median)")
    right.set_xlim(-0.1, 0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def tables(sets):
    """Print the docs page's tables as reStructuredText list-tables."""
    names = list(sets)
    print(".. list-table::\n   :header-rows: 1\n")
    print("   * - data set\n" + "".join(f"     - {m}\n" for m in MAIN), end="")
    for name in names:
        cells = [
            f"{_mean(sets, name, m):.3f} ± {np.std(sets[name][m]['r2']):.3f}"
            for m in MAIN
        ]
        print(f"   * - {name}\n" + "".join(f"     - {c}\n" for c in cells), end="")
    print("\nfit seconds (mean per fold):")
    for name in names:
        cells = [f"{np.mean(sets[name][m]['fit_seconds']):.2f}" for m in MAIN]
        print(f"{name:12s} " + " ".join(f"{c:>8s}" for c in cells))
    totals = [sum(np.sum(sets[n][m]["fit_seconds"]) for n in names) for m in MAIN]
    print("total        " + " ".join(f"{t:8.1f}" for t in totals))
    ablations = [m for m in next(iter(sets.values())) if m.startswith("+")]
    for model in ablations:
        gains = [_mean(sets, n, model) - _mean(sets, n, "mlp") for n in names]
        seconds = sum(np.sum(sets[n][model]["fit_seconds"]) for n in names)
        print(
            f"{model:14s} median gain {np.median(gains):+.4f}, better on "
            f"{sum(g > 0 for g in gains)}/{len(gains)}, total fit {seconds:.1f} s"
        )


if __name__ == "__main__":
    *inputs, output = sys.argv[1:]
    results = merged(inputs)
    tables(results)
    plot(results, output)
