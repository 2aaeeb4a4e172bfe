"""Plot the results of bench.py.

Usage::

    python benchmarks/plot.py results.json [docs/_static/benchmarks.png]

It also prints the results as a Markdown table (for the README) and as a
reStructuredText table (for docs/benchmarks.rst).

Left: the speed-up, MLPRegressor's seconds over BackpropRegressor's (median
over repetitions), per workload, dtype and BLAS thread setting, with the
targets of the 1-thread runs as ticks. Right: BackpropRegressor's matmul
throughput as a fraction of the matmul peak measured in the same run.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "P")
#: Targets for the 1-thread ratio, (float64, float32).
TARGETS = {
    "W1": (3.0, 3.0),
    "W2": (1.4, 1.6),
    "W3": (1.1, 1.3),
    "W4": (1.5, 1.5),
    "W5": (2.5, 2.5),
    "P": (1.0, 1.0),
}
SERIES = (
    ("1", "float64"),
    ("1", "float32"),
    ("default", "float64"),
    ("default", "float32"),
)


def rows(data):
    """Yield one row of table cells per result."""
    for r in data["results"]:
        threads = "1" if r["threads"] == "1" else f"default ({r['blas_threads']})"
        if r["workload"] == "P":
            o, s = r["ours"], r["sklearn"]
            ours = f"{o['seconds']:.1f} s, +{o['peak_extra_bytes'] / 2**30:.2f} GiB"
            theirs = f"{s['seconds']:.1f} s, +{s['peak_extra_bytes'] / 2**30:.2f} GiB"
            yield (
                f"P ({o['n_rows']:,} / {s['n_rows']:,} rows)",
                r["dtype"],
                threads,
                ours,
                theirs,
                f"{r['ratio']:.2f}x at {r['ratio_rows']:,} rows",
                "",
            )
            continue
        unit = "ms/eval" if r["per"] == "evaluation" else "ms/epoch"
        yield (
            f"{r['workload']} ({unit})",
            r["dtype"],
            threads,
            f"{r['ours']['median'] * 1e3:.1f}",
            f"{r['sklearn']['median'] * 1e3:.1f}",
            f"{r['ratio']:.2f}x",
            f"{100 * r['fraction_of_peak']:.0f}%",
        )


HEADER = ("workload", "dtype", "BLAS threads", "ours", "MLPRegressor", "ratio", "peak")


def markdown(data):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(data)]
    return "\n".join(lines)


def rst(data):
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in (HEADER, *rows(data)):
        lines.append("   * - " + row[0])
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines)


def main():
    source = Path(sys.argv[1])
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/_static/benchmarks.png")
    data = json.loads(source.read_text())
    results = {(r["threads"], r["dtype"], r["workload"]): r for r in data["results"]}
    machine = data["machine"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    x = np.arange(len(WORKLOADS))
    width = 0.2
    for i, (threads, dtype) in enumerate(SERIES):
        label = f"{dtype}, {'1 BLAS thread' if threads == '1' else 'default threads'}"
        ratios = [
            results.get((threads, dtype, w), {}).get("ratio", np.nan) for w in WORKLOADS
        ]
        left.bar(x + (i - 1.5) * width, ratios, width, label=label)
        peaks = [
            100 * results.get((threads, dtype, w), {}).get("fraction_of_peak", np.nan)
            for w in WORKLOADS[:-1]
        ]
        right.bar(x[:-1] + (i - 1.5) * width, peaks, width, label=label)
    for j, w in enumerate(WORKLOADS):
        for k, goal in enumerate(TARGETS[w]):
            offset = (k - 1.5) * width
            left.plot(
                [j + offset - width / 2, j + offset + width / 2],
                [goal, goal],
                color="black",
                linewidth=2,
            )
    # Log scale: MLPRegressor's stalls at 2 threads reach tens of times.
    left.set_yscale("log")
    ticks = [0.5, 1, 1.5, 2, 3, 5, 10, 20, 50]
    left.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    left.minorticks_off()
    left.axhline(1.0, color="grey", linewidth=0.8)
    left.set_xticks(x, WORKLOADS)
    left.set_ylabel("MLPRegressor time / BackpropRegressor time")
    left.set_title("Speed-up (higher is better; black ticks: 1-thread targets)")
    left.legend(fontsize=8)
    right.set_xticks(x[:-1], WORKLOADS[:-1])
    right.set_ylabel("% of measured matmul peak")
    right.set_title("BackpropRegressor's matmul throughput")
    right.axhline(85, color="black", linestyle="--", linewidth=0.8)
    fig.suptitle(
        f"{machine['cpu']}, {machine['cores']} cores; numpy {machine['numpy']}, "
        "OpenBLAS "
        + " and ".join(sorted({b["version"] for b in machine["blas"]}))
        + f" ({machine['blas'][0]['architecture']} kernel); default = "
        f"{machine['blas'][0]['default_threads']} BLAS threads; "
        f"load average {machine['loadavg_start'][0]:.1f} at start",
        fontsize=9,
    )
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    print(f"wrote {target}\n")
    print(markdown(data), end="\n\n")
    print(rst(data))


if __name__ == "__main__":
    main()
