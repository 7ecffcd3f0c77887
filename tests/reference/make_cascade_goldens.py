#!/usr/bin/env python3
"""Writes tests/MultiTask.Tests/Goldens/cascade.json, for CascadeModel's tests.

"conjunctions": the logit of sigmoid(a)*sigmoid(b) and its derivatives in a and b, for pairs of logits from small
to extreme (|logit| up to 1e4), evaluated with mpmath at 10,000 digits from the probabilities themselves:
q = s(a) s(b), logit = log q - log(1 - q), d logit / da = (1 - s(a)) / (1 - q). Independent of the log-space
formula the library uses; where the naive float64 formula is accurate (|a|, |b| <= 12) the script also checks torch's autograd of
the naive float64 formula against the same values.

"esmm": a small ESMM network in float64 torch, written the way the paper's model is usually written (probabilities
multiplied, binary cross-entropy on probabilities): a shared Linear(3, 4) + ReLU, a Linear(4, 1) head for ctr and
one for cvr, p_ctcvr = p_ctr * p_cvr, loss = BCE(p_ctr, click) + BCE(p_ctcvr, click and convert), averaged over
the rows; cvr has no loss of its own. The file holds the weights, inputs and labels, the three outputs as logits,
the loss and the gradient of every parameter, named as the C# cascade names them.

Run with Debian's packages: /usr/bin/python3 tests/reference/make_cascade_goldens.py
"""
import json
import os

import mpmath
import torch

mpmath.mp.dps = 10000  # 1 - q is about e^-10000 at logits of 1e4
torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "MultiTask.Tests", "Goldens", "cascade.json")

PAIRS = [
    (0.0, 0.0), (1.5, -0.7), (-2.0, 3.0), (4.0, 4.0), (-6.0, -5.0), (12.0, -12.0), (20.0, 25.0), (30.0, 30.0),
    (-30.0, 2.0), (40.0, 41.0), (80.0, 80.0), (100.0, -3.0), (-100.0, -100.0), (200.0, 150.0), (1e4, 1e4),
    (-1e4, 1e4), (1e4, -1e4), (-1e4, -1e4), (0.25, 88.0),
]


def conjunction(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    sa, sb = 1 / (1 + mpmath.exp(-a)), 1 / (1 + mpmath.exp(-b))
    q = sa * sb
    logit = mpmath.log(q) - mpmath.log(1 - q)
    return float(logit), float((1 - sa) / (1 - q)), float((1 - sb) / (1 - q))


def check_with_torch(a, b, expected):
    x = torch.tensor([a, b], requires_grad=True)
    q = torch.sigmoid(x[0]) * torch.sigmoid(x[1])
    logit = torch.log(q) - torch.log1p(-q)
    logit.backward()
    assert abs(logit.item() - expected[0]) < 1e-6 * max(1.0, abs(expected[0])), (a, b)
    assert abs(x.grad[0].item() - expected[1]) < 1e-6 and abs(x.grad[1].item() - expected[2]) < 1e-6, (a, b)


def conjunctions():
    cases = []
    for a, b in PAIRS:
        value = conjunction(a, b)
        if abs(a) <= 12 and abs(b) <= 12:
            check_with_torch(a, b, value)
        cases.append({"parent": a, "conditional": b, "logit": value[0], "d_parent": value[1], "d_conditional": value[2]})
    return cases


def esmm():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(6, 3, generator=g)
    click = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    convert = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # only clicked rows convert
    params = {
        "inner.backbone.0.weight": torch.randn(4, 3, generator=g) * 0.8,
        "inner.backbone.0.bias": torch.randn(4, generator=g) * 0.3,
        "inner.heads.ctr.weight": torch.randn(1, 4, generator=g),
        "inner.heads.ctr.bias": torch.randn(1, generator=g) * 0.3,
        "inner.heads.cvr.weight": torch.randn(1, 4, generator=g),
        "inner.heads.cvr.bias": torch.randn(1, generator=g) * 0.3,
    }
    for p in params.values():
        p.requires_grad_(True)
    z = torch.relu(x @ params["inner.backbone.0.weight"].T + params["inner.backbone.0.bias"])
    ctr = z @ params["inner.heads.ctr.weight"].T + params["inner.heads.ctr.bias"]
    cvr = z @ params["inner.heads.cvr.weight"].T + params["inner.heads.cvr.bias"]
    p_ctr, p_cvr = torch.sigmoid(ctr), torch.sigmoid(cvr)
    p_ctcvr = p_ctr * p_cvr
    bce = torch.nn.functional.binary_cross_entropy
    loss = bce(p_ctr.squeeze(1), click) + bce(p_ctcvr.squeeze(1), click * convert)
    loss.backward()
    ctcvr = torch.log(p_ctcvr) - torch.log1p(-p_ctcvr)
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {
        "x": flat(x), "rows": 6, "columns": 3, "click": flat(click), "ctcvr_label": flat(click * convert),
        "weights": {k: {"shape": list(v.shape), "values": flat(v)} for k, v in params.items()},
        "ctr": flat(ctr), "cvr": flat(cvr), "ctcvr": flat(ctcvr), "loss": loss.item(),
        "grads": {k: flat(v.grad) for k, v in params.items()},
    }


def main():
    golden = {"conjunctions": conjunctions(), "esmm": esmm()}
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
