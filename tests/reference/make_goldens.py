#!/usr/bin/env python3
"""Writes the JSON goldens that the engine tests compare against.

Run with a Python that has PyTorch (Debian: apt-get install -y python3-torch libopenblas0-pthread):

    /usr/bin/python3 tests/reference/make_goldens.py

Each module in goldens/ owns some files in tests/MultiTask.Engine.Tests/Goldens/. The output is
deterministic (fixed seeds), so regenerating without code changes gives the same files.
"""
import importlib
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "MultiTask.Engine.Tests", "Goldens")

sys.path.insert(0, HERE)

import goldens  # noqa: E402


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sys.argv[1:] or [m.name for m in pkgutil.iter_modules(goldens.__path__) if m.name != "common"]
    for name in sorted(names):
        module = importlib.import_module(f"goldens.{name}")
        module.generate(OUT)
        print(f"goldens.{name}: done")


if __name__ == "__main__":
    main()
