#!/usr/bin/env python3
"""Writes tests/MultiTask.Tests/Goldens/weighting.json: the combined shared-parameter direction of each
gradient-space method, and the task weights of the deterministic loss-space methods, on hand-made inputs.

Every method is re-implemented here from its paper (and the authors' published code where the paper leaves
a choice), in float64 PyTorch/NumPy/SciPy, independently of the C# solvers: the min-norm and dual-cone
problems are solved exactly by enumerating active sets, CAGrad by SLSQP on the primal problem as its
authors do, Nash-MTL and FairGrad by least squares on their stationarity conditions as FairGrad's authors do.

MGDA appears twice: "Mgda" is the exact min-norm point (the C# test runs Mgda's Frank–Wolfe to convergence),
"MgdaFrankWolfe" the paper's Frank–Wolfe with its authors' 250 steps and 1e-5 stop, which Mgda uses by default
and which ends up to 0.4 % away from the exact point on the three-task cases.

Random draws: PCGrad and GradVac visit the other tasks in a random order. With two tasks there is one
other task, so no order is drawn and the direction is exact; with three tasks the file lists the direction
of every possible order ("alternatives") and the test requires the C# result to be one of them. GradDrop
draws one uniform number per coordinate; it is included only where every coordinate's non-zero task
gradients agree in sign, which makes the draw irrelevant (checked here by trying both extremes of u).

Loss-space methods: the weights (and, for learned scales, the gradients of the scales) from autograd on each
paper's objective; DB-MTL and ExcessMTL, which read task gradients, over three steps of the same inputs. Rlw
draws its weights and is left out; the epoch-driven ones (DWA) get a recorded loss history.

Stateful loss-space methods ("stateful_cases"): FAMO (logits and their Adam), GradNorm (learned weights, an SGD
step, clamp and renormalisation) and STCH (warm-up, recording epoch, ideal point) over five or six steps of
changing losses, one step with a task absent, checking each step's weights and shared direction.

Run with Debian's packages: /usr/bin/python3 tests/reference/make_weighting_goldens.py
"""
import itertools
import json
import math
import os

import numpy as np
import torch
from scipy.optimize import least_squares, minimize

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "MultiTask.Tests", "Goldens", "weighting.json")

CASES = {
    "aligned_2t_2d": [[1.0, 0.5], [2.0, 1.5]],
    "conflicting_2t_3d": [[1.0, 0.0, 0.5], [-1.0, 1.0, 0.2]],
    "dominant_2t_3d": [[10.0, 2.0, -1.0], [0.1, -0.3, 0.2]],
    "zero_2t_4d": [[1.0, 2.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]],
    "aligned_3t_4d": [[1.0, 0.5, 0.2, 0.1], [0.8, 1.0, 0.1, 0.3], [0.5, 0.4, 1.2, 0.2]],
    "conflicting_3t_3d": [[1.0, 0.0, 0.0], [-1.0, 2.0, 0.5], [-1.0, -2.0, 1.0]],
    "dominant_3t_5d": [[20.0, -4.0, 6.0, 2.0, 1.0], [0.2, 0.5, -0.1, 0.3, 0.0], [-0.3, 0.1, 0.4, 0.0, 0.2]],
    "zero_3t_3d": [[1.0, -0.5, 0.25], [0.0, 0.0, 0.0], [-0.5, 1.0, 0.5]],
}


def gram(g):
    return g @ g.T


# ---------------------------------------------------------------- quadratic programs by active sets

def min_norm_simplex(G):
    """argmin wᵀGw over the simplex, exactly: the best KKT point over every support set."""
    n = G.shape[0]
    best, best_value = None, math.inf
    for size in range(1, n + 1):
        for support in itertools.combinations(range(n), size):
            s = list(support)
            k = len(s)
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = G[np.ix_(s, s)]
            kkt[:k, k] = 1
            kkt[k, :k] = 1
            rhs = np.zeros(k + 1)
            rhs[k] = 1
            sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
            w = np.zeros(n)
            w[s] = sol[:k]
            if w.min() < -1e-12:
                continue
            value = w @ G @ w
            if (G @ w).min() < value - 1e-10 * max(1.0, abs(value)):
                continue
            if value < best_value - 1e-14:
                best, best_value = w, value
    return best


def project_dual_cone(G, u):
    """argmin vᵀGv subject to v ≥ u (torchjd's dual of projecting Jᵀu onto the dual cone {x: Jx ≥ 0})."""
    n = G.shape[0]
    best, best_value = None, math.inf
    for size in range(0, n + 1):
        for free in itertools.combinations(range(n), size):
            f = list(free)
            fixed = [i for i in range(n) if i not in free]
            v = u.copy()
            if f:
                v[f] = np.linalg.lstsq(G[np.ix_(f, f)], -G[np.ix_(f, fixed)] @ u[fixed], rcond=None)[0]
            if (v - u).min() < -1e-12:
                continue
            gv = G @ v
            scale = max(1.0, np.abs(G).max())
            if fixed and gv[fixed].min() < -1e-10 * scale:
                continue
            if f and np.abs(gv[f]).max() > 1e-9 * scale:
                continue
            value = v @ G @ v
            if value < best_value - 1e-14:
                best, best_value = v, value
    return best


def clip(d, max_norm):
    norm = float(torch.linalg.norm(d))
    return d * (max_norm / norm) if max_norm > 0 and norm > max_norm else d


# ---------------------------------------------------------------- gradient-space methods

def pcgrad(g, orders):
    """Yu et al. 2020, Algorithm 1, with the given order of the other tasks for each task."""
    out = torch.zeros(g.shape[1])
    for i in range(g.shape[0]):
        gi = g[i].clone()
        for j in orders[i]:
            dot = gi @ g[j]
            if dot < 0:
                gi = gi - dot / (g[j] @ g[j]) * g[j]
        out += gi
    return out


def all_orders(t):
    per_task = [list(itertools.permutations([j for j in range(t) if j != i])) for i in range(t)]
    return [list(combo) for combo in itertools.product(*per_task)]


def gradvac_step(g, targets, orders, beta):
    """Wang et al. 2021, Algorithm 1 (one group: the whole shared vector)."""
    out = torch.zeros(g.shape[1])
    norms = torch.linalg.norm(g, dim=1)
    for i in range(g.shape[0]):
        gi = g[i].clone()
        for j in orders[i]:
            ni = float(torch.linalg.norm(gi))
            if ni == 0 or norms[j] == 0:
                continue
            phi = float(gi @ g[j]) / (ni * float(norms[j]))
            phi = min(1.0, max(-1.0, phi))
            target = targets[i][j]
            if phi < target:
                w = ni * (target * math.sqrt(1 - phi * phi) - phi * math.sqrt(1 - target * target)) / (
                    float(norms[j]) * math.sqrt(1 - target * target))
                gi = gi + w * g[j]
            targets[i][j] = (1 - beta) * target + beta * phi
        out += gi
    return out


def mgda(g):
    """Sener and Koltun 2018: the min-norm point of the convex hull of the gradients."""
    w = torch.tensor(min_norm_simplex(gram(g).numpy()))
    return w @ g


def mgda_frank_wolfe(g, max_iterations=250, tolerance=1e-5):
    """Sener and Koltun 2018, Algorithm 2 as in their MinNormSolver: Frank–Wolfe from 1/T with the two-vector
    line search (clamped to [0.001, 0.999]), stopping after 250 steps or when no weight moves by 1e-5.
    For more than two tasks it stops short of the min-norm point; this is what Mgda does with its defaults."""
    G = gram(g).numpy()
    t = G.shape[0]
    if t == 2:
        return mgda(g)
    a = np.ones(t) / t
    for _ in range(max_iterations):
        k = int(np.argmin(G @ a))
        v11, v12, v22 = a @ G @ a, a @ G[:, k], G[k, k]
        if v12 >= v11:
            gamma = 0.999
        elif v12 >= v22:
            gamma = 0.001
        else:
            gamma = -(v12 - v22) / (v11 + v22 - 2 * v12)
        new = gamma * a
        new[k] += 1 - gamma
        change = np.abs(new - a).max()
        a = new
        if change < tolerance:
            break
    d = torch.tensor(a) @ g
    # A direction below 1e-4 of the longest gradient is the paper's Pareto-stationary stop (Mgda's stationaryTolerance).
    return torch.zeros_like(d) if float(torch.linalg.norm(d)) <= 1e-4 * float(torch.linalg.norm(g, dim=1).max()) else d


def cagrad(g, c=0.4):
    """Liu et al. 2021, the authors' code: min over the simplex of wᵀG·b + c‖g₀‖·‖G^½w‖ by SLSQP,
    d = g₀ + c‖g₀‖/‖g_w‖·g_w, rescaled by 1/(1 + c²)."""
    t = g.shape[0]
    G = gram(g).numpy()
    b = np.ones(t) / t
    g0_norm = math.sqrt(b @ G @ b)
    radius = c * g0_norm

    def objective(x):
        return x @ G @ b + radius * math.sqrt(max(x @ G @ x, 0.0) + 1e-30)

    res = minimize(objective, b, bounds=[(0, 1)] * t, constraints={"type": "eq", "fun": lambda x: 1 - x.sum()},
                   method="SLSQP", options={"ftol": 1e-16, "maxiter": 2000})
    w = torch.tensor(res.x)
    gw = w @ g
    # The authors add 1e-8 to the norm: when g_w = 0 (a zero gradient in the hull) d is the mean gradient.
    d = torch.tensor(b) @ g + radius / (float(torch.linalg.norm(gw)) + 1e-8) * gw
    return d / (1 + c * c)


def imtl_g(g):
    """Liu et al. 2021 (IMTL-G), as in LibMTL: undefined when a gradient is 0 or the system is singular."""
    norms = torch.linalg.norm(g, dim=1, keepdim=True)
    if float(norms.min()) == 0:
        return None
    u = g / norms
    D = g[0:1] - g[1:]
    U = u[0:1] - u[1:]
    alpha = (g[0] @ U.T) @ torch.linalg.inv(D @ U.T)
    alpha = torch.cat([(1 - alpha.sum()).unsqueeze(0), alpha])
    return alpha @ g


def nash(g, max_norm=1.0):
    """Navon et al. 2022, eq. (2): α > 0 with Gα = 1/α over the non-zero gradients, then the authors'
    gradient-norm clipping to max_norm."""
    active = [i for i in range(g.shape[0]) if float(torch.linalg.norm(g[i])) > 0]
    G = gram(g[active]).numpy()
    res = least_squares(lambda a: G @ a - 1 / a, 1 / np.sqrt(np.diag(G)), bounds=(1e-12, np.inf),
                        xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
    return clip(torch.tensor(res.x) @ g[active], max_norm)


def fairgrad(g, alpha=2.0, max_norm=1.0):
    """Ban and Ji 2024: Gw = w^(−1/α), solved as the authors do (least squares from 1/T), then clipped."""
    active = [i for i in range(g.shape[0]) if float(torch.linalg.norm(g[i])) > 0]
    G = gram(g[active]).numpy()
    res = least_squares(lambda w: G @ w - np.power(1 / w, 1 / alpha), np.ones(len(active)) / len(active),
                        bounds=(1e-12, np.inf), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
    return clip(torch.tensor(res.x) @ g[active], max_norm)


def upgrad(g):
    """Quinton and Rey 2024 (torchjd UPGrad): the mean of the projections of every gᵢ onto the dual cone."""
    t = g.shape[0]
    G = gram(g).numpy()
    w = sum(project_dual_cone(G, np.eye(t)[i]) for i in range(t)) / t
    return torch.tensor(w) @ g


def dualproj(g):
    """torchjd DualProj: the projection of the mean gradient onto the dual cone."""
    t = g.shape[0]
    return torch.tensor(project_dual_cone(gram(g).numpy(), np.ones(t) / t)) @ g


def aligned_mtl(g):
    """Senushkin et al. 2023, the authors' code with torchjd's preference w = 1/T."""
    t = g.shape[0]
    M = gram(g)
    lam, V = torch.linalg.eigh(M)
    tol = float(lam.max()) * t * torch.finfo(torch.float32).eps
    rank = int((lam > tol).sum())
    if rank == 0:
        return g.mean(0)
    order = torch.argsort(lam, descending=True)
    lam, V = lam[order][:rank], V[:, order][:, :rank]
    B = lam[-1].sqrt() * ((V @ torch.diag(1 / lam.sqrt())) @ V.T)
    alpha = B @ (torch.ones(t) / t)
    return alpha @ g


def config(g):
    """Liu et al. 2024 (ConFIG): ĝ ∝ U⁺1 over the unit gradients, length Σᵢ gᵢ·ĝ."""
    norms = torch.linalg.norm(g, dim=1, keepdim=True)
    unit = torch.where(norms > 0, g / torch.where(norms > 0, norms, torch.ones_like(norms)), torch.zeros_like(g))
    best = torch.linalg.pinv(unit) @ torch.ones(g.shape[0])
    best = best / torch.linalg.norm(best)
    return (g @ best).sum() * best


def simplex_projection(v, mass=1.0):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - mass
    k = np.arange(1, len(v) + 1)
    rho = np.nonzero(u - css / k > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1), 0)


def moco(g, steps, beta=0.5, beta_decay=0.5, gamma=0.1, gamma_decay=0.5, rho=0.0):
    """Fernando et al. 2023, Algorithm 1, the same gradients every step; returns each step's direction."""
    t = g.shape[0]
    y = torch.zeros_like(g)
    lam = np.ones(t) / t
    out = []
    for step in range(1, steps + 1):
        b, c = beta / step ** beta_decay, gamma / step ** gamma_decay
        y = y - b * (y - g)
        G = gram(y).numpy()
        lam = simplex_projection(lam - c * (G @ lam + rho * lam))
        out.append(torch.tensor(lam) @ y)
    return out


def graddrop(g):
    """Chen et al. 2020 with leak 0: keep the sign with probability P = ½(1 + Σg/Σ|g|); None unless the draw
    does not matter."""
    results = []
    for u in (1e-9, 1 - 1e-9):
        out = torch.zeros(g.shape[1])
        for k in range(g.shape[1]):
            col = g[:, k]
            absolute = float(col.abs().sum())
            if absolute == 0:
                continue
            purity = 0.5 * (1 + float(col.sum()) / absolute)
            out[k] = sum(float(x) for x in col if (x > 0 and purity > u) or (x < 0 and purity < u))
        results.append(out)
    return results[0] if torch.equal(results[0], results[1]) else None


def vec(d):
    return [float(x) for x in d]


cases = []
for name, rows in CASES.items():
    g = torch.tensor(rows)
    t = g.shape[0]
    methods = {}

    def put(method, direction=None, steps=None, alternatives=None, note=None):
        entry = {}
        if direction is not None:
            entry["steps"] = [vec(direction)]
        if steps is not None:
            entry["steps"] = [vec(d) for d in steps]
        if alternatives is not None:
            unique = []
            for d in alternatives:
                if not any(torch.allclose(d, e, rtol=1e-12, atol=1e-12) for e in unique):
                    unique.append(d)
            entry["alternatives"] = [vec(d) for d in unique]
        methods[method] = entry

    if t == 2:
        put("PCGrad", pcgrad(g, [[1], [0]]))
        targets = [[0.0] * t for _ in range(t)]
        put("GradVac", steps=[gradvac_step(g, targets, [[1], [0]], 0.01) for _ in range(3)])
    else:
        put("PCGrad", alternatives=[pcgrad(g, o) for o in all_orders(t)])
        put("GradVac", alternatives=[gradvac_step(g, [[0.0] * t for _ in range(t)], o, 0.01) for o in all_orders(t)])
    put("Mgda", mgda(g))
    put("MgdaFrankWolfe", mgda_frank_wolfe(g))
    put("CAGrad", cagrad(g))
    if (d := imtl_g(g)) is not None:
        put("ImtlG", d)
    put("NashMtl", nash(g))
    put("FairGrad", fairgrad(g))
    put("UPGrad", upgrad(g))
    put("DualProj", dualproj(g))
    put("AlignedMtl", aligned_mtl(g))
    put("ConFig", config(g))
    put("MoCo", steps=moco(g, 3))
    if (d := graddrop(g)) is not None:
        put("GradDrop", d)
    cases.append({"name": name, "gradients": rows, "methods": methods})


# ---------------------------------------------------------------- loss-space methods

def gls(losses):
    """Chennupati et al. 2019: L = (Π Lᵢ)^(1/K); the weight of task i is ∂L/∂Lᵢ, by autograd."""
    x = torch.tensor(losses, requires_grad=True)
    total = x.prod() ** (1 / len(losses))
    total.backward()
    return [float(v) for v in x.grad]


def dwa(history, temperature=2.0):
    """Liu et al. 2019, eq. (7): wᵢ = K·softmax(rᵢ/T), rᵢ = Lᵢ(t−1)/Lᵢ(t−2)."""
    r = torch.tensor([h[-1] / h[-2] for h in history])
    return [float(v) for v in len(history) * torch.softmax(r / temperature, 0)]


def uncertainty(losses, s, classification):
    """Kendall et al. 2018, eqs. (7)/(10): Σ cᵢ·exp(−sᵢ)·Lᵢ + ½sᵢ, cᵢ = ½ (regression) or 1 (classification)."""
    x = torch.tensor(losses, requires_grad=True)
    sv = torch.tensor(s, requires_grad=True)
    c = torch.tensor([1.0 if k else 0.5 for k in classification])
    (c * torch.exp(-sv) * x + 0.5 * sv).sum().backward()
    return [float(v) for v in x.grad], [float(v) for v in sv.grad]


def imtl_l(losses, s):
    """Liu et al. 2021, §3.2 (IMTL-L): Σ exp(sᵢ)·Lᵢ − sᵢ."""
    x = torch.tensor(losses, requires_grad=True)
    sv = torch.tensor(s, requires_grad=True)
    (torch.exp(sv) * x - sv).sum().backward()
    return [float(v) for v in x.grad], [float(v) for v in sv.grad]


def learned(name, method, losses, s, result):
    return {"name": name, "method": method, "losses": losses, "log_scales": s, "weights": result[0], "log_scale_grads": result[1]}


loss_cases = [
    learned("uncertainty_regression", "UncertaintyWeighting", [0.8, 3.0], [0.3, -0.7], uncertainty([0.8, 3.0], [0.3, -0.7], [False, False])),
    learned("imtl_l_three", "ImtlL", [0.8, 3.0, 0.05], [0.3, -0.7, 1.5], imtl_l([0.8, 3.0, 0.05], [0.3, -0.7, 1.5])),

    {"name": "gls_two", "method": "Gls", "losses": [0.5, 2.0], "weights": gls([0.5, 2.0])},
    {"name": "gls_three", "method": "Gls", "losses": [0.1, 1.0, 7.5], "weights": gls([0.1, 1.0, 7.5])},
    {"name": "dwa_three", "method": "DynamicWeightAverage", "losses": [1.0, 1.0, 1.0],
     "history": [[2.0, 1.0], [1.0, 0.9], [0.5, 0.55]], "weights": dwa([[2.0, 1.0], [1.0, 0.9], [0.5, 0.55]])},
]



# ---------------------------------------------------------------- loss-space methods driven by task gradients
# Lᵢ = θ·(mₖᵢ·gᵢ) + cᵢ at θ = 0: at step k the loss is cᵢ and its gradient on the shared vector mₖᵢ·gᵢ.
STEP_SCALES = [[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [2.0, 0.3, 0.7]]

def db_mtl(g0, c, steps, beta=0.9, sigma=0.0, eps=1e-8):
    """Lin et al. 2023 (DB-MTL), Algorithm 1 as in LibMTL: EMA of the gradients of log(Lᵢ + ε), each scaled to the largest norm."""
    buffer = torch.zeros_like(g0)
    out = []
    for k in range(1, steps + 1):
        g = g0 * torch.tensor(STEP_SCALES[k - 1][:g0.shape[0]]).unsqueeze(1)
        x = torch.zeros(g.shape[1], requires_grad=True)
        log_losses = [torch.log(x @ g[i] + c[i] + eps) for i in range(g.shape[0])]
        grads = torch.stack([torch.autograd.grad(l, x, retain_graph=True)[0] for l in log_losses])
        buffer = grads + beta / k ** sigma * (buffer - grads)
        norms = torch.linalg.norm(buffer, dim=1)
        alpha = norms.max() / (norms + 1e-8)
        out.append({"weights": [float(v) for v in alpha], "direction": vec(alpha @ buffer)})
    return out


def excess_mtl(g0, c, steps, eta=0.5):
    """He et al. 2024 (ExcessMTL), Algorithm 1 with the diagonal AdaGrad Hessian, as in the authors' code."""
    t = g0.shape[0]
    acc = torch.zeros_like(g0)
    w = torch.ones(t)
    first = None
    out = []
    for k in range(steps):
        g = g0 * torch.tensor(STEP_SCALES[k][:t]).unsqueeze(1)
        acc = acc + g * g
        e = (g * g / torch.sqrt(acc + 1e-7)).sum(1)
        if first is None:
            first = e.clone()
        else:
            w = w * torch.exp(eta * e / first)
            w = w / w.sum() * t
        out.append({"weights": [float(v) for v in w], "direction": vec(w @ g)})
    return out


gradient_loss_cases = []
for name, offsets in [("dominant_2t_3d", [2.0, 0.5]), ("conflicting_3t_3d", [1.0, 3.0, 0.25]), ("dominant_3t_5d", [0.3, 1.5, 4.0])]:
    g = torch.tensor(CASES[name])
    gradient_loss_cases.append({"name": f"DbMtl_{name}", "method": "DbMtl", "gradients": CASES[name], "offsets": offsets,
                                "step_scales": STEP_SCALES, "steps": db_mtl(g, offsets, 3)})
    gradient_loss_cases.append({"name": f"ExcessMtl_{name}", "method": "ExcessMtl", "gradients": CASES[name], "offsets": offsets,
                                "step_scales": STEP_SCALES, "steps": excess_mtl(g, offsets, 3)})


# ---------------------------------------------------------------- stateful loss-space methods over several steps
# Lᵢ = θ·(sₖᵢ·gᵢ) + cₖᵢ at θ = 0: at step k the loss is cₖᵢ (None: the task has no labels in the batch) and its
# gradient on the shared vector sₖᵢ·gᵢ. Loss values are dyadic, so float32 holds them exactly.

def famo(g, losses, lr=0.025, gamma=1e-3, eps=1e-8):
    """Liu et al. 2023 (FAMO), Algorithm 1 with the authors' code: logits w, z = softmax(w), D = L + ε,
    objective Σ zᵢ·log Dᵢ / c with c = Σ zᵢ/Dᵢ held constant; the logits take one torch.optim.Adam step
    (L2 weight decay γ) on the softmax's vector-Jacobian product with δ = log D(before) − log D(after).
    "After" is the next step's loss; a task absent from either step has δᵢ = 0 and is left out of the objective."""
    t = g.shape[0]
    w = torch.zeros(t, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, weight_decay=gamma)
    prev = [None] * t
    out = []
    for row in losses:
        present = [i for i in range(t) if row[i] is not None]
        if any(p is not None for p in prev):
            delta = torch.tensor([math.log(prev[i] + eps) - math.log(row[i] + eps) if row[i] is not None and prev[i] is not None else 0.0
                                  for i in range(t)])
            d = torch.autograd.grad(torch.softmax(w, -1), w, grad_outputs=delta)[0]
            opt.zero_grad()
            w.grad = d
            opt.step()
        z = torch.softmax(w, -1).detach()[present]
        x = torch.tensor([row[i] for i in present], requires_grad=True)
        D = x + eps
        c = (z / D).sum().detach()
        (D.log() * z / c).sum().backward()
        weights = [0.0] * t
        for a, i in enumerate(present):
            weights[i] = float(x.grad[a])
        prev = [row[i] for i in range(t)]
        out.append({"weights": weights, "direction": vec(torch.tensor(weights) @ g), "logits": vec(w.detach())})
    return out


def gradnorm(g, losses, scales, alpha=1.5, lr=0.05, min_weight=1e-4):
    """Chen et al. 2018 (GradNorm), §3: Gᵢ = ‖∇_W wᵢLᵢ‖ by double back-propagation, r̃ᵢ = L̃ᵢ/mean L̃ with
    L̃ᵢ = Lᵢ(t)/Lᵢ(0), L_grad = Σ|Gᵢ − Ḡ·r̃ᵢ^α| with the target held constant, differentiated by the weights
    only; the weights then take a plain SGD step of size lr, are clamped to min_weight and renormalised to sum T."""
    t, n = g.shape
    w = torch.ones(t, requires_grad=True)
    initial = [None] * t
    out = []
    for row, srow in zip(losses, scales):
        theta = torch.zeros(n, requires_grad=True)
        present = [i for i in range(t) if row[i] is not None]
        L = {i: theta @ (srow[i] * g[i]) + row[i] for i in present}
        for i in present:
            if initial[i] is None:
                initial[i] = row[i]
        G = torch.stack([torch.linalg.norm(torch.autograd.grad(w[i] * L[i], theta, create_graph=True)[0]) for i in present])
        ratio = torch.tensor([row[i] / initial[i] for i in present])
        target = (G.mean() * (ratio / ratio.mean()) ** alpha).detach()
        grad_loss = (G - target).abs().sum()
        wgrad = torch.autograd.grad(grad_loss, w)[0]
        weights = [float(w[i]) if row[i] is not None else 0.0 for i in range(t)]
        direction = torch.autograd.grad(sum(w.detach()[i] * L[i] for i in present), theta)[0]
        out.append({"weights": weights, "direction": vec(direction), "grad_loss": float(grad_loss), "weight_grads": vec(wgrad)})
        with torch.no_grad():
            w -= lr * wgrad
            w.clamp_(min=min_weight)
            w *= t / w.sum()
    return out


def stch(g, losses, epochs, mu, warmup, prefs):
    """Lin et al. 2024 (STCH), eq. (9) on log-losses with the authors' multi-task ideal point: before epoch
    `warmup` Σ log Lᵢ; during it the same while averaging each task's loss; after it
    K·μ·log Σ exp(pᵢ·log(Lᵢ/L̄ᵢ)/μ) over the K present tasks (a task unseen while recording takes its first
    later loss as L̄ᵢ). The weights are ∂objective/∂Lᵢ by autograd."""
    t = g.shape[0]
    sums, counts, ideal = [0.0] * t, [0] * t, None
    out = []
    for row, epoch in zip(losses, epochs):
        present = [i for i in range(t) if row[i] is not None]
        x = torch.tensor([row[i] for i in present], requires_grad=True)
        if epoch <= warmup and ideal is None:
            torch.log(x + 1e-20).sum().backward()
            if epoch == warmup:
                for i in present:
                    sums[i] += row[i]
                    counts[i] += 1
        else:
            if ideal is None:
                ideal = [sums[i] / counts[i] if counts[i] else None for i in range(t)]
            for i in present:
                if ideal[i] is None:
                    ideal[i] = row[i]
            nadir = torch.tensor([ideal[i] for i in present])
            p = torch.tensor([prefs[i] for i in present])
            (len(present) * mu * torch.logsumexp(p * torch.log(x / nadir + 1e-20) / mu, 0)).backward()
        weights = [0.0] * t
        for a, i in enumerate(present):
            weights[i] = float(x.grad[a])
        out.append({"weights": weights, "direction": vec(torch.tensor(weights) @ g)})
    return out


FAMO_LOSSES = [[2.0, 0.5, 1.5], [1.5, 0.5, 1.25], [1.0, 0.375, None], [0.75, 0.25, 1.0], [0.625, 0.25, 0.5]]
GRADNORM_LOSSES = [[2.0, 0.5, 1.5], [1.5, 0.5, 1.25], [1.0, 0.375, 1.0], [0.75, 0.25, None], [0.625, 0.25, 0.5]]
STCH_LOSSES = [[2.0, 0.5, 1.5], [1.5, 0.5, None], [1.25, 0.375, None], [1.0, 0.375, 1.0], [0.75, 0.5, 0.25], [0.5, None, 0.125]]
STCH_EPOCHS = [0, 1, 1, 2, 2, 3]
stateful_cases = []
for name in ["conflicting_3t_3d", "dominant_3t_5d"]:
    g = torch.tensor(CASES[name])
    ones = [[1.0, 1.0, 1.0]] * len(FAMO_LOSSES)
    stch_ones = [[1.0, 1.0, 1.0]] * len(STCH_LOSSES)
    stateful_cases.append({"name": f"Famo_{name}", "method": "Famo", "params": {"learning_rate": 0.025, "weight_decay": 1e-3},
                           "gradients": CASES[name], "losses": FAMO_LOSSES, "step_scales": ones, "steps": famo(g, FAMO_LOSSES)})
    stateful_cases.append({"name": f"FamoFast_{name}", "method": "Famo", "params": {"learning_rate": 0.5, "weight_decay": 0.1},
                           "gradients": CASES[name], "losses": FAMO_LOSSES, "step_scales": ones, "steps": famo(g, FAMO_LOSSES, lr=0.5, gamma=0.1)})
    gn_scales = [STEP_SCALES[k % 3] for k in range(len(GRADNORM_LOSSES))]
    for alpha in (1.5, 0.5):
        stateful_cases.append({"name": f"GradNorm_alpha{alpha}_{name}", "method": "GradNorm", "params": {"alpha": alpha, "learning_rate": 0.05},
                               "gradients": CASES[name], "losses": GRADNORM_LOSSES, "step_scales": gn_scales,
                               "steps": gradnorm(g, GRADNORM_LOSSES, gn_scales, alpha=alpha)})
    stateful_cases.append({"name": f"Stch_{name}", "method": "Stch", "params": {"mu": 0.5, "warmup_epochs": 1, "preferences": {"t2": 2.0}},
                           "gradients": CASES[name], "losses": STCH_LOSSES, "epochs": STCH_EPOCHS, "step_scales": stch_ones,
                           "steps": stch(g, STCH_LOSSES, STCH_EPOCHS, 0.5, 1, [1.0, 2.0, 1.0])})
    stateful_cases.append({"name": f"StchDefaults_{name}", "method": "Stch", "params": {},
                           "gradients": CASES[name], "losses": STCH_LOSSES, "epochs": [e + 3 for e in STCH_EPOCHS], "step_scales": stch_ones,
                           "steps": stch(g, STCH_LOSSES, [e + 3 for e in STCH_EPOCHS], 1.0, 4, [1.0, 1.0, 1.0])})

with open(OUT, "w") as f:
    json.dump({"cases": cases, "loss_cases": loss_cases, "gradient_loss_cases": gradient_loss_cases, "stateful_cases": stateful_cases}, f, indent=1)
print("wrote", OUT)
