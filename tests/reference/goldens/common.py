"""Helpers shared by the golden generators: tensor encoding and file writing."""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float32)


def number(x):
    """A float as JSON: non-finite values become the strings "nan", "inf", "-inf"."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def t(x):
    """A tensor as {"shape": [...], "data": [...]} in row-major order."""
    if x is None:
        return None
    x = torch.as_tensor(x).detach().to(torch.float32).contiguous()
    return {"shape": list(x.shape), "data": [number(v) for v in x.reshape(-1).tolist()]}


def write(out_dir, file_name, cases, **extra):
    """Writes {"cases": cases, **extra} to out_dir/file_name."""
    path = os.path.join(out_dir, file_name)
    with open(path, "w") as f:
        json.dump({"generator": "tests/reference/make_goldens.py", "torch": torch.__version__, **extra, "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
