"""PyTorch (eager, CPU) side of the W1-W4 training benchmarks.

Same shapes, batch sizes, epochs, optimizer and step structure as the engine's
`MultiTask.Benchmarks w1|w2|w3|w4`. Data and models are built outside the timed region; a warm-up of
at least 1.5 s on a separate model comes first. Prints one JSON line per measurement.

    /usr/bin/python3 tests/reference/bench_pytorch.py w1 --threads 1
    /usr/bin/python3 tests/reference/bench_pytorch.py w4 --base W3 --threads 2
"""
import argparse
import csv
import json
import math
import os
import resource
import time

import numpy as np
import torch
import torch.nn as nn

W1 = dict(name="W1", rows=20_000, features=8, epochs=3, batch=64, shared=[64, 64], head=[32], tasks=2, masked=True)
W3 = dict(name="W3", rows=8_192, features=512, epochs=1, batch=256, shared=[1024, 1024, 1024], head=[32], tasks=4, masked=False)


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def warm_up(run):
    """At least 1.5 s of training on a separate model, as on the engine's side."""
    t0 = time.perf_counter()
    run()
    while time.perf_counter() - t0 < 1.5:
        run()


def report(workload, samples, steps, seconds, loss, threads, extra=None):
    row = dict(side="pytorch", threads=threads, workload=workload, samples_per_s=round(samples / seconds, 1),
               step_ms=round(1000 * seconds / steps, 4), steps=steps, peak_mb=round(peak_mb(), 1), final_loss=loss)
    if extra:
        row.update(extra)
    print(json.dumps(row), flush=True)


# ---- W1 / W3 / W4: hard parameter sharing ----

class Mlp:
    def __init__(self, w):
        layers, width = [], w["features"]
        for h in w["shared"]:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.shared = nn.Sequential(*layers)
        self.heads = []
        for _ in range(w["tasks"]):
            hl, hw = [], width
            for h in w["head"]:
                hl += [nn.Linear(hw, h), nn.ReLU()]
                hw = h
            hl.append(nn.Linear(hw, 1))
            self.heads.append(nn.Sequential(*hl))
        self.shared_params = list(self.shared.parameters())
        self.head_params = [list(h.parameters()) for h in self.heads]
        self.opt = torch.optim.Adam(self.shared_params + [p for hp in self.head_params for p in hp], lr=1e-3)


def tabular_data(w, rng):
    x = rng.standard_normal((w["rows"], w["features"])).astype(np.float32)
    ys, ws = [], []
    for _ in range(w["tasks"]):
        coef = rng.standard_normal(w["features"]).astype(np.float32)
        s = x.astype(np.float64) @ coef
        y = (np.sin(s) + 0.1 * s + 0.1 * rng.standard_normal(w["rows"])).astype(np.float32)
        m = (rng.random(w["rows"]) >= 0.3) if w["masked"] else np.ones(w["rows"], bool)
        y[~m] = np.nan
        ys.append(torch.from_numpy(y).unsqueeze(1))
        ws.append(torch.from_numpy(m.astype(np.float32)).unsqueeze(1))
    return torch.from_numpy(x), ys, ws


def masked_mse(pred, y, w):
    """Mean over labelled rows; a missing (NaN) label contributes nothing, an all-missing batch gives 0."""
    diff = torch.where(w != 0, pred - torch.nan_to_num(y), torch.zeros((), dtype=pred.dtype))
    denom = w.sum()
    return (diff * diff * w).sum() / (denom + (denom == 0).float())


def train_mlp(w, model, data, per_task, max_steps):
    x, ys, ws = data
    g = torch.Generator().manual_seed(7)
    steps, last, bs = 0, 0.0, w["batch"]
    for _ in range(w["epochs"]):
        perm = torch.randperm(w["rows"], generator=g)
        for start in range(0, w["rows"] - bs + 1, bs):
            if steps >= max_steps:
                break
            idx = perm[start:start + bs]
            h = model.shared(x[idx])
            losses = []
            for t in range(w["tasks"]):
                pred = model.heads[t](h)
                losses.append(masked_mse(pred, ys[t][idx], ws[t][idx]) if w["masked"]
                              else nn.functional.mse_loss(pred, ys[t][idx]))
            model.opt.zero_grad()
            if not per_task:
                total = sum(losses[1:], losses[0])
                total.backward()
                last = total.item()
            else:
                per_task_gradients(model, losses)
                last = sum(l.item() for l in losses)
            model.opt.step()
            steps += 1
    return steps, last


def per_task_gradients(model, losses):
    shared = model.shared_params
    total = None
    for t, loss in enumerate(losses):
        inputs = shared + model.head_params[t]
        grads = torch.autograd.grad(loss, inputs, retain_graph=t < len(losses) - 1)
        g_shared = grads[:len(shared)]
        total = list(g_shared) if total is None else [a + b for a, b in zip(total, g_shared)]
        for p, gp in zip(model.head_params[t], grads[len(shared):]):
            p.grad = gp
    for p, gp in zip(shared, total):
        p.grad = gp


def time_mlp(w, per_task):
    data = tabular_data(w, np.random.default_rng(1234))
    torch.manual_seed(1)
    warm = Mlp(w)
    warm_up(lambda: train_mlp(w, warm, data, per_task, 50))
    torch.manual_seed(2)
    model = Mlp(w)
    t0 = time.perf_counter()
    steps, loss = train_mlp(w, model, data, per_task, 1 << 62)
    seconds = time.perf_counter() - t0
    return steps, seconds, loss


# ---- W2: MMoE on Ma et al.'s synthetic data ----

D, ROWS, BATCH, EXPERTS, EXPERT_WIDTH = 100, 10_000, 128, 8, 16


class Mmoe(nn.Module):
    def __init__(self):
        super().__init__()
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(D, EXPERT_WIDTH), nn.ReLU()) for _ in range(EXPERTS)])
        self.gates = nn.ModuleList([nn.Linear(D, EXPERTS) for _ in range(2)])
        self.towers = nn.ModuleList([nn.Sequential(nn.Linear(EXPERT_WIDTH, 8), nn.ReLU(), nn.Linear(8, 1)) for _ in range(2)])

    def forward(self, x):
        stacked = torch.stack([e(x) for e in self.experts], 1)
        preds = []
        for t in range(2):
            gate = torch.softmax(self.gates[t](x), -1)
            mixed = (stacked * gate.unsqueeze(-1)).sum(1)
            preds.append(self.towers[t](mixed))
        return preds


def ma_synthetic(rng, p):
    u1, u2 = rng.standard_normal(D), rng.standard_normal(D)
    u1 /= np.linalg.norm(u1)
    u2 -= u2 @ u1 * u1
    u2 /= np.linalg.norm(u2)
    w1, w2 = u1, p * u1 + math.sqrt(1 - p * p) * u2
    alpha, beta = rng.standard_normal(10), rng.standard_normal(10)
    x = rng.standard_normal((ROWS, D)).astype(np.float32)
    ys = []
    for w in (w1, w2):
        s = x.astype(np.float64) @ w
        v = s + np.sin(np.outer(s, alpha) + beta).sum(1) + 0.1 * rng.standard_normal(ROWS)
        ys.append(torch.from_numpy(v.astype(np.float32)).unsqueeze(1))
    return torch.from_numpy(x), ys


def train_mmoe(model, opt, x, ys, epochs, max_steps):
    g = torch.Generator().manual_seed(7)
    steps, last = 0, 0.0
    for _ in range(epochs):
        perm = torch.randperm(ROWS, generator=g)
        for start in range(0, ROWS - BATCH + 1, BATCH):
            if steps >= max_steps:
                break
            idx = perm[start:start + BATCH]
            preds = model(x[idx])
            total = nn.functional.mse_loss(preds[0], ys[0][idx]) + nn.functional.mse_loss(preds[1], ys[1][idx])
            opt.zero_grad()
            total.backward()
            opt.step()
            last = total.item()
            steps += 1
    return steps, last


def time_mmoe(epochs):
    x, ys = ma_synthetic(np.random.default_rng(1234), 0.5)
    torch.manual_seed(1)
    warm = Mmoe()
    warm_opt = torch.optim.Adam(warm.parameters(), lr=1e-3)
    warm_up(lambda: train_mmoe(warm, warm_opt, x, ys, epochs, 50))
    torch.manual_seed(2)
    model = Mmoe()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    steps, loss = train_mmoe(model, opt, x, ys, epochs, 1 << 62)
    return steps, time.perf_counter() - t0, loss


# ---- W5: a whole full-batch fit on a small table, as a plain loop ----

AMES_FEATURES = ["Gr_Liv_Area", "Lot_Area", "Year_Built", "Year_Remod_Add", "Total_Bsmt_SF", "Full_Bath", "Half_Bath",
                 "Bedroom_AbvGr", "TotRms_AbvGrd", "Fireplaces", "Garage_Cars", "Garage_Area", "Longitude", "Latitude"]
AMES_TYPES = ["OneFam", "TwoFmCon", "Duplex", "Twnhs", "TwnhsE"]


def ames():
    """Ames as the library encodes it: features standardised, log price standardised per task, one task per building type."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "TabularComparison", "data", "ames.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in AMES_FEATURES] for r in rows])
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    price = np.log(np.array([float(r["Sale_Price"]) for r in rows]))
    ys, ws = [], []
    for t in AMES_TYPES:
        m = np.array([r["Bldg_Type"] == t for r in rows])
        y = np.where(m, (price - price[m].mean()) / price[m].std(), 0).astype(np.float32)
        ys.append(torch.from_numpy(y).unsqueeze(1))
        ws.append(torch.from_numpy(m.astype(np.float32)).unsqueeze(1))
    return torch.from_numpy(x), ys, ws


def time_fit(epochs):
    x, ys, ws = ames()

    def build():
        shared = nn.Sequential(nn.Linear(x.shape[1], 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        heads = [nn.Linear(32, 1) for _ in AMES_TYPES]
        opt = torch.optim.Adam(list(shared.parameters()) + [p for h in heads for p in h.parameters()], lr=1e-3)
        return shared, heads, opt

    def fit(n):
        shared, heads, opt = build()
        last = 0.0
        for _ in range(n):
            h = shared(x)
            total = sum(masked_mse(head(h), y, w) for head, y, w in zip(heads, ys, ws))
            opt.zero_grad()
            total.backward()
            opt.step()
            last = total.item()
        return last

    warm_up(lambda: fit(20))
    start = time.perf_counter()
    loss = fit(epochs)
    return epochs, time.perf_counter() - start, loss, x.shape[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["w1", "w2", "w3", "w4", "w5"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--base", default="W1")
    ap.add_argument("--epochs", type=int)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    th = a.threads
    if a.workload == "w5":
        steps, sec, loss, rows = time_fit(a.epochs or 300)
        report("W5", steps * rows, steps, sec, loss, th)
        return
    if a.workload == "w2":
        epochs = a.epochs or 5
        steps, sec, loss = time_mmoe(epochs)
        report("W2", steps * BATCH, steps, sec, loss, th)
        return
    w = dict(W3 if (a.workload == "w3" or (a.workload == "w4" and a.base.upper() == "W3")) else W1)
    if a.epochs:
        w["epochs"] = a.epochs
    steps, sec, loss = time_mlp(w, per_task=False)
    report(w["name"], steps * w["batch"], steps, sec, loss, th)
    if a.workload == "w4":
        plain_ms = 1000 * sec / steps
        steps, sec, loss = time_mlp(w, per_task=True)
        report("W4-" + w["name"], steps * w["batch"], steps, sec, loss, th,
               dict(tasks=w["tasks"], plain_step_ms=round(plain_ms, 4),
                    overhead=round(1000 * sec / steps / (w["tasks"] * plain_ms), 4)))


if __name__ == "__main__":
    main()
