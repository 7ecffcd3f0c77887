#!/usr/bin/env python3
"""Writes tests/MultiTask.Tests/Goldens/ridge.json: scikit-learn RidgeCV (leave-one-out over an
alpha grid, intercept) on small random problems, for RidgeRegression's tests.

Run with Debian's python3-sklearn: /usr/bin/python3 tests/reference/make_linear_goldens.py
"""
import json
import os

import numpy as np
from sklearn.linear_model import RidgeCV

ALPHAS = [10.0 ** (-6 + i * 0.25) for i in range(49)]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "MultiTask.Tests", "Goldens", "ridge.json")


def case(name, n, d, seed, collinear=False):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, d).astype(np.float32)
    if collinear:
        x[:, 1] = x[:, 0] + np.float32(1e-3) * x[:, 1]
    w = rng.randn(d)
    y = x.astype(np.float64) @ w + 0.5 * rng.randn(n) + 3.0
    model = RidgeCV(alphas=ALPHAS).fit(x.astype(np.float64), y)
    return {
        "name": name, "rows": n, "columns": d,
        "x": [float(v) for v in x.ravel()], "y": [float(v) for v in y],
        "alpha": float(model.alpha_), "coef": [float(v) for v in model.coef_],
        "intercept": float(model.intercept_),
    }


cases = [
    case("primal_40x5", 40, 5, 1),
    case("dual_12x30", 12, 30, 2),
    case("collinear_60x8", 60, 8, 3, collinear=True),
]
with open(OUT, "w") as f:
    json.dump({"alphas": ALPHAS, "cases": cases}, f, indent=1)
print("wrote", OUT)
