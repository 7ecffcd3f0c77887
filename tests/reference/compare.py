"""Runs the engine's and PyTorch's W1-W4 benchmarks alternately and prints medians and ratios.

    /usr/bin/python3 tests/reference/compare.py                 # all workloads, 3 rounds
    /usr/bin/python3 tests/reference/compare.py --rounds 5 w1 w2

Each round runs, per workload, the engine, PyTorch with 1 thread and PyTorch with 2 threads, each in
its own process (so peak memory is per process). The anchor is PyTorch's better thread count;
ratio = engine samples/s / PyTorch samples/s (higher is better). For W4 the "overhead" column is
the per-task step time / (tasks x the plain summed-loss step time) of the same process (goal <= 1.5).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DLL = os.path.join(ROOT, "tests", "MultiTask.Benchmarks", "bin", "Release", "net10.0", "MultiTask.Benchmarks.dll")
PY = os.path.join(ROOT, "tests", "reference", "bench_pytorch.py")
JOBS = {"w1": ["w1"], "w2": ["w2"], "w3": ["w3"], "w4": ["w4", "--base", "W1"], "w4w3": ["w4", "--base", "W3"], "w5": ["w5"]}


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="*", default=list(JOBS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--engine-dll", default=DLL, help="another build of the runner (e.g. an older commit's)")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", "--nologo", "tests/MultiTask.Benchmarks"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    rows = {}  # (workload, contender) -> list of result dicts
    for r in range(a.rounds):
        for job in a.workloads:
            args = JOBS[job]
            contenders = [("engine", ["dotnet", a.engine_dll] + args)]
            contenders += [(f"torch{t}", [sys.executable, PY] + args + ["--threads", str(t)]) for t in (1, 2)]
            if r % 2 == 1:
                contenders.reverse()
            for name, cmd in contenders:
                for res in run(cmd):
                    rows.setdefault((res["workload"], name), []).append(res)
            print(f"round {r + 1}/{a.rounds} {job} done", file=sys.stderr, flush=True)

    def med(key, name, field):
        vals = [x[field] for x in rows.get((key, name), []) if field in x]
        return statistics.median(vals) if vals else float("nan")

    print(f"\nmedians of {a.rounds} rounds (samples/s; ratio = engine / best PyTorch; alloc = engine bytes per step)")
    print(f"{'workload':8} {'engine':>10} {'torch1T':>10} {'torch2T':>10} {'ratio':>6} {'step ms':>8} {'alloc/step':>11}"
          f" {'eng MB':>7} {'torch MB':>8} {'ovh eng':>7} {'ovh torch1T':>11}")
    for key in sorted({k for k, _ in rows}):
        e = med(key, "engine", "samples_per_s")
        t1, t2 = med(key, "torch1", "samples_per_s"), med(key, "torch2", "samples_per_s")
        best = max(t1, t2)
        ovh_e = med(key, "engine", "overhead")
        ovh_t = med(key, "torch1", "overhead")
        print(f"{key:8} {e:10.0f} {t1:10.0f} {t2:10.0f} {e / best:6.2f} {med(key, 'engine', 'step_ms'):8.3f}"
              f" {med(key, 'engine', 'alloc_bytes_per_step'):11.0f} {med(key, 'engine', 'peak_mb'):7.1f}"
              f" {max(med(key, 'torch1', 'peak_mb'), med(key, 'torch2', 'peak_mb')):8.1f}"
              f" {ovh_e:7.2f} {ovh_t:11.2f}")


if __name__ == "__main__":
    main()
