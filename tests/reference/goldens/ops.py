"""Goldens for every tensor operation: forward outputs and input gradients for a random upstream gradient.

Each case names an op (mapped to an engine call by the C# table in Tensors/OpsGoldenTests.cs), its
arguments, its inputs, which inputs require grad, every output, the upstream gradient of the first
output and the resulting gradient of each input (null for inputs that do not require grad).
"""
import torch
import torch.nn.functional as F

from .common import t, write

G = torch.Generator().manual_seed(1234)


def rn(*shape, scale=1.0):
    return torch.randn(shape, generator=G) * scale


def pos(*shape):
    """Values in [0.5, 2): safe for log, sqrt, division."""
    return torch.rand(shape, generator=G) * 1.5 + 0.5


def idx(high, *shape):
    return torch.randint(0, high, shape, generator=G).float()


class Builder:
    def __init__(self):
        self.cases = []

    def add(self, name, op, fn, inputs, args=None, diff=None):
        if diff is None:
            diff = [True] * len(inputs)
        leaves = [x.clone().detach().requires_grad_(d) for x, d in zip(inputs, diff)]
        outs = fn(*leaves)
        if not isinstance(outs, (tuple, list)):
            outs = (outs,)
        main = outs[0]
        entry = {
            "name": name,
            "op": op,
            "args": args or {},
            "inputs": [t(x) for x in inputs],
            "requires_grad": diff,
            "outputs": [t(o) for o in outs],
        }
        if main.requires_grad:
            up = rn(*main.shape)
            wanted = [x for x, d in zip(leaves, diff) if d]
            grads = iter(torch.autograd.grad(main, wanted, up, allow_unused=True))
            entry["upstream"] = t(up)
            out = []
            for x, d in zip(leaves, diff):
                if not d:
                    out.append(None)
                    continue
                gr = next(grads)
                out.append(t(gr if gr is not None else torch.zeros_like(x)))
            entry["grads"] = out
        self.cases.append(entry)


def elementwise(b):
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    shapes = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((4,), (2, 3, 4)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((3, 4), ())]
    for op, fn in binary.items():
        for sa, sb in shapes:
            y = pos(*sb) if op == "div" else rn(*sb)
            b.add(f"{op}_{'x'.join(map(str, sa))}_{'x'.join(map(str, sb)) or 'scalar'}", op, fn, [rn(*sa), y])
    b.add("add_alpha", "add_alpha", lambda x, y: torch.add(x, y, alpha=-2.5), [rn(2, 3), rn(3)], {"alpha": -2.5})
    for op in ["add_scalar", "sub_scalar", "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar"]:
        v = 1.75
        fns = {
            "add_scalar": lambda x: x + v, "sub_scalar": lambda x: x - v, "mul_scalar": lambda x: x * v,
            "div_scalar": lambda x: x / v, "rsub_scalar": lambda x: v - x, "rdiv_scalar": lambda x: v / x,
        }
        b.add(op, op, fns[op], [pos(2, 3)], {"value": v})
    b.add("neg", "neg", torch.neg, [rn(2, 3)])
    b.add("exp", "exp", torch.exp, [rn(2, 3, scale=3)])
    b.add("log", "log", torch.log, [pos(2, 3)])
    b.add("relu", "relu", torch.relu, [torch.tensor([[-1.5, 0.0, 2.0], [0.5, -0.0, -3.0]])])
    for p in [2.0, 3.0, 0.5, -1.5, 0.0, 1.0]:
        b.add(f"pow_scalar_{p}", "pow_scalar", lambda x, p=p: x.pow(p), [pos(2, 3)], {"exponent": p})
    b.add("pow_scalar_3_negative_base", "pow_scalar", lambda x: x.pow(3.0), [rn(2, 3)], {"exponent": 3.0})
    b.add("pow_tensor", "pow_tensor", torch.pow, [pos(2, 3), rn(2, 3)])
    b.add("pow_tensor_broadcast", "pow_tensor", torch.pow, [pos(2, 3), rn(3)])
    b.add("pow_tensor_zero_base", "pow_tensor", torch.pow, [torch.tensor([0.0, 0.0, 1.5, 2.0]), torch.tensor([2.0, 0.0, 1.5, -1.0])])
    b.add("sqrt", "sqrt", torch.sqrt, [pos(2, 3)])
    b.add("rsqrt", "rsqrt", torch.rsqrt, [pos(2, 3)])
    b.add("abs", "abs", torch.abs, [torch.tensor([[-1.5, 0.0, 2.0], [0.5, -0.25, -3.0]])])
    b.add("sign", "sign", torch.sign, [torch.tensor([-1.5, 0.0, 2.0, -0.0, 3.0])], diff=[False])
    b.add("log1p", "log1p", torch.log1p, [torch.tensor([-0.5, 1e-6, 0.0, 2.0, 10.0, -1e-7])])
    b.add("expm1", "expm1", torch.expm1, [torch.tensor([-2.0, 1e-6, 0.0, 1.0, 3.0, -1e-7])])
    b.add("square", "square", torch.square, [rn(2, 3)])
    b.add("reciprocal", "reciprocal", torch.reciprocal, [pos(2, 3) * torch.tensor([1.0, -1.0, 1.0])])
    b.add("erf", "erf", torch.erf, [torch.tensor([-4.0, -2.6, -1.0, -0.3, 0.0, 0.2, 0.9, 2.4, 3.5, 6.0])])
    bounds = torch.tensor([[-2.0, -1.0, -0.5, 0.0], [0.5, 1.0, 1.5, 3.0]])
    b.add("clamp_both", "clamp", lambda x: x.clamp(-1.0, 1.0), [bounds], {"min": -1.0, "max": 1.0})
    b.add("clamp_min_only", "clamp", lambda x: x.clamp(min=-0.5), [bounds], {"min": -0.5})
    b.add("clamp_max_only", "clamp", lambda x: x.clamp(max=0.5), [bounds], {"max": 0.5})
    b.add("clamp_min", "clamp_min", lambda x: x.clamp_min(0.0), [bounds], {"value": 0.0})
    b.add("clamp_max", "clamp_max", lambda x: x.clamp_max(1.0), [bounds], {"value": 1.0})
    ta = torch.tensor([[1.0, 2.0, -1.0], [0.5, 3.0, 3.0]])
    tb = torch.tensor([[1.0, 1.0, 0.0], [0.5, 4.0, 3.0]])
    b.add("maximum_ties", "maximum", torch.maximum, [ta, tb])
    b.add("minimum_ties", "minimum", torch.minimum, [ta, tb])
    b.add("maximum_broadcast", "maximum", torch.maximum, [rn(2, 3), rn(3)])
    b.add("minimum_broadcast", "minimum", torch.minimum, [rn(2, 1), rn(3)])
    cond = (rn(2, 3) > 0).float()
    b.add("where", "where", lambda c, x, y: torch.where(c > 0, x, y), [cond, rn(2, 3), rn(2, 3)], diff=[False, True, True])
    b.add("where_broadcast", "where", lambda c, x, y: torch.where(c > 0, x, y), [(rn(3) > 0).float(), rn(2, 1), rn(2, 3)], diff=[False, True, True])
    b.add("masked_fill", "masked_fill", lambda x, m: x.masked_fill(m > 0, -5.0), [rn(2, 3), (rn(3) > 0).float()], {"value": -5.0}, diff=[True, False])


def comparisons(b):
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, float("nan")]])
    c = torch.tensor([2.0, 2.0, 6.0])
    for op in ["eq", "ne", "gt", "ge", "lt", "le"]:
        fn = getattr(torch, op)
        b.add(f"{op}_tensor", f"{op}_tensor", lambda x, y, fn=fn: fn(x, y).float(), [a, c], diff=[False, False])
        b.add(f"{op}_scalar", f"{op}_scalar", lambda x, fn=fn: fn(x, 2.0).float(), [a], {"value": 2.0}, diff=[False])
    special = torch.tensor([1.0, float("nan"), float("inf"), float("-inf"), 0.0, -2.0])
    for op in ["isnan", "isfinite", "isinf"]:
        fn = getattr(torch, op)
        b.add(op, op, lambda x, fn=fn: fn(x).float(), [special], diff=[False])


def activations(b):
    with_zero = torch.tensor([[-2.0, -0.5, 0.0, 0.5], [1.0, 3.0, -4.0, 0.1]])
    b.add("leaky_relu_default", "leaky_relu", F.leaky_relu, [with_zero], {"slope": 0.01})
    b.add("leaky_relu_0.2", "leaky_relu", lambda x: F.leaky_relu(x, 0.2), [rn(3, 4)], {"slope": 0.2})
    b.add("elu_default", "elu", F.elu, [with_zero], {"alpha": 1.0})
    b.add("elu_0.5", "elu", lambda x: F.elu(x, 0.5), [rn(3, 4, scale=2)], {"alpha": 0.5})
    wide = torch.linspace(-7, 7, 29).reshape(29)
    b.add("gelu_exact", "gelu", F.gelu, [wide], {"tanh": False})
    b.add("gelu_exact_random", "gelu", F.gelu, [rn(3, 5, scale=2)], {"tanh": False})
    # Beyond |x| ≈ 4 the tanh form's gradient falls below the float resolution of 1 - tanh², where
    # any two tanh implementations differ by rounding noise; the exact-form case covers the tails.
    b.add("gelu_tanh", "gelu", lambda x: F.gelu(x, approximate="tanh"), [torch.linspace(-3.5, 3.5, 15)], {"tanh": True})
    b.add("silu", "silu", F.silu, [wide])
    b.add("sigmoid", "sigmoid", torch.sigmoid, [torch.cat([wide, torch.tensor([-40.0, 40.0])])])
    b.add("tanh", "tanh", torch.tanh, [torch.cat([wide, torch.tensor([-20.0, 20.0])])])
    big = torch.tensor([-100.0, -30.0, -5.0, -0.5, 0.0, 0.5, 5.0, 19.5, 20.5, 30.0, 100.0])
    b.add("softplus_default", "softplus", F.softplus, [big], {"beta": 1.0, "threshold": 20.0})
    b.add("softplus_beta2_threshold5", "softplus", lambda x: F.softplus(x, 2.0, 5.0), [big], {"beta": 2.0, "threshold": 5.0})
    for name, fn in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
        b.add(f"{name}_last", name, lambda x, fn=fn: fn(x, -1), [rn(3, 5)], {"dim": -1})
        b.add(f"{name}_dim0", name, lambda x, fn=fn: fn(x, 0), [rn(3, 5)], {"dim": 0})
        b.add(f"{name}_3d_dim1", name, lambda x, fn=fn: fn(x, 1), [rn(2, 3, 4)], {"dim": 1})
        b.add(f"{name}_large", name, lambda x, fn=fn: fn(x, -1), [torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])], {"dim": -1})


def reductions(b):
    x = rn(2, 3, 4)
    b.add("sum_all", "sum", lambda v: v.sum(), [x])
    b.add("sum_dim1", "sum_dims", lambda v: v.sum(1), [x], {"dims": [1], "keepdim": False})
    b.add("sum_dims_keepdim", "sum_dims", lambda v: v.sum((0, 2), keepdim=True), [x], {"dims": [0, 2], "keepdim": True})
    b.add("sum_negative_dim", "sum_dims", lambda v: v.sum(-1), [x], {"dims": [-1], "keepdim": False})
    b.add("mean_all", "mean", lambda v: v.mean(), [x])
    b.add("mean_dim0", "mean_dims", lambda v: v.mean(0), [x], {"dims": [0], "keepdim": False})
    b.add("mean_dims_keepdim", "mean_dims", lambda v: v.mean((-1, 1), keepdim=True), [x], {"dims": [-1, 1], "keepdim": True})
    ties = torch.tensor([[1.0, 3.0, 3.0, -2.0], [3.0, 0.0, -2.0, -2.0]])
    b.add("max_all_ties", "max_all", lambda v: v.max(), [ties])
    b.add("min_all_ties", "min_all", lambda v: v.min(), [ties])
    b.add("max_all", "max_all", lambda v: v.max(), [x])
    b.add("max_dim1_ties", "max_dim", lambda v: tuple(v.max(1)), [ties], {"dim": 1, "keepdim": False})
    b.add("max_dim0_keepdim", "max_dim", lambda v: tuple(v.max(0, keepdim=True)), [ties], {"dim": 0, "keepdim": True})
    b.add("min_dim_negative", "min_dim", lambda v: tuple(v.min(-1)), [ties], {"dim": -1, "keepdim": False})
    b.add("min_dim_3d", "min_dim", lambda v: tuple(v.min(1, keepdim=True)), [x], {"dim": 1, "keepdim": True})
    b.add("amax_ties", "amax", lambda v: v.amax(1), [ties], {"dims": [1], "keepdim": False})
    b.add("amax_dims_keepdim", "amax", lambda v: v.amax((0, 2), keepdim=True), [x], {"dims": [0, 2], "keepdim": True})
    b.add("amin_ties", "amin", lambda v: v.amin(0), [ties], {"dims": [0], "keepdim": False})
    b.add("argmax_all", "argmax", lambda v: v.argmax().float(), [ties], {"dim": None, "keepdim": False}, diff=[False])
    b.add("argmax_dim1", "argmax", lambda v: v.argmax(1).float(), [ties], {"dim": 1, "keepdim": False}, diff=[False])
    b.add("argmin_dim0_keepdim", "argmin", lambda v: v.argmin(0, keepdim=True).float(), [ties], {"dim": 0, "keepdim": True}, diff=[False])
    b.add("argmin_all", "argmin", lambda v: v.argmin().float(), [x], {"dim": None, "keepdim": False}, diff=[False])
    for name in ["var", "std"]:
        fn = getattr(torch, name)
        b.add(f"{name}_all", name, lambda v, fn=fn: fn(v), [x], {"dims": None, "correction": 1, "keepdim": False})
        b.add(f"{name}_dim1", name, lambda v, fn=fn: fn(v, 1), [x], {"dims": [1], "correction": 1, "keepdim": False})
        b.add(f"{name}_dims_population_keepdim", name, lambda v, fn=fn: fn(v, (0, -1), unbiased=False, keepdim=True), [x], {"dims": [0, -1], "correction": 0, "keepdim": True})
    zero_row = torch.cat([rn(1, 4), torch.zeros(1, 4), rn(1, 4)])
    b.add("norm_all", "norm", lambda v: torch.linalg.vector_norm(v), [x], {"p": 2.0, "dims": None, "keepdim": False})
    b.add("norm_dim_zero_row", "norm", lambda v: torch.linalg.vector_norm(v, 2, dim=1), [zero_row], {"p": 2.0, "dims": [1], "keepdim": False})
    b.add("norm_zero_vector", "norm", lambda v: torch.linalg.vector_norm(v), [torch.zeros(3)], {"p": 2.0, "dims": None, "keepdim": False})
    b.add("norm_p1_keepdim", "norm", lambda v: torch.linalg.vector_norm(v, 1, dim=-1, keepdim=True), [x], {"p": 1.0, "dims": [-1], "keepdim": True})
    b.add("norm_p3", "norm", lambda v: torch.linalg.vector_norm(v, 3, dim=(0, 2)), [x], {"p": 3.0, "dims": [0, 2], "keepdim": False})
    b.add("norm_p1.5", "norm", lambda v: torch.linalg.vector_norm(v, 1.5, dim=1), [x], {"p": 1.5, "dims": [1], "keepdim": False})
    b.add("norm_inf_ties", "norm", lambda v: torch.linalg.vector_norm(v, float("inf"), dim=1), [torch.tensor([[1.0, -3.0, 3.0, 2.0], [0.5, -1.0, 0.25, 0.0]])], {"p": "inf", "dims": [1], "keepdim": False})
    b.add("logsumexp_dim1", "logsumexp", lambda v: torch.logsumexp(v, 1), [x], {"dims": [1], "keepdim": False})
    b.add("logsumexp_dims_keepdim", "logsumexp", lambda v: torch.logsumexp(v, (0, 2), keepdim=True), [x], {"dims": [0, 2], "keepdim": True})
    b.add("logsumexp_large", "logsumexp", lambda v: torch.logsumexp(v, -1), [torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0], [float("-inf"), 0.0, 1.0]])], {"dims": [-1], "keepdim": False})


def shapes(b):
    x = rn(2, 3, 4)
    b.add("reshape_infer", "reshape", lambda v: v.reshape(4, -1), [x], {"shape": [4, -1]})
    b.add("flatten_1", "flatten", lambda v: v.flatten(1), [x], {"start": 1, "end": -1})
    b.add("unsqueeze_neg", "unsqueeze", lambda v: v.unsqueeze(-2), [x], {"dim": -2})
    b.add("squeeze_dim", "squeeze", lambda v: v.squeeze(1), [rn(2, 1, 3)], {"dim": 1})
    b.add("permute", "permute", lambda v: v.permute(2, 0, 1), [x], {"dims": [2, 0, 1]})
    b.add("transpose_neg", "transpose", lambda v: v.transpose(-1, 0), [x], {"dim0": -1, "dim1": 0})
    b.add("expand_new_leading", "expand", lambda v: v.expand(2, 3, 4), [rn(3, 1)], {"shape": [2, 3, 4]})
    b.add("expand_keep", "expand", lambda v: v.expand(-1, 5), [rn(3, 1)], {"shape": [-1, 5]})
    b.add("narrow_dim1", "narrow", lambda v: v.narrow(1, 1, 2), [x], {"dim": 1, "start": 1, "length": 2})
    b.add("narrow_negative_start", "narrow", lambda v: v.narrow(-1, -3, 2), [x], {"dim": -1, "start": -3, "length": 2})
    b.add("slice_negative", "slice", lambda v: v[:, -2:], [rn(3, 4)], {"dim": 1, "start": -2, "end": 4})
    b.add("slice_clipped", "slice", lambda v: v[1:10], [rn(3, 4)], {"dim": 0, "start": 1, "end": 10})
    b.add("slice_negative_end", "slice", lambda v: v[..., 1:-1], [x], {"dim": 2, "start": 1, "end": -1})
    b.add("rows", "rows", lambda v: v[2:5], [rn(6, 3)], {"start": 2, "end": 5})
    ix = torch.tensor([2.0, 0.0, 2.0, 1.0])
    b.add("index_select_repeat_dim0", "index_select", lambda v, i: v.index_select(0, i.long()), [rn(3, 4), ix], {"dim": 0}, diff=[True, False])
    b.add("index_select_dim_neg", "index_select", lambda v, i: v.index_select(-1, i.long()), [x, ix], {"dim": -1}, diff=[True, False])
    b.add("gather_dim1", "gather", lambda v, i: v.gather(1, i.long()), [rn(3, 4), idx(4, 3, 5)], {"dim": 1}, diff=[True, False])
    b.add("gather_dim0_small_index", "gather", lambda v, i: v.gather(0, i.long()), [rn(3, 4), idx(3, 2, 3)], {"dim": 0}, diff=[True, False])
    b.add("gather_3d_neg", "gather", lambda v, i: v.gather(-1, i.long()), [x, idx(4, 2, 3, 1)], {"dim": -1}, diff=[True, False])
    b.add("cat_dim0", "cat", lambda *v: torch.cat(v, 0), [rn(2, 3), rn(1, 3), rn(3, 3)], {"dim": 0})
    b.add("cat_dim_neg", "cat", lambda *v: torch.cat(v, -1), [rn(2, 3), rn(2, 1)], {"dim": -1})
    b.add("cat_partial_grad", "cat", lambda *v: torch.cat(v, 1), [rn(2, 2, 2), rn(2, 3, 2)], {"dim": 1}, diff=[False, True])
    b.add("stack_dim0", "stack", lambda *v: torch.stack(v, 0), [rn(2, 3), rn(2, 3), rn(2, 3)], {"dim": 0})
    b.add("stack_dim_neg", "stack", lambda *v: torch.stack(v, -1), [rn(2, 3), rn(2, 3)], {"dim": -1})


def linalg(b):
    cases = [
        ("2d", (3, 4), (4, 5)),
        ("batched", (2, 3, 4), (2, 4, 5)),
        ("broadcast_batch", (2, 1, 3, 4), (3, 4, 5)),
        ("matrix_times_batched", (3, 4), (2, 4, 5)),
        ("vector_matrix", (4,), (4, 5)),
        ("matrix_vector", (3, 4), (4,)),
        ("vector_vector", (4,), (4,)),
        ("batched_vector", (2, 3, 4), (4,)),
        ("vector_batched", (4,), (2, 4, 5)),
    ]
    for name, sa, sb in cases:
        b.add(f"matmul_{name}", "matmul", torch.matmul, [rn(*sa), rn(*sb)])
    b.add("dot", "dot", torch.dot, [rn(5), rn(5)])


def generate(out_dir):
    for file, fn in [("ops_elementwise.json", lambda b: (elementwise(b), comparisons(b))), ("ops_activation.json", activations),
                     ("ops_reduction.json", reductions), ("ops_shape.json", shapes), ("ops_linalg.json", linalg)]:
        b = Builder()
        fn(b)
        write(out_dir, file, b.cases)
