"""Training-step throughput of the engine's image layers against PyTorch CPU, float32.

Run from the repository root:

    PYTHONPATH=. python benchmarks/conv_layers.py                   # all cases (~3 minutes)
    PYTHONPATH=. python benchmarks/conv_layers.py --case digits --seconds 10

The network: input (64, 1, H, W) → one or two blocks [Conv2D F×3×3, padding "same", bias →
ReLU → MaxPool 2] → flatten → Linear 10 → softmax cross-entropy. One training step is the
forward pass, the loss and its gradient, the backward pass and a plain SGD update (lr 0.01),
on seeded random batches (16 of them, cycled).

  digits     (64, 1, 8, 8),   16 filters: the digits example's CNN (the issue's aim)
  mnist      (64, 1, 28, 28), 32 filters: does it scale with the image?
  two-conv   (64, 1, 28, 28), 16 then 32 filters: the second convolution also computes
             its input gradient (col2im), which a first one never needs

engine   Conv2DLayer (the first one without input gradient: its input is the data, as the
         model arranges), the engine's ActivationLayer("relu"), MaxPool2DLayer, DenseLayer,
         LossLayer fused on the logits (as the model fuses softmax + cross-entropy) and
         optimizers.SGD, called in order. Once with the BLAS threads NumPy finds, once with OPENBLAS_NUM_THREADS=1.
torch    nn.Sequential of the same layers, CrossEntropyLoss on the logits, optim.SGD, with
         torch.set_num_threads(1) and (2).

Each row runs in a fresh subprocess (OpenMP threads left spinning by torch must not slow
NumPy): a warm-up second, then rounds of about 0.1 s for ``--seconds``. Printed: the median
round and the best; on a shared machine the best is the closest to what the code does with a
core to itself, so the ratios are given for both. Then the engine's step part by part, each
the minimum over many short rounds (OPENBLAS_NUM_THREADS=1).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

CASES = {
    "digits": dict(size=8, filters=(16,)),
    "mnist": dict(size=28, filters=(32,)),
    "two-conv": dict(size=28, filters=(16, 32)),
}
BATCH, CLASSES, LR, BATCHES, SEED = 64, 10, 0.01, 16, 0


def title(case: dict) -> str:
    blocks = " → ".join(f"[Conv2D {f}×3×3 same → ReLU → MaxPool 2]" for f in case["filters"])
    return f"(64, 1, {case['size']}, {case['size']}) → {blocks} → Linear 10"


def make_batches(case: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(SEED)
    size = case["size"]
    return [(rng.standard_normal((BATCH, 1, size, size), dtype=np.float32), rng.integers(0, CLASSES, BATCH))
            for _ in range(BATCHES)]


def measure(step, seconds: float) -> dict:
    """Samples/s of ``step()`` (one batch) over short rounds of about 0.1 s for ``seconds`` in
    all, after a warm-up second: the median round, and the best, which on a shared machine is
    the closest to what the code does when it has a core to itself."""
    def rounds(duration: float) -> list[float]:
        rates, end = [], time.perf_counter() + duration
        while time.perf_counter() < end:
            steps, start = 0, time.perf_counter()
            while steps == 0 or time.perf_counter() - start < 0.1:
                step()
                steps += 1
            rates.append(steps * BATCH / (time.perf_counter() - start))
        return rates

    rounds(1.0)
    rates = rounds(seconds)
    return {"median": statistics.median(rates), "best": max(rates)}


# ---- NeuroCanvas engine ----------------------------------------------------------------------
def engine_network(case: dict):
    """(a training-step function, the names of its parts). ``step(clock)`` calls
    ``clock(part)`` after each part; the layers' parts are named by kind and direction."""
    from engine.nodes.activations import ActivationLayer
    from engine.nodes.convolution import Conv2DLayer, same_padding
    from engine.nodes.dense import DenseLayer
    from engine.nodes.losses import LossLayer, encode_targets
    from engine.nodes.pooling import MaxPool2DLayer
    from engine.optimizers import SGD

    rng = np.random.default_rng(SEED)
    layers, channels, size = [], 1, case["size"]
    for f in case["filters"]:
        weight = rng.standard_normal((f, channels, 3, 3)) / np.sqrt(9 * channels)
        conv = Conv2DLayer(weight.astype(np.float32), np.zeros(f, np.float32), 1, same_padding(3, 3))
        conv.need_input_grad = bool(layers)  # the first one's input is the data, as the model arranges
        layers += [("conv", conv), ("relu", ActivationLayer({"function": "relu"}, 0, True, np.float32)),
                   ("pool", MaxPool2DLayer(2, 2))]
        channels, size = f, size // 2
    features = channels * size * size
    weight = rng.standard_normal((features, CLASSES)) / np.sqrt(features)
    dense = DenseLayer(weight.astype(np.float32), np.zeros(CLASSES, np.float32))
    loss = LossLayer("categorical_cross_entropy", 1.0, 1.0)
    loss.fuse("softmax")
    optimizer = SGD(learning_rate=LR)
    trained = [(f"{i}", layer) for i, (_, layer) in enumerate(layers) if layer.params] + [("dense", dense)]
    params = {f"{n}.{k}": v for n, layer in trained for k, v in layer.params.items()}
    batches = [(x, encode_targets("categorical_cross_entropy", y, "classification", CLASSES, np.float32))
               for x, y in make_batches(case)]
    parts = [f"{kind} {direction}" for direction in ("forward", "backward") for kind in ("conv", "relu", "pool")]
    parts += ["dense forward", "dense backward", "loss", "sgd"]
    counter = iter(range(10**12))

    def step(clock=lambda part: None):
        x, t = batches[next(counter) % BATCHES]
        for kind, layer in layers:
            x = layer.forward([x], True)
            clock(f"{kind} forward")
        z = dense.forward([x.reshape(len(x), -1)], True)
        clock("dense forward")
        loss.loss(z, t)
        (g,) = loss.backward()
        clock("loss")
        (g,) = dense.backward(g)
        g = g.reshape(x.shape)
        clock("dense backward")
        for kind, layer in reversed(layers):
            (g,) = layer.backward(g)
            clock(f"{kind} backward")
        optimizer.step(params, {f"{n}.{k}": v for n, layer in trained for k, v in layer.grads.items()})
        clock("sgd")

    return step, parts


def engine_rows(case: dict, seconds: float) -> dict:
    step, _ = engine_network(case)
    return {"engine": measure(step, seconds)}


def engine_parts(case: dict, seconds: float) -> dict:
    """Microseconds per step of each part: the minimum over rounds of a few steps."""
    step, parts = engine_network(case)
    steps = 10 if case["size"] < 16 else 2
    best = dict.fromkeys(parts, float("inf"))
    best_total = float("inf")
    for _ in range(max(20, int(seconds * 20))):
        spent = dict.fromkeys(parts, 0.0)
        last = time.perf_counter()

        def clock(part):
            nonlocal last
            now = time.perf_counter()
            spent[part] += now - last
            last = now

        start = time.perf_counter()
        for _ in range(steps):
            last = time.perf_counter()
            step(clock)
        best_total = min(best_total, (time.perf_counter() - start) / steps)
        best = {p: min(best[p], spent[p] / steps) for p in parts}
    return {"total": best_total * 1e6, "parts": {p: b * 1e6 for p, b in best.items()}}


# ---- PyTorch -------------------------------------------------------------------------------
def torch_rows(case: dict, seconds: float) -> dict:
    import torch

    torch.manual_seed(SEED)
    layers, channels, size = [], 1, case["size"]
    for f in case["filters"]:
        layers += [torch.nn.Conv2d(channels, f, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
        channels, size = f, size // 2
    model = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(channels * size * size, CLASSES))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in make_batches(case)]
    counter = iter(range(10**12))

    def step():
        x, y = batches[next(counter) % BATCHES]
        loss_fn(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad()

    rows = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        rows[f"torch, set_num_threads({threads})"] = measure(step, seconds)
    return rows


# ---- driver --------------------------------------------------------------------------------
WORKERS = {"engine": engine_rows, "parts": engine_parts, "torch": torch_rows}


def collect(key: str, what: str, seconds: float, one_blas_thread: bool = False) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", f"{key}:{what}", "--seconds", str(seconds)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"} if one_blas_thread else None
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"worker {key}:{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def environment() -> str:
    import platform

    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    versions = f"python {platform.python_version()}, numpy {np.__version__}"
    if has_torch():
        import torch

        versions += f", torch {torch.__version__}"
    else:
        versions += ", torch not installed (its rows are skipped)"
    threads = ", ".join(f"{k}={v}" for k, v in sorted(env.items())) or "no OPENBLAS_/OMP_/MKL_ variables set"
    return f"{versions}; {os.cpu_count()} CPUs; {threads}"


def has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=[*CASES, "all"], default="all")
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per row")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        key, what = args.worker.split(":")
        print(json.dumps(WORKERS[what](CASES[key], args.seconds)))
        return

    print(environment())
    for key in CASES if args.case == "all" else [args.case]:
        load = os.getloadavg()[0]
        rows = {"engine, BLAS threads as found": collect(key, "engine", args.seconds)["engine"],
                "engine, OPENBLAS_NUM_THREADS=1": collect(key, "engine", args.seconds, True)["engine"]}
        if has_torch():
            rows.update(collect(key, "torch", args.seconds))
        print(f"\n{key}: {title(CASES[key])}, float32, one SGD training step")
        print(f"    load average before: {load:.2f} (above ~0.3 someone else is busy: expect noise)")
        print(f"    {'samples/s':>42s} {'median':>9s} {'best':>9s}")
        for name, r in rows.items():
            print(f"    {name:32s} {r['median']:>19,.0f} {r['best']:>9,.0f}")
        if has_torch():
            for stat in ("median", "best"):
                engine = max(r[stat] for n, r in rows.items() if n.startswith("engine"))
                torch_name, torch_rate = max(((n, r[stat]) for n, r in rows.items() if n.startswith("torch")),
                                             key=lambda item: item[1])
                print(f"    faster engine ÷ faster torch ({torch_name}), {stat}: {engine / torch_rate:.2f}×"
                      f"  (the issue's aim: ≥ 0.7×)")
        parts = collect(key, "parts", args.seconds, True)
        total = sum(parts["parts"].values())
        print(f"    engine step, best round: {parts['total']:,.0f} µs; by part (µs, each its best round):")
        for name, us in parts["parts"].items():
            print(f"        {name:16s} {us:9,.0f}  {us / total:5.1%}")


if __name__ == "__main__":
    main()
