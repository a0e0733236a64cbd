"""Real data at real size: an MNIST-shaped CSV through the engine, against pandas on the same file.

Run from the repository root:

    PYTHONPATH=. python benchmarks/data_scale.py                 # full run (~2 minutes)
    PYTHONPATH=. python benchmarks/data_scale.py --rows 10000    # a smaller file, for a quick look
    PYTHONPATH=. python benchmarks/data_scale.py --keep DIR      # keep (and reuse) the file in DIR

It writes, itself, a CSV of the shape of MNIST (a header, then ``--rows`` rows of a label 0-9 and
784 pixel columns of integers 0-255; 60,000 rows make ~160 MB) and a 784-256-256-10 project that
points at it, then prints:

  load      the engine's ``load_csv`` against ``pandas.read_csv`` on the same file in the same
            run (median of ``--repeats`` alternating runs; pandas imported beforehand, so that
            neither pays for the import). Aim: at most 2x pandas.
  info      ``python main.py info PROJECT`` in a child process: its wall time and its peak memory
            (the child's maximum resident set size, from wait4). Aim: at most 1 GB.
  train     ``python main.py train PROJECT --epochs 1`` in a child process: the samples/s it
            reports, next to the samples/s of the same training on the same-sized data already in
            memory (a child that builds random float32 arrays and runs ``Trainer.run(1)``).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PIXELS = 784
CLASSES = 10
TRAINING = {"optimizer": {"name": "adam", "learning_rate": 0.001}, "batch_size": 128, "epochs": 1,
            "validation_split": 0.1, "shuffle": True, "seed": 0, "dtype": "float32"}
AIM_LOAD_RATIO = 2.0
AIM_INFO_BYTES = 1 << 30


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Digit-like rows: each class has a template of lit pixels, each row a noisy copy of its class's."""
    rng = np.random.default_rng(seed)
    templates = (rng.random((CLASSES, PIXELS)) < 0.85) * rng.integers(60, 256, (CLASSES, PIXELS))
    text = [str(v).encode() for v in range(256)]
    with open(path, "wb") as f:
        f.write(b"label," + ",".join(f"pixel{j}" for j in range(PIXELS)).encode() + b"\n")
        for start in range(0, rows, 5000):
            labels = rng.integers(0, CLASSES, min(5000, rows - start))
            noise = rng.integers(-40, 41, (len(labels), PIXELS))
            pixels = np.clip(templates[labels] + noise * (templates[labels] > 0), 0, 255)
            for label, row in zip(labels.tolist(), pixels.tolist()):
                f.write(text[label] + b"," + b",".join([text[v] for v in row]) + b"\n")


def write_project(path: Path, csv_name: str) -> None:
    nodes = [{"id": "pixels", "type": "Input", "position": [0, 0], "params": {"size": PIXELS}}]
    edges = []
    previous = "pixels"
    for k, units in enumerate((256, 256), 1):
        nodes += [{"id": f"h{k}", "type": "Dense", "position": [440 * k - 220, 0], "params": {"units": units}},
                  {"id": f"relu{k}", "type": "Activation", "position": [440 * k, 0], "params": {"function": "relu"}}]
        edges += [{"from": previous, "to": f"h{k}"}, {"from": f"h{k}", "to": f"relu{k}"}]
        previous = f"relu{k}"
    nodes += [{"id": "out", "type": "Dense", "position": [1100, 0], "params": {"units": CLASSES}},
              {"id": "probs", "type": "Activation", "position": [1320, 0], "params": {"function": "softmax"}},
              {"id": "loss", "type": "Loss", "position": [1540, 0],
               "params": {"function": "categorical_cross_entropy"}}]
    edges += [{"from": previous, "to": "out"}, {"from": "out", "to": "probs"}, {"from": "probs", "to": "loss"}]
    project = {"format": "neurocanvas-project", "version": 1, "name": "MNIST-shaped CSV",
               "graph": {"nodes": nodes, "edges": edges},
               "dataset": {"source": "csv", "path": csv_name, "target": "label", "standardize": True},
               "training": TRAINING}
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")


def time_loads(path: Path, repeats: int) -> dict[str, list[float]]:
    import pandas as pd

    from engine.datasets import load_csv

    times: dict[str, list[float]] = {"pandas.read_csv": [], "engine load_csv": []}
    for _ in range(repeats):  # alternating, so that a busy spell on the machine hits both
        for name, load in (("pandas.read_csv", lambda: pd.read_csv(path)),
                           ("engine load_csv", lambda: load_csv(path, target="label"))):
            started = time.perf_counter()
            result = load()
            times[name].append(time.perf_counter() - started)
            del result
    return times


def run_measured(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes (the child's own, from wait4) and output of ``python args``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"python {' '.join(args)} failed ({child.returncode}): {err.read().strip()}")
        return seconds, usage.ru_maxrss * 1024, out.read()


IN_MEMORY = """
import sys, time
import numpy as np
from engine.datasets import Dataset
from engine.project import load_project
rows = int(sys.argv[1])
project = load_project(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.standard_normal((rows, 784), dtype=np.float32)
y = rng.integers(0, 10, rows)
ds = Dataset("random", "classification", x, y, [f"p{j}" for j in range(784)], [str(k) for k in range(10)], ["label"])
trainer = project.trainer(ds)
started = time.perf_counter()
trainer.run(1)
print(len(trainer.x_train) / (time.perf_counter() - started))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="a folder to write (and reuse) the CSV and project in")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    folder = args.keep or Path(tempfile.mkdtemp(prefix="neurocanvas-data-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, project_path = folder / f"mnist-{args.rows}.csv", folder / f"mnist-{args.rows}.ncproj"
    if not csv_path.exists():
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(f"wrote {csv_path} in {time.perf_counter() - started:.1f} s")
    write_project(project_path, csv_path.name)
    size = csv_path.stat().st_size
    print(f"MNIST-shaped CSV: {args.rows:,} rows x {PIXELS + 1} columns, {size / 2**20:.1f} MB")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {__import__('pandas').__version__}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    # The children run first: Linux carries a process's memory high-water mark across fork and exec,
    # so a child started after this process has loaded the file would report this process's peak.
    seconds, peak, _ = run_measured(["main.py", "info", str(project_path)], ROOT)
    print(f"python main.py info: {seconds:.2f} s, peak memory {peak / 2**20:,.0f} MB   "
          f"aim <= {AIM_INFO_BYTES / 2**30:g} GB: {'met' if peak <= AIM_INFO_BYTES else 'NOT met'}")

    seconds, peak, out = run_measured(["main.py", "train", str(project_path), "--epochs", "1", "--quiet"], ROOT)
    found = re.search(r"([\d,]+) samples/s", out)
    cli_rate = float(found.group(1).replace(",", "")) if found else float("nan")
    _, _, out = run_measured(["-c", IN_MEMORY, str(args.rows), str(project_path)], ROOT)
    memory_rate = float(out.strip().splitlines()[-1])
    print(f"python main.py train --epochs 1: {cli_rate:,.0f} samples/s (whole command {seconds:.1f} s, "
          f"peak memory {peak / 2**20:,.0f} MB)")
    print(f"  the same training on data already in memory: {memory_rate:,.0f} samples/s "
          f"(CLI / in memory {cli_rate / memory_rate:.2f}x)")

    times = time_loads(csv_path, args.repeats)
    pandas_s, engine_s = (statistics.median(times[k]) for k in ("pandas.read_csv", "engine load_csv"))
    print(f"load (median of {args.repeats}, alternating):")
    for name, values in times.items():
        print(f"  {name:<18} {statistics.median(values):6.2f} s   (runs: {', '.join(f'{v:.2f}' for v in values)})")
    ratio = engine_s / pandas_s
    print(f"  engine / pandas    {ratio:6.2f}x   aim <= {AIM_LOAD_RATIO:g}x: {'met' if ratio <= AIM_LOAD_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
