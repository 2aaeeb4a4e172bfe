"""How TabularMLPRegressor's defaults were chosen: variants on the development sets.

Usage (from the repository root, with the ``benchmarks`` extra)::

    python benchmarks/tabular_defaults.py [--variants "a;b"] [--datasets a,b]
                                          [--json out.json]

Each variant changes one or more parameters of a starting point
(``START``, the RealMLP-like first guess: two hidden layers of 256, peak
learning rate 0.002, weight decay 0.1, with the other parameters at the
defaults of that time); every variant runs 5-fold CV (as ``accuracy.py``,
one BLAS thread) on ``accuracy.DEV_DATASETS``, which are not among the
benchmark's sets (rounds one to four ran on its first four sets, with
``--datasets tenmile,hlm_wages,medexp,deliveries``; round five on all
eleven). The table gives the mean R² per set, the mean over sets and the
total fit time.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import DEV_DATASETS, N_FOLDS, SEED, load, run_model

from skmlp import PeriodicEmbedding, PiecewiseLinearEmbedding, TabularMLPRegressor

#: Where the search started. The defaults chosen, from the results in
#: ``tabular-defaults.log``: "(512,) lr=1e-3 wd=1" in round two, the
#: piecewise linear encoding on 8 bins in round four, and no validation
#: split with 40 epochs in round five. Without an embedding, and with the
#: validation split and 60 epochs, as the first three rounds ran.
START = {
    "hidden_layer_sizes": (256, 256),
    "learning_rate_init": 0.002,
    "weight_decay": 0.1,
    "numeric_embedding": None,
    "early_stopping": True,
    "max_iter": 60,
}

#: The choice of the second round.
CHOSEN = {"hidden_layer_sizes": (512,), "learning_rate_init": 1e-3, "weight_decay": 1.0}

#: The defaults after round four: ``CHOSEN``, the embedding 'auto', and
#: the validation split of that time (round five chose early_stopping='auto'
#: and max_iter=40: the "r4 no_val it=40" row, on sets of at most 10,000
#: rows).
ROUND_4 = {
    **CHOSEN,
    "numeric_embedding": "auto",
    "early_stopping": True,
    "max_iter": 60,
}

#: name: parameters changed from ``START``.
VARIANTS = {
    "start": {},
    "quantile": {"numeric_transform": "quantile"},
    "standard": {"numeric_transform": "standard"},
    "lr=1e-3": {"learning_rate_init": 1e-3},
    "lr=4e-3": {"learning_rate_init": 4e-3},
    "wd=0": {"weight_decay": 0.0},
    "wd=1": {"weight_decay": 1.0},
    "constant_lr": {"learning_rate": "constant"},
    "beta_2=0.999": {"beta_2": 0.999},
    "(128,128)": {"hidden_layer_sizes": (128, 128)},
    "(512,)": {"hidden_layer_sizes": (512,)},
    "(256,256,256)": {"hidden_layer_sizes": (256, 256, 256)},
    "silu": {"activation": "silu"},
    "max_iter=30": {"max_iter": 30},
    "max_iter=120": {"max_iter": 120},
    "batch=128": {"batch_size": 128},
    "batch=512": {"batch_size": 512},
    # Second round: the best single changes together.
    "(512,) lr=1e-3": {"hidden_layer_sizes": (512,), "learning_rate_init": 1e-3},
    "(512,) lr=1e-3 silu": {
        "hidden_layer_sizes": (512,),
        "learning_rate_init": 1e-3,
        "activation": "silu",
    },
    "(512,) lr=1e-3 wd=1": {
        "hidden_layer_sizes": (512,),
        "learning_rate_init": 1e-3,
        "weight_decay": 1.0,
    },
    "(512,) lr=1e-3 it=30": {
        "hidden_layer_sizes": (512,),
        "learning_rate_init": 1e-3,
        "max_iter": 30,
    },
    "(128,128) lr=1e-3": {"hidden_layer_sizes": (128, 128), "learning_rate_init": 1e-3},
    # Third round, after the benchmark's first run (see the docs page): the
    # defaults of round two, with max_categories=100 instead of 32, and with
    # 60 or 120 epochs.
    "round 3": {**CHOSEN, "max_categories": 100},
    "round 3 it=120": {**CHOSEN, "max_categories": 100, "max_iter": 120},
    # Fourth round: the numeric embeddings and the ensembles on the defaults
    # of round three. Chosen: "r3 +ple8" (numeric_embedding='auto'), the
    # best mean but for PLR-lite, which took ten times as long to fit.
    "r3 +ple": {**CHOSEN, "numeric_embedding": "piecewise_linear"},
    "r3 +ple16": {**CHOSEN, "numeric_embedding": PiecewiseLinearEmbedding(16)},
    "r3 +ple8": {**CHOSEN, "numeric_embedding": PiecewiseLinearEmbedding(8)},
    "r3 +ens4": {**CHOSEN, "n_ensemble": 4},
    "r3 +plr-lite": {
        **CHOSEN,
        "numeric_embedding": PeriodicEmbedding(
            n_frequencies=16, embedding_dim=16, lite=True
        ),
    },
    # Round five, on the eleven development sets: changes of the defaults.
    "r4": ROUND_4,
    "r4 no_val": {**ROUND_4, "validation_fraction": 0.0},
    "r4 ens4": {**ROUND_4, "n_ensemble": 4},
    "r4 it=100": {**ROUND_4, "max_iter": 100},
    "r4 ple16": {
        **ROUND_4,
        "numeric_embedding": PiecewiseLinearEmbedding(n_bins=16),
    },
    "r4 lr=2e-3": {**ROUND_4, "learning_rate_init": 2e-3},
    "r4 none": {**ROUND_4, "numeric_embedding": None},
    "r4 ens2": {**ROUND_4, "n_ensemble": 2},
    "r4 no_val it=40": {**ROUND_4, "validation_fraction": 0.0, "max_iter": 40},
    "r4 no_val it=30": {**ROUND_4, "validation_fraction": 0.0, "max_iter": 30},
    "r4 no_val it=50": {**ROUND_4, "validation_fraction": 0.0, "max_iter": 50},
    "r4 no_val ens2 it=40": {
        **ROUND_4,
        "validation_fraction": 0.0,
        "max_iter": 40,
        "n_ensemble": 2,
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", help="names separated by semicolons")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--datasets", help="development sets, comma-separated")
    args = parser.parse_args(argv)
    names = args.variants.split(";") if args.variants else list(VARIANTS)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    sets = args.datasets.split(",") if args.datasets else list(DEV_DATASETS)
    data = {name: load(name, DEV_DATASETS[name], 10_000)[:2] for name in sets}
    results = {}
    with threadpool_limits(1):
        for variant in names:
            params = {**START, **VARIANTS[variant]}
            results[variant] = {}
            for name, (X, y) in data.items():
                folds = list(KFold(N_FOLDS, shuffle=True, random_state=SEED).split(X))
                results[variant][name] = run_model(
                    lambda params=params: TabularMLPRegressor(
                        random_state=SEED, **params
                    ),
                    X,
                    y,
                    folds,
                )
            r2 = [np.mean(r["r2"]) for r in results[variant].values()]
            seconds = sum(np.sum(r["fit_seconds"]) for r in results[variant].values())
            print(
                f"{variant:14s} "
                + " ".join(f"{value:7.4f}" for value in r2)
                + f"  mean {np.mean(r2):.4f}  fit {seconds:6.1f} s",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"{time.perf_counter() - start:.0f} s")
