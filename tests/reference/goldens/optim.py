"""Goldens for optimizers, learning-rate schedulers and gradient clipping (torch.optim, torch.nn.utils)."""
import torch

from .common import t, write, number

SHAPES = [[2, 3], [3], [2]]
STEPS = 10


def _params(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g) for s in SHAPES]


def _grads(seed):
    """STEPS lists of gradients; a few are None to check that parameters without a gradient are skipped."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for step in range(STEPS):
        row = []
        for i, s in enumerate(SHAPES):
            grad = torch.randn(s, generator=g) * (0.5 + step % 3)
            if (i == 2 and step in (0, 4)) or (i == 1 and step == 7):
                grad = None
            row.append(grad)
        out.append(row)
    return out


OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}

# (case name, optimizer, constructor options, groups or None). A group lists parameter indices and overrides.
OPT_CASES = [
    ("sgd_plain", "sgd", dict(lr=0.1), None),
    ("sgd_momentum", "sgd", dict(lr=0.1, momentum=0.9), None),
    ("sgd_dampening", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.5), None),
    ("sgd_nesterov", "sgd", dict(lr=0.1, momentum=0.9, nesterov=True), None),
    ("sgd_weight_decay", "sgd", dict(lr=0.1, weight_decay=0.1), None),
    ("sgd_maximize", "sgd", dict(lr=0.1, momentum=0.5, weight_decay=0.05, maximize=True), None),
    ("sgd_groups", "sgd", dict(lr=0.1, momentum=0.9), [dict(params=[0, 1], lr=0.01), dict(params=[2], weight_decay=0.2)]),
    ("adam_default", "adam", dict(lr=0.01), None),
    ("adam_betas_eps", "adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3), None),
    ("adam_weight_decay", "adam", dict(lr=0.01, weight_decay=0.1), None),
    ("adam_amsgrad", "adam", dict(lr=0.01, amsgrad=True), None),
    ("adam_maximize", "adam", dict(lr=0.01, maximize=True, weight_decay=0.05), None),
    ("adam_groups", "adam", dict(lr=0.01), [dict(params=[0], lr=0.05, weight_decay=0.1), dict(params=[1, 2])]),
    ("adamw_default", "adamw", dict(lr=0.01), None),
    ("adamw_weight_decay", "adamw", dict(lr=0.01, weight_decay=0.3), None),
    ("adamw_amsgrad", "adamw", dict(lr=0.01, amsgrad=True), None),
    ("adamw_maximize", "adamw", dict(lr=0.01, maximize=True), None),
    ("adamw_groups", "adamw", dict(lr=0.01), [dict(params=[0, 2], lr=0.03, weight_decay=0.0), dict(params=[1], weight_decay=0.5)]),
    ("rmsprop_default", "rmsprop", dict(lr=0.01), None),
    ("rmsprop_alpha_eps", "rmsprop", dict(lr=0.01, alpha=0.9, eps=1e-4), None),
    ("rmsprop_momentum", "rmsprop", dict(lr=0.01, momentum=0.9), None),
    ("rmsprop_centered", "rmsprop", dict(lr=0.01, centered=True), None),
    ("rmsprop_centered_momentum_wd", "rmsprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1), None),
    ("rmsprop_maximize", "rmsprop", dict(lr=0.01, maximize=True), None),
    ("rmsprop_groups", "rmsprop", dict(lr=0.01), [dict(params=[1], lr=0.002), dict(params=[0, 2], weight_decay=0.1)]),
    ("adagrad_default", "adagrad", dict(lr=0.1), None),
    ("adagrad_lr_decay", "adagrad", dict(lr=0.1, lr_decay=0.1), None),
    ("adagrad_initial_accumulator", "adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-5), None),
    ("adagrad_weight_decay", "adagrad", dict(lr=0.1, weight_decay=0.1), None),
    ("adagrad_maximize", "adagrad", dict(lr=0.1, maximize=True), None),
    ("adagrad_groups", "adagrad", dict(lr=0.1), [dict(params=[0, 1], lr=0.3), dict(params=[2], weight_decay=0.2)]),
]


def _jsonable(options):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}


def optimizer_cases(kind_wanted):
    """The cases of one optimizer; all share one initial state and gradient sequence (stored once)."""
    cases = []
    init = _params(100)
    grads = _grads(200)
    for name, kind, options, groups in OPT_CASES:
        if kind != kind_wanted:
            continue
        params = [p.clone().requires_grad_() for p in init]
        if groups is None:
            spec = params
        else:
            spec = [dict({k: v for k, v in g.items() if k != "params"}, params=[params[i] for i in g["params"]]) for g in groups]
        opt = OPTIMIZERS[kind](spec, foreach=False, **options)
        after = []
        for step in range(STEPS):
            for p, g in zip(params, grads[step]):
                p.grad = None if g is None else g.clone()
            opt.step()
            after.append([t(p) for p in params])
        cases.append({
            "name": name,
            "optimizer": kind,
            "options": _jsonable(options),
            "groups": groups,
            "after": after,
        })
    return cases, {"params": [t(p) for p in init], "grads": [[t(g) for g in row] for row in grads]}


def _sched_optimizer(kind="sgd"):
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    groups = [dict(params=[params[0]]), dict(params=[params[1]], lr=0.05)]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))


PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.85, 0.86, 0.8499, 0.86, 0.84, 0.84, 0.84, 0.84, 0.83, 0.9, 0.9, 0.9,
                   0.82, 0.82, 0.8201, 0.82, 0.82, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.5, 0.5, 0.5, 0.5]

SCHEDULERS = [
    ("step_lr", "sgd", "StepLR", dict(step_size=7, gamma=0.5)),
    ("multi_step_lr", "sgd", "MultiStepLR", dict(milestones=[3, 8, 8, 20], gamma=0.3)),
    ("exponential_lr", "sgd", "ExponentialLR", dict(gamma=0.9)),
    ("cosine_annealing_lr", "sgd", "CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("cosine_annealing_lr_default", "sgd", "CosineAnnealingLR", dict(T_max=7)),
    ("linear_lr", "sgd", "LinearLR", dict()),
    ("linear_lr_custom", "sgd", "LinearLR", dict(start_factor=0.1, end_factor=0.8, total_iters=12)),
    ("one_cycle_lr_sgd", "sgd", "OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=30)),
    ("one_cycle_lr_adam_linear", "adam", "OneCycleLR", dict(max_lr=0.2, total_steps=30, pct_start=0.25, anneal_strategy="linear")),
    ("one_cycle_lr_three_phase", "sgd", "OneCycleLR", dict(max_lr=0.3, total_steps=30, three_phase=True, div_factor=10.0, final_div_factor=100.0)),
    ("one_cycle_lr_no_momentum", "sgd", "OneCycleLR", dict(max_lr=0.3, total_steps=30, cycle_momentum=False)),
    ("reduce_on_plateau", "sgd", "ReduceLROnPlateau", dict(patience=2)),
    ("reduce_on_plateau_cooldown_min_lr", "sgd", "ReduceLROnPlateau", dict(patience=1, cooldown=2, factor=0.5, min_lr=0.02)),
    ("reduce_on_plateau_max_abs", "sgd", "ReduceLROnPlateau", dict(mode="max", threshold_mode="abs", threshold=0.01, patience=1, factor=0.3)),
]


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def scheduler_cases():
    cases = []
    for name, kind, cls, options in SCHEDULERS:
        opt = _sched_optimizer(kind)
        sched = getattr(torch.optim.lr_scheduler, cls)(opt, **options)
        metrics = None
        lrs = [[g["lr"] for g in opt.param_groups]]
        momenta = [_momenta(opt)]
        if cls == "ReduceLROnPlateau":
            metrics = PLATEAU_METRICS if options.get("mode") != "max" else [-m for m in PLATEAU_METRICS]
        for step in range(30):
            opt.step()
            if metrics is None:
                sched.step()
                lrs.append(list(sched.get_last_lr()))
            else:
                sched.step(metrics[step])
                lrs.append([g["lr"] for g in opt.param_groups])
            momenta.append(_momenta(opt))
        cases.append({"name": name, "optimizer": kind, "scheduler": cls, "options": options,
                      "metrics": metrics, "lrs": lrs, "momenta": momenta})
    return cases


def clip_cases():
    cases = []
    g = torch.Generator().manual_seed(7)
    grads = [torch.randn(s, generator=g) for s in SHAPES]
    for name, max_norm, norm_type in [("norm2", 1.0, 2.0), ("norm1", 1.5, 1.0), ("norm_inf", 0.5, float("inf")),
                                      ("norm3", 0.8, 3.0), ("norm2_no_clip", 100.0, 2.0)]:
        params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        cases.append({"name": name, "max_norm": max_norm, "norm_type": number(norm_type), "grads": [t(x) for x in grads],
                      "total_norm": float(total), "clipped": [t(p.grad) for p in params]})
    params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 0.5)
    cases.append({"name": "value", "clip_value": 0.5, "grads": [t(x) for x in grads], "clipped": [t(p.grad) for p in params]})
    return cases


def generate(out_dir):
    torch.manual_seed(0)
    for kind in OPTIMIZERS:
        cases, shared = optimizer_cases(kind)
        write(out_dir, f"optim_{kind}.json", cases, **shared)
    write(out_dir, "optim_schedulers.json", scheduler_cases())
    write(out_dir, "optim_clip.json", clip_cases())
