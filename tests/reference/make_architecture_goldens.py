#!/usr/bin/env python3
"""Writes tests/MultiTask.Tests/Goldens/architectures.json: the outputs of the expert architectures, and the gradient of
every parameter of a fixed scalar loss, for fixed weights and a fixed input.

Each model is written here from its paper in float64 PyTorch, independently of the C# code:
  * MMoE (Ma et al., KDD 2018) with softmax gates;
  * CGC and two-level PLE (Tang et al., RecSys 2020), with the gate inputs of the paper and of DeepCTR's PLE: a task's
    experts and gate read the task's previous mixture, the shared experts and the shared gate the previous shared
    mixture; a task gate mixes [the task's own experts, the shared experts], the shared gate [every task's experts in
    task order, the shared experts];
  * MMoE with per-example DSelect-k gates (Hazimeh et al., NeurIPS 2021), following the authors' reference
    implementation (smooth step, binary codes most significant digit first, softmax selector weights), with five
    experts, so that one of the eight codes reaches no expert and the reachability term is active.

Weights are drawn here (uniform, rounded to float32) and written under the C# parameter names; the loss is the sum of
every task's squared outputs, plus, for DSelect-k, the gates' regulariser: λ·(−Σ r·log(r + 1e-6)) and
Σ_i (1/Σ_e r_i(e) − 1), both averaged over the examples.

Run with Debian's packages: /usr/bin/python3 tests/reference/make_architecture_goldens.py
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "MultiTask.Tests", "Goldens", "architectures.json")

TASKS = [("a", 1), ("b", 2)]
FEATURES = 5
ROWS = 6


class Weights:
    """Named float32-rounded parameters, drawn in order of creation."""

    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)
        self.params = {}

    def tensor(self, name, shape, scale):
        values = self.rng.uniform(-scale, scale, size=shape).astype(np.float32)
        t = torch.tensor(values.astype(np.float64), requires_grad=True)
        self.params[name] = t
        return t

    def linear(self, name, n_in, n_out, scale=None):
        scale = scale if scale is not None else 1 / math.sqrt(n_in)
        return (self.tensor(name + ".weight", (n_out, n_in), scale), self.tensor(name + ".bias", (n_out,), scale))


def dense(x, wb):
    return x @ wb[0].T + wb[1]


def mlp(w, name, n_in, hidden, n_out=None):
    """Hidden layers Linear → ReLU (positions 0, 2, …), then an optional output Linear, named as a Sequential."""
    layers = []
    width = n_in
    for i, h in enumerate(hidden):
        layers.append(("relu", w.linear(f"{name}.{2 * i}", width, h)))
        width = h
    if n_out is not None:
        layers.append(("linear", w.linear(f"{name}.{2 * len(hidden)}", width, n_out)))

    def run(x, margins):
        for kind, wb in layers:
            x = dense(x, wb)
            if kind == "relu":
                margins.append(x.detach().abs().min().item())
                x = torch.relu(x)
        return x
    return run


def mix(experts, weights):
    """experts: list of [batch, width]; weights: [batch, n]."""
    return sum(weights[:, e:e + 1] * experts[e] for e in range(len(experts)))


def softmax_gate(w, name, n_in, n):
    wb = w.linear(name + ".linear", n_in, n)
    return lambda x: torch.softmax(dense(x, wb), dim=1)


def smooth_step(t, gamma):
    return torch.where(t <= -gamma / 2, torch.zeros_like(t),
                       torch.where(t >= gamma / 2, torch.ones_like(t), -2 / gamma ** 3 * t ** 3 + 3 / (2 * gamma) * t + 0.5))


def dselect_gate(w, name, n_in, n, k, gamma, lam, penalties):
    m = math.ceil(math.log2(n))
    z = w.linear(name + ".z_logits", n_in, k * m, scale=0.2)
    wl = w.linear(name + ".w_logits", n_in, k, scale=0.5)
    codes = torch.tensor(np.array([list(np.binary_repr(e, width=m)) for e in range(n)]).astype(bool))  # [n, m]

    def run(x):
        s = smooth_step(dense(x, z).reshape(-1, k, 1, m), gamma)  # [B, k, 1, m]
        r = torch.where(codes.unsqueeze(0).unsqueeze(0), s, 1 - s).prod(dim=3)  # [B, k, n]
        sel = torch.softmax(dense(x, wl), dim=1)  # [B, k]
        weights = (sel.unsqueeze(2) * r).sum(dim=1)  # [B, n]
        batch = x.shape[0]
        penalty = lam * (-(r * torch.log(r + 1e-6)).sum()) / batch
        if n != 2 ** m:
            penalty = penalty + (1 / r.sum(dim=-1) - 1).sum() / batch
        penalties.append(penalty)
        return weights
    return run


def mmoe(w, gate_kind, experts, expert_hidden, tower_hidden, dselect=None):
    penalties = []
    nets = [mlp(w, f"experts.{e}", FEATURES, expert_hidden) for e in range(experts)]
    width = expert_hidden[-1]
    gates, towers = {}, {}
    for t, size in TASKS:
        if gate_kind == "softmax":
            gates[t] = softmax_gate(w, f"gates.{t}", FEATURES, experts)
        else:
            gates[t] = dselect_gate(w, f"gates.{t}", FEATURES, experts, penalties=penalties, **dselect)
        towers[t] = mlp(w, f"towers.{t}", width, tower_hidden, size)

    def run(x, margins):
        outs = [net(x, margins) for net in nets]
        return {t: towers[t](mix(outs, gates[t](x)), margins) for t, _ in TASKS}, penalties
    return run


def ple(w, levels, shared_count, task_count, expert_hidden, tower_hidden):
    width_in = FEATURES
    spec = []
    for l in range(levels):
        shared = [mlp(w, f"shared_experts.{l}.{i}", width_in, expert_hidden) for i in range(shared_count)]
        own = {t: [mlp(w, f"task_experts.{l}.{t}.{i}", width_in, expert_hidden) for i in range(task_count)] for t, _ in TASKS}
        gates = {t: softmax_gate(w, f"task_gates.{l}.{t}", width_in, task_count + shared_count) for t, _ in TASKS}
        shared_gate = softmax_gate(w, f"shared_gates.{l}", width_in, len(TASKS) * task_count + shared_count) if l < levels - 1 else None
        spec.append((shared, own, gates, shared_gate))
        width_in = expert_hidden[-1]
    towers = {t: mlp(w, f"towers.{t}", width_in, tower_hidden, size) for t, size in TASKS}

    def run(x, margins):
        h = {t: x for t, _ in TASKS}
        s = x
        for shared, own, gates, shared_gate in spec:
            shared_out = [e(s, margins) for e in shared]
            own_out = {t: [e(h[t], margins) for e in own[t]] for t, _ in TASKS}
            nxt = {t: mix(own_out[t] + shared_out, gates[t](h[t])) for t, _ in TASKS}
            if shared_gate is not None:
                every = [o for t, _ in TASKS for o in own_out[t]] + shared_out
                s = mix(every, shared_gate(s))
            h = nxt
        return {t: towers[t](h[t], margins) for t, _ in TASKS}, []
    return run


def case(name, build, seed):
    w = Weights(seed)
    model = build(w)
    x = torch.tensor(np.random.RandomState(100 + seed).randn(ROWS, FEATURES).astype(np.float32).astype(np.float64))
    margins = []
    outputs, penalties = model(x, margins)
    # Every ReLU input is far from its kink, so float32 and float64 take the same branch.
    assert min(margins) > 1e-4, (name, min(margins))
    loss = sum((y ** 2).sum() for y in outputs.values()) + sum(penalties)
    loss.backward()
    return {
        "name": name,
        "rows": ROWS,
        "features": FEATURES,
        "input": [float(v) for v in x.flatten()],
        "parameters": {k: {"shape": list(v.shape), "values": [float(a) for a in v.detach().flatten()]} for k, v in w.params.items()},
        "outputs": {t: [float(a) for a in y.detach().flatten()] for t, y in outputs.items()},
        "penalty": float(sum(penalties).item()) if penalties else None,
        "loss": float(loss.item()),
        "gradients": {k: [float(a) for a in v.grad.flatten()] for k, v in w.params.items()},
    }


cases = [
    case("mmoe", lambda w: mmoe(w, "softmax", experts=3, expert_hidden=[6, 4], tower_hidden=[3]), 1),
    case("cgc", lambda w: ple(w, levels=1, shared_count=2, task_count=1, expert_hidden=[4], tower_hidden=[]), 2),
    case("ple", lambda w: ple(w, levels=2, shared_count=2, task_count=2, expert_hidden=[4], tower_hidden=[3]), 3),
    case("mmoe_dselectk", lambda w: mmoe(w, "dselectk", experts=5, expert_hidden=[4], tower_hidden=[],
                                         dselect={"k": 2, "gamma": 1.0, "lam": 0.1}), 4),
]
with open(OUT, "w") as f:
    json.dump({"tasks": [{"name": t, "output_size": s} for t, s in TASKS], "cases": cases}, f, indent=1)
