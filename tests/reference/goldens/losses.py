"""Goldens for MultiTask.Engine.Losses: every loss with every reduction and its options, output and input gradient."""
import torch
import torch.nn as nn

from .common import t, write

REDUCTIONS = ["none", "mean", "sum"]


def case(name, loss, inputs, target, kwargs, grad_target=False, extra=None):
    """Runs the loss; the gradient w.r.t. the first input (and extra inputs) uses a random upstream gradient."""
    xs = [x.clone().requires_grad_() for x in inputs]
    tgt = target.clone().requires_grad_(grad_target)
    out = loss(*xs[:1], tgt, *xs[1:]) if len(xs) > 1 else loss(xs[0], tgt)
    g = torch.randn_like(out)
    out.backward(g)
    c = {
        "name": name, "kwargs": kwargs, "input": t(xs[0]), "target": t(target), "output": t(out), "grad_output": t(g),
        "grad_input": t(xs[0].grad),
    }
    if len(xs) > 1:
        c["extra"] = t(xs[1])
        c["grad_extra"] = t(xs[1].grad)
    if grad_target:
        c["grad_target"] = t(tgt.grad)
    if extra:
        c.update(extra)
    return c


def generate(out_dir):
    torch.manual_seed(2024)
    cases = []
    x = torch.randn(4, 3)
    y = torch.randn(4, 3)
    y[0, 0] = x[0, 0]  # |d| = 0: the L1 gradient there is 0
    y[1, 1] = x[1, 1] + 0.3
    for r in REDUCTIONS:
        cases.append(case(f"mse_{r}", nn.MSELoss(reduction=r), [x], y, {"reduction": r}, grad_target=True))
        cases.append(case(f"l1_{r}", nn.L1Loss(reduction=r), [x], y, {"reduction": r}))
        for beta in [1.0, 0.5, 0.0]:
            cases.append(case(f"smooth_l1_{beta}_{r}", nn.SmoothL1Loss(reduction=r, beta=beta), [x * 2], y, {"reduction": r, "beta": beta}))
        for delta in [1.0, 0.7]:
            cases.append(case(f"huber_{delta}_{r}", nn.HuberLoss(reduction=r, delta=delta), [x * 2], y, {"reduction": r, "delta": delta}))

    p = torch.rand(4, 3) * 0.9 + 0.05
    yb = (torch.rand(4, 3) > 0.5).float()
    ysoft = torch.rand(4, 3)
    w = torch.rand(3) + 0.5
    logits = torch.randn(4, 3) * 3
    pos = torch.tensor([0.5, 2.0, 3.0])
    for r in REDUCTIONS:
        cases.append(case(f"bce_{r}", nn.BCELoss(reduction=r), [p], yb, {"reduction": r}))
        cases.append(case(f"bce_soft_weight_{r}", nn.BCELoss(weight=w, reduction=r), [p], ysoft, {"reduction": r, "weight": t(w)}))
        cases.append(case(f"bce_logits_{r}", nn.BCEWithLogitsLoss(reduction=r), [logits], yb, {"reduction": r}))
        cases.append(case(f"bce_logits_pos_weight_{r}", nn.BCEWithLogitsLoss(pos_weight=pos, weight=w, reduction=r), [logits], ysoft,
                          {"reduction": r, "pos_weight": t(pos), "weight": t(w)}))
    cases.append(case("bce_extremes", nn.BCELoss(), [torch.tensor([1e-6, 0.999999, 0.5, 0.01])], torch.tensor([1.0, 0.0, 1.0, 1.0]), {"reduction": "mean"}))
    cases.append(case("bce_logits_large", nn.BCEWithLogitsLoss(), [torch.tensor([100.0, -100.0, 30.0, -0.5])], torch.tensor([0.0, 1.0, 1.0, 0.0]), {"reduction": "mean"}))

    scores = torch.randn(5, 4) * 2
    cls = torch.tensor([0, 3, 1, 3, 2])
    cls_ign = torch.tensor([0, -100, 1, 3, 2])
    cls_ign2 = torch.tensor([0, 2, 1, 2, 2])
    cw = torch.tensor([0.5, 1.0, 2.0, 1.5])
    probs = torch.softmax(torch.randn(5, 4), 1)
    scores3 = torch.randn(2, 4, 3)
    cls3 = torch.tensor([[0, 1, 3], [2, -100, 1]])
    for r in REDUCTIONS:
        cases.append(case(f"ce_{r}", nn.CrossEntropyLoss(reduction=r), [scores], cls, {"reduction": r}))
        cases.append(case(f"ce_weight_ignore_{r}", nn.CrossEntropyLoss(weight=cw, reduction=r), [scores], cls_ign,
                          {"reduction": r, "class_weights": t(cw)}))
        cases.append(case(f"ce_custom_ignore_{r}", nn.CrossEntropyLoss(ignore_index=2, reduction=r), [scores], cls_ign2,
                          {"reduction": r, "ignore_index": 2}))
        cases.append(case(f"ce_smoothing_{r}", nn.CrossEntropyLoss(label_smoothing=0.2, reduction=r), [scores], cls_ign,
                          {"reduction": r, "label_smoothing": 0.2}))
        cases.append(case(f"ce_smoothing_weight_{r}", nn.CrossEntropyLoss(weight=cw, label_smoothing=0.3, reduction=r), [scores], cls_ign,
                          {"reduction": r, "label_smoothing": 0.3, "class_weights": t(cw)}))
        cases.append(case(f"ce_probs_{r}", nn.CrossEntropyLoss(reduction=r), [scores], probs, {"reduction": r}))
        cases.append(case(f"ce_probs_weight_smoothing_{r}", nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1, reduction=r), [scores], probs,
                          {"reduction": r, "class_weights": t(cw), "label_smoothing": 0.1}))
        cases.append(case(f"ce_3d_weight_{r}", nn.CrossEntropyLoss(weight=cw, reduction=r), [scores3], cls3, {"reduction": r, "class_weights": t(cw)}))
        logp = torch.log_softmax(scores, 1)
        cases.append(case(f"nll_{r}", nn.NLLLoss(reduction=r), [logp], cls, {"reduction": r}))
        cases.append(case(f"nll_weight_ignore_{r}", nn.NLLLoss(weight=cw, ignore_index=3, reduction=r), [logp], cls,
                          {"reduction": r, "class_weights": t(cw), "ignore_index": 3}))

    mean = torch.randn(4, 3)
    target = torch.randn(4, 3)
    var = torch.rand(4, 3) + 0.1
    var[0, 0] = 1e-8  # below eps: clamped, gradient still flows
    var_row = torch.rand(4) + 0.2
    var_col = torch.rand(4, 1) + 0.2
    for r in REDUCTIONS:
        for full in [False, True]:
            cases.append(case(f"gaussian_nll_{full}_{r}", nn.GaussianNLLLoss(full=full, reduction=r), [mean, var], target,
                              {"reduction": r, "full": full}, grad_target=True))
        cases.append(case(f"gaussian_nll_row_var_{r}", nn.GaussianNLLLoss(reduction=r, eps=1e-3), [mean, var_row], target, {"reduction": r, "eps": 1e-3}))
        cases.append(case(f"gaussian_nll_col_var_{r}", nn.GaussianNLLLoss(reduction=r), [mean, var_col], target, {"reduction": r}))

    rate_log = torch.randn(4, 3)
    rate = torch.rand(4, 3) * 3 + 0.1
    counts = torch.tensor([[0.0, 1.0, 2.0], [5.0, 0.0, 3.0], [1.0, 7.0, 0.5], [4.0, 2.0, 1.5]])
    for r in REDUCTIONS:
        cases.append(case(f"poisson_log_{r}", nn.PoissonNLLLoss(reduction=r), [rate_log], counts, {"reduction": r}))
        cases.append(case(f"poisson_full_{r}", nn.PoissonNLLLoss(full=True, reduction=r), [rate_log], counts, {"reduction": r, "full": True}))
        cases.append(case(f"poisson_rate_{r}", nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-4, reduction=r), [rate], counts,
                          {"reduction": r, "log_input": False, "full": True, "eps": 1e-4}))
    classification = [c for c in cases if c["name"].startswith(("bce", "ce_", "nll"))]
    write(out_dir, "losses_classification.json", classification)
    write(out_dir, "losses_regression.json", [c for c in cases if c not in classification])
