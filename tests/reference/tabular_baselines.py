"""Reference baselines for the tabular comparison: what a tabular user would run instead of MultiTask.

    /usr/bin/python3 tests/reference/tabular_baselines.py                 # run, write baselines.json
    /usr/bin/python3 tests/reference/tabular_baselines.py --write-folds   # (re)write the fold files first

Cases (5 folds each; the fold files in samples/TabularComparison/data give, per data row and seed,
the held-out fold 0..4 or -1 when the row is never held out, so the C# runner scores the same rows):
  sacramento  tasks log(price) of houses (Residential) and condos (Condo); folds over the condos only,
              houses always train; Multi_Family rows belong to no task. Seeds 1, 2, 3.
  ames        tasks log(Sale_Price) per Bldg_Type; folds within each type. Seeds 1, 2.
  meats       tasks water, fat, protein from the 100 channels. Seeds 1, 2.
Per (case, seed, fold) every method trains on all non-held-out rows of the tasks and is scored by
the RMSE of each task's held-out rows:
  gbdt_per_task  HistGradientBoostingRegressor(random_state=0), one model per task
  gbdt_pooled    the same, one model on all tasks' rows with a one-hot task indicator (not meats:
                 its tasks share the same rows)
  ridge          RidgeCV(alphas=logspace(-6, 6, 49)) on standardised features, per task
  pls            meats only: PLSRegression, components 1..20 chosen by 5-fold CV in the training fold
Summary sd is the sample sd over all (seed, fold) RMSEs. Run time: about 20 s on 2 shared cores
(sklearn 1.2.1).
"""
import argparse
import json
import os

import numpy as np
import pandas as pd
from sklearn.cross_decomposition import PLSRegression
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "samples", "TabularComparison", "data")
FOLDS = 5
SEEDS = {"sacramento": [1, 2, 3], "ames": [1, 2], "meats": [1, 2]}
AMES_TYPES = ["OneFam", "TwnhsE", "Twnhs", "Duplex", "TwoFmCon"]
AMES_RAW = ["Year_Built", "Year_Remod_Add", "Total_Bsmt_SF", "Full_Bath", "Half_Bath", "Bedroom_AbvGr",
            "TotRms_AbvGrd", "Fireplaces", "Garage_Cars", "Garage_Area", "Longitude", "Latitude"]


def load(case):
    """Returns (features, {task: (row mask, target)}, {stratum: row mask} that the folds split)."""
    df = pd.read_csv(os.path.join(DATA, case + ".csv"))
    if case == "sacramento":
        x = np.column_stack([np.log(df.sqft), df.beds, df.baths, df.latitude, df.longitude])
        y = np.log(df.price.to_numpy(float))
        tasks = {"houses": (df.type == "Residential").to_numpy(), "condos": (df.type == "Condo").to_numpy()}
        return x, {t: (m, y) for t, m in tasks.items()}, {"condos": tasks["condos"]}
    if case == "ames":
        x = np.column_stack([np.log(df.Gr_Liv_Area), np.log(df.Lot_Area), df[AMES_RAW].to_numpy(float)])
        y = np.log(df.Sale_Price.to_numpy(float))
        tasks = {t: (df.Bldg_Type == t).to_numpy() for t in AMES_TYPES}
        return x, {t: (m, y) for t, m in tasks.items()}, tasks
    x = df[[f"x_{i:03d}" for i in range(1, 101)]].to_numpy(float)
    every = np.ones(len(df), bool)
    return x, {t: (every, df[t].to_numpy(float)) for t in ["water", "fat", "protein"]}, {"all": every}


def write_folds(case, n, strata):
    """Random balanced folds within each stratum; rows outside every stratum get -1."""
    out = {"row": np.arange(n)}
    for seed in SEEDS[case]:
        rng = np.random.RandomState(seed)
        fold = np.full(n, -1)
        for mask in strata.values():
            idx = rng.permutation(np.flatnonzero(mask))
            fold[idx] = np.arange(len(idx)) % FOLDS
        out[f"seed{seed}"] = fold
    pd.DataFrame(out).to_csv(os.path.join(DATA, f"folds-{case}.csv"), index=False)


def gbdt():
    return HistGradientBoostingRegressor(random_state=0)


def ridge():
    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-6, 6, 49)))


def pls():
    # PLSRegression(scale=True) standardises X (and y) inside each fit, so the inner CV is leak-free.
    return GridSearchCV(PLSRegression(), {"n_components": list(range(1, 21))},
                        cv=KFold(5, shuffle=True, random_state=0), scoring="neg_mean_squared_error")


def rmse(pred, y):
    return float(np.sqrt(np.mean((np.ravel(pred) - y) ** 2)))


def run_fold(case, x, tasks, fold, f):
    """Yields (task, method, rmse) for held-out fold f; `fold` is one seed's fold column."""
    train, test = fold != f, fold == f
    scored = [t for t, (m, _) in tasks.items() if (m & test).any()]
    per_task = {"gbdt_per_task": gbdt, "ridge": ridge} | ({"pls": pls} if case == "meats" else {})
    for t in scored:
        m, y = tasks[t]
        for method, make in per_task.items():
            model = make().fit(x[m & train], y[m & train])
            yield t, method, rmse(model.predict(x[m & test]), y[m & test])
    if case != "meats":
        names = list(tasks)
        onehot = np.column_stack([tasks[t][0] for t in names]).astype(float)
        member = onehot.any(axis=1)
        y = tasks[names[0]][1]  # the pooled cases share one target column
        model = gbdt().fit(np.hstack([x, onehot])[member & train], y[member & train])
        for t in scored:
            m = tasks[t][0] & test
            yield t, "gbdt_pooled", rmse(model.predict(np.hstack([x, onehot])[m]), y[m])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-folds", action="store_true", help="(re)write the fold files before running")
    ap.add_argument("--out", default=os.path.join(DATA, "baselines.json"))
    args = ap.parse_args()
    rows = []
    for case in SEEDS:
        x, tasks, strata = load(case)
        if args.write_folds:
            write_folds(case, len(x), strata)
        folds = pd.read_csv(os.path.join(DATA, f"folds-{case}.csv"))
        assert len(folds) == len(x) and (folds.row.to_numpy() == np.arange(len(x))).all(), case
        for seed in SEEDS[case]:
            fold = folds[f"seed{seed}"].to_numpy()
            for f in range(FOLDS):
                for task, method, score in run_fold(case, x, tasks, fold, f):
                    rows.append({"case": case, "task": task, "method": method, "seed": seed, "fold": f,
                                 "rmse": score})
    res = pd.DataFrame(rows)
    summary = (res.groupby(["case", "task", "method"], sort=False).rmse
               .agg(mean="mean", sd="std", n="count").reset_index())
    with open(args.out, "w") as fh:
        json.dump({"results": rows, "summary": summary.to_dict(orient="records")}, fh, indent=1)
    wide = summary.assign(cell=[f"{m:.4f} ± {s:.4f}" for m, s in zip(summary["mean"], summary.sd)])
    print(wide.pivot_table(index=["case", "task"], columns="method", values="cell", aggfunc="first", sort=False)
          .fillna("").to_string())


if __name__ == "__main__":
    main()
