"""Training-step throughput of the engine's image layers against PyTorch CPU, float32.

Run from the repository root:

    PYTHONPATH=. python benchmarks/conv_layers.py                   # both cases (~1.5 minutes)
    PYTHONPATH=. python benchmarks/conv_layers.py --case digits --seconds 10

The block: input (64, 1, H, W) → Conv2D, F filters 3×3, padding "same", bias → ReLU →
MaxPool 2 → flatten → Linear 10 → softmax cross-entropy. One training step is the forward
pass, the loss and its gradient, the backward pass and a plain SGD update (lr 0.01), on
seeded random batches (16 of them, cycled).

  digits   (64, 1, 8, 8),   16 filters: the digits example's CNN
  mnist    (64, 1, 28, 28), 32 filters: does it scale?

engine   Conv2DLayer (input gradient off: its input is the data, as the model arranges),
         the engine's ActivationLayer("relu"), MaxPool2DLayer, DenseLayer, LossLayer fused on
         the logits (as the model fuses softmax + cross-entropy) and optimizers.SGD, called in
         order. Once with the BLAS threads NumPy finds, once with OPENBLAS_NUM_THREADS=1.
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
    "digits": dict(title="digits: (64, 1, 8, 8) → Conv2D 16×3×3 same → ReLU → MaxPool 2 → Linear 10",
                   size=8, filters=16),
    "mnist": dict(title="mnist-sized: (64, 1, 28, 28) → Conv2D 32×3×3 same → ReLU → MaxPool 2 → Linear 10",
                  size=28, filters=32),
}
BATCH, CLASSES, LR, BATCHES, SEED = 64, 10, 0.01, 16, 0


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
    """(layers in order, a training-step function, a step function timing each part)."""
    from engine.nodes.activations import ActivationLayer
    from engine.nodes.convolution import Conv2DLayer, same_padding
    from engine.nodes.layers import DenseLayer
    from engine.nodes.losses import LossLayer, encode_targets
    from engine.nodes.pooling import MaxPool2DLayer
    from engine.optimizers import SGD

    rng = np.random.default_rng(SEED)
    f, size = case["filters"], case["size"]
    features = f * (size // 2) ** 2
    conv = Conv2DLayer((rng.standard_normal((f, 1, 3, 3)) / 3).astype(np.float32), np.zeros(f, np.float32),
                       1, same_padding(3, 3))
    conv.need_input_grad = False
    relu = ActivationLayer({"function": "relu"}, features, np.float32)
    pool = MaxPool2DLayer(2, 2)
    dense = DenseLayer((rng.standard_normal((features, CLASSES)) / np.sqrt(features)).astype(np.float32),
                       np.zeros(CLASSES, np.float32))
    loss = LossLayer("categorical_cross_entropy", 1.0, 1.0)
    loss.fuse("softmax")
    optimizer = SGD(learning_rate=LR)
    named = {"conv": conv, "dense": dense}
    params = {f"{n}.{k}": v for n, layer in named.items() for k, v in layer.params.items()}
    batches = [(x, encode_targets("categorical_cross_entropy", y, "classification", CLASSES, np.float32))
               for x, y in make_batches(case)]
    parts = ["conv forward", "relu forward", "pool forward", "dense forward", "loss",
             "dense backward", "pool backward", "relu backward", "conv backward", "sgd"]
    counter = iter(range(10**12))

    def step(clock=None):
        x, t = batches[next(counter) % BATCHES]
        tick = clock or (lambda part: None)
        a = conv.forward([x], True); tick(0)
        b = relu.forward([a], True); tick(1)
        c = pool.forward([b], True); tick(2)
        z = dense.forward([c.reshape(len(c), -1)], True); tick(3)
        loss.loss(z, t)
        (g,) = loss.backward(); tick(4)
        (g,) = dense.backward(g); tick(5)
        (g,) = pool.backward(g.reshape(c.shape)); tick(6)
        (g,) = relu.backward(g); tick(7)
        conv.backward(g); tick(8)
        optimizer.step(params, {f"{n}.{k}": v for n, layer in named.items() for k, v in layer.grads.items()}); tick(9)

    return step, parts


def engine_rows(case: dict, seconds: float) -> dict:
    step, _ = engine_network(case)
    return {"engine": measure(step, seconds)}


def engine_parts(case: dict, seconds: float) -> dict:
    """Microseconds per step of each part: the minimum over rounds of a few steps."""
    step, parts = engine_network(case)
    steps = 10 if case["size"] < 16 else 2
    rounds = max(20, int(seconds * 20))
    best = [float("inf")] * len(parts)
    best_total = float("inf")
    for _ in range(rounds):
        spent = [0.0] * len(parts)
        last = [time.perf_counter()]

        def clock(part):
            now = time.perf_counter()
            spent[part] += now - last[0]
            last[0] = now

        start = time.perf_counter()
        for _ in range(steps):
            last[0] = time.perf_counter()
            step(clock)
        best_total = min(best_total, (time.perf_counter() - start) / steps)
        best = [min(b, s / steps) for b, s in zip(best, spent)]
    return {"total": best_total * 1e6, "parts": {p: b * 1e6 for p, b in zip(parts, best)}}


# ---- PyTorch -------------------------------------------------------------------------------
def torch_rows(case: dict, seconds: float) -> dict:
    import torch

    torch.manual_seed(SEED)
    f, size = case["filters"], case["size"]
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, f, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(f * (size // 2) ** 2, CLASSES),
    )
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
        print(f"\n{CASES[key]['title']}, batch {BATCH}, float32, one SGD training step")
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
