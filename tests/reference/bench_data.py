#!/usr/bin/env python3
"""The pandas + scikit-learn side of the data-pipeline benchmark (dotnet run -c Release --project tests/MultiTask.Benchmarks -- data).

Reads the benchmark's CSV, standardises the numeric columns, one-hot encodes the categorical ones, and builds the
float32 feature matrix and each task's standardised targets and label mask — the work FeatureEncoder.Fit and Transform
do. Prints "seconds peak_mb" (peak resident memory, VmHWM), as the library's run does.

Run with Debian's packages (python3-pandas, python3-sklearn): /usr/bin/python3 tests/reference/bench_data.py FILE.csv
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(path):
    start = time.perf_counter()
    frame = pd.read_csv(path)
    numeric = [c for c in frame.columns if c.startswith("x")]
    categorical = [c for c in frame.columns if c.startswith("c")]
    encoder = ColumnTransformer([
        ("numeric", StandardScaler(), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32), categorical),
    ])
    features = encoder.fit_transform(frame).astype(np.float32, copy=False)
    targets = {}
    for task in ("price", "sold"):
        values = frame[task].to_numpy(dtype=np.float64)
        mask = ~np.isnan(values)
        if task == "price":
            labelled = values[mask]
            values = (values - labelled.mean()) / labelled.std()
        targets[task] = (np.where(mask, values, 0).astype(np.float32), mask.astype(np.float32))
    elapsed = time.perf_counter() - start
    assert features.shape[0] == len(frame) and len(targets) == 2
    print(f"{elapsed!r} {peak_mb()!r}")


if __name__ == "__main__":
    main(sys.argv[1])
