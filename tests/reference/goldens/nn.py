"""Goldens for MultiTask.Engine.NN: module forward/backward with PyTorch weights, and init statistics."""
import math

import torch
import torch.nn as nn

from .common import t, write


def state(module):
    return {k: t(v) for k, v in module.state_dict().items()}


def run(name, module, x, train=True, **extra):
    """Forward with a random upstream gradient; records output and gradients of input and parameters."""
    module.train(train)
    sd = state(module)
    x = x.clone().requires_grad_(x.is_floating_point())
    y = module(x)
    g = torch.randn_like(y)
    y.backward(g)
    case = {
        "name": name,
        "state": sd,
        "input": t(x),
        "output": t(y),
        "grad_output": t(g),
        "grad_input": t(x.grad) if x.is_floating_point() else None,
        "grads": {k: t(p.grad) for k, p in module.named_parameters() if p.grad is not None},
        "state_after": state(module),
    }
    case.update(extra)
    return case


def randomize(module):
    """Non-trivial affine weights for norm layers (PyTorch initialises them to ones and zeros)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + 1.0 if p.dim() > 0 else p)
    return module


def module_cases():
    torch.manual_seed(1234)
    cases = []
    cases.append(run("linear", nn.Linear(5, 4), torch.randn(2, 3, 5)))
    cases.append(run("linear_2d", nn.Linear(3, 2), torch.randn(4, 3)))
    cases.append(run("linear_nobias", nn.Linear(3, 2, bias=False), torch.randn(4, 3)))
    cases.append(run("linear_1d_input", nn.Linear(3, 2), torch.randn(3)))

    cases.append(run("layernorm", randomize(nn.LayerNorm(5)), torch.randn(4, 5) * 3 + 1))
    cases.append(run("layernorm_2d_shape", randomize(nn.LayerNorm([3, 4], eps=1e-3)), torch.randn(2, 3, 4)))
    cases.append(run("layernorm_no_affine", nn.LayerNorm(6, elementwise_affine=False), torch.randn(3, 6)))

    cases.append(run("embedding", nn.Embedding(7, 3), torch.tensor([[0, 2, 6], [2, 2, 5]])))
    cases.append(run("embedding_padding", nn.Embedding(6, 4, padding_idx=1), torch.tensor([1, 3, 1, 0, 5])))

    cases.append(run("dropout_eval", nn.Dropout(0.3), torch.randn(3, 4), train=False))

    acts = [
        ("relu", nn.ReLU()), ("leaky_relu", nn.LeakyReLU(0.2)), ("elu", nn.ELU(0.7)), ("gelu", nn.GELU()),
        ("gelu_tanh", nn.GELU(approximate="tanh")), ("silu", nn.SiLU()), ("sigmoid", nn.Sigmoid()), ("tanh", nn.Tanh()),
        ("softplus", nn.Softplus(beta=2.0, threshold=3.0)), ("softmax", nn.Softmax(dim=1)), ("log_softmax", nn.LogSoftmax(dim=-1)),
        ("identity", nn.Identity()), ("flatten", nn.Flatten()),
    ]
    for name, m in acts:
        x = torch.randn(3, 4, 2) * 2
        cases.append(run(name, m, x))
    return cases


def batchnorm_cases():
    torch.manual_seed(99)
    cases = []
    for name, shape, kwargs in [
        ("batchnorm", (6, 3), {}),
        ("batchnorm_3d", (4, 3, 5), {}),
        ("batchnorm_momentum", (5, 2), {"momentum": 0.3, "eps": 1e-3}),
        ("batchnorm_cumulative", (5, 2), {"momentum": None}),
        ("batchnorm_no_affine", (5, 2), {"affine": False}),
        ("batchnorm_no_stats", (5, 2), {"track_running_stats": False}),
    ]:
        m = nn.BatchNorm1d(shape[1], **kwargs)
        if m.affine:
            randomize(m)
        initial = state(m)
        steps = []
        m.train()
        for _ in range(3):
            x = (torch.randn(*shape) * 2 + 0.5).requires_grad_()
            y = m(x)
            g = torch.randn_like(y)
            y.backward(g)
            steps.append({
                "input": t(x), "output": t(y), "grad_output": t(g), "grad_input": t(x.grad),
                "grads": {k: t(p.grad) for k, p in m.named_parameters()},
                "state": state(m),
            })
            m.zero_grad()
        m.eval()
        x = (torch.randn(*shape) * 2).requires_grad_()
        y = m(x)
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({
            "name": name, "kwargs": {k: v for k, v in kwargs.items()}, "num_features": shape[1], "initial": initial, "steps": steps,
            "eval": {"input": t(x), "output": t(y), "grad_output": t(g), "grad_input": t(x.grad)},
        })
    return cases


def stats(x):
    x = x.detach().double()
    return {"mean": x.mean().item(), "std": x.std().item(), "min": x.min().item(), "max": x.max().item(), "numel": x.numel()}


def init_cases():
    torch.manual_seed(7)
    cases = []
    lin = nn.Linear(400, 300)
    cases.append({"name": "linear_weight", "shape": [300, 400], **stats(lin.weight)})
    cases.append({"name": "linear_bias", "shape": [300], **stats(lin.bias)})
    shape = (256, 128)

    def add(name, fn):
        w = torch.empty(*shape)
        fn(w)
        cases.append({"name": name, "shape": list(shape), **stats(w)})

    add("xavier_uniform", lambda w: nn.init.xavier_uniform_(w))
    add("xavier_uniform_gain", lambda w: nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("tanh")))
    add("xavier_normal", lambda w: nn.init.xavier_normal_(w, gain=2.0))
    add("kaiming_uniform", lambda w: nn.init.kaiming_uniform_(w))
    add("kaiming_uniform_fan_out_relu", lambda w: nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"))
    add("kaiming_normal", lambda w: nn.init.kaiming_normal_(w))
    add("kaiming_normal_leaky", lambda w: nn.init.kaiming_normal_(w, a=0.2, mode="fan_out"))
    add("uniform", lambda w: nn.init.uniform_(w, -0.3, 0.7))
    add("normal", lambda w: nn.init.normal_(w, 0.5, 2.0))
    gains = {n: nn.init.calculate_gain(n) for n in ["linear", "conv1d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]}
    gains["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    return cases, gains


def generate(out_dir):
    write(out_dir, "nn_modules.json", module_cases())
    write(out_dir, "nn_batchnorm.json", batchnorm_cases())
    cases, gains = init_cases()
    write(out_dir, "nn_init.json", cases, gains=gains)
