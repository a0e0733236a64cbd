"""Training throughput of NeuroCanvas's NumPy engine against PyTorch CPU and scikit-learn.

Run from the repository root:

    PYTHONPATH=. python benchmarks/engine_vs_peers.py            # full run (~3-4 minutes)
    PYTHONPATH=. python benchmarks/engine_vs_peers.py --quick    # short run (~1 minute)
    PYTHONPATH=. python benchmarks/engine_vs_peers.py --case b --seconds 5 --repeats 7

Three cases, float32, plain SGD (no momentum, no weight decay), random seeded data:

  (a) 784-256-256-10 ReLU, softmax + categorical cross-entropy, batch 128, lr 0.01, 8192 samples
  (b) 2-8-8-1 tanh, sigmoid + binary cross-entropy, batch 10, lr 0.01, 2000 samples
  (c) the digits CNN: 1×8×8 → Conv2D 16 3×3 same → ReLU → MaxPool2D 2 → Flatten → Dense 10,
      softmax + categorical cross-entropy, batch 64, lr 0.01, 2048 samples (no scikit-learn row)

Each framework runs in its own fresh subprocess (so that PyTorch's OpenMP threads, which
keep spinning after a parallel region, cannot slow NumPy's OpenBLAS threads and vice versa);
``--in-process`` turns that off. Every measurement: one warm-up epoch, then ``--repeats``
repetitions of whole epochs for at least ``--seconds`` each; the median samples/s is reported
(with the spread of the repetitions).

What each row times:

  engine run        ``Trainer.run(1)`` per epoch: steps + the per-epoch shuffle and parameter
                    backup + the per-epoch metrics (a forward pass over the whole training set)
  engine step_batch ``Trainer.step_batch()`` in a loop; it ends epochs itself, so this too
                    includes the per-epoch metrics (it differs from ``run`` by run's bookkeeping)
  engine steps      ``Trainer.step_batch()`` with the trainer's ``evaluate`` replaced on the
                    instance by a no-op: the training steps, the per-epoch shuffle and backup,
                    but no metrics pass. This is the row to compare with PyTorch.
  torch             forward, loss, backward, optimizer.step, zero_grad over slices of
                    the data shuffled once per epoch (as the engine does; no metrics); CrossEntropyLoss /
                    BCEWithLogitsLoss on the logits (the same fusion the engine does).
                    Once with the default thread count, once with torch.set_num_threads(2),
                    and, for information only (not used for the aims), with 1 thread: on a
                    2-core machine that something else is using, torch's 2 OpenMP threads can
                    collapse (we saw 30x slower steps for case (b)).
  sklearn           ``MLPClassifier.partial_fit`` per epoch (solver="sgd", momentum=0,
                    alpha=0, shuffle=True); sklearn shuffles each epoch and accumulates the
                    training loss, but does no metrics pass.

The script never changes OPENBLAS_* / OMP_* variables; it reports the ones it finds.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

CASES = {
    "a": dict(
        title="(a) 784-256-256-10 ReLU, softmax + categorical CE, batch 128, SGD lr 0.01, float32",
        inputs=784, hidden=(256, 256), activation="relu", classes=10,
        batch=128, lr=0.01, samples=8192,
    ),
    "b": dict(
        title="(b) 2-8-8-1 tanh, sigmoid + binary CE, batch 10, SGD lr 0.01, float32",
        inputs=2, hidden=(8, 8), activation="tanh", classes=2,
        batch=10, lr=0.01, samples=2000,
    ),
    "c": dict(
        title="(c) digits CNN 1x8x8 -> Conv2D 16 3x3 same -> ReLU -> MaxPool2D 2 -> Dense 10, softmax + CE, batch 64",
        inputs=64, image=(1, 8, 8), filters=16, kernel=3, pool=2, hidden=(), activation="relu", classes=10,
        batch=64, lr=0.01, samples=2048,
    ),
}
FRAMEWORKS = ("engine", "torch", "sklearn")
SEED = 0


# ---- data ---------------------------------------------------------------------------------
def make_data(case: dict) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random features (float64, as a dataset holds them) and int64 class labels."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((case["samples"], case["inputs"]))
    if case["classes"] == 2:
        y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR-like, so there is something to learn
    else:
        y = rng.integers(0, case["classes"], size=case["samples"]).astype(np.int64)
    return x, y


# ---- measuring ---------------------------------------------------------------------------
def measure(epoch, samples_per_epoch: int, seconds: float, repeats: int) -> dict:
    """Samples/s of ``epoch()`` (which trains on ``samples_per_epoch`` samples):
    one warm-up epoch, then ``repeats`` timings of whole epochs lasting ≥ ``seconds``."""
    epoch()  # warm-up: allocations, BLAS thread start, caches
    rates = []
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        while True:
            epoch()
            done += samples_per_epoch
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(done / elapsed)
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates), "repeats": len(rates)}


# ---- NeuroCanvas engine ----------------------------------------------------------------------
def engine_rows(case: dict, seconds: float, repeats: int) -> dict:
    from engine.datasets import Dataset
    from engine.graph import Graph
    from engine.trainer import Trainer

    x, y = make_data(case)
    binary = case["classes"] == 2

    def build_graph() -> Graph:
        g = Graph()
        prev = "x"
        if "image" in case:
            g.add_node("Input", {"shape": list(case["image"])}, node_id="x")
            for node_id, kind, params in (
                ("conv", "Conv2D", {"filters": case["filters"], "kernel_size": case["kernel"], "padding": "same"}),
                ("relu", "Activation", {"function": "relu"}), ("pool", "MaxPool2D", {"pool_size": case["pool"]}),
                ("flat", "Flatten", {}),
            ):
                g.add_node(kind, params, node_id=node_id)
                g.connect(prev, node_id)
                prev = node_id
        else:
            g.add_node("Input", {"size": case["inputs"]}, node_id="x")
        for i, units in enumerate(case["hidden"], 1):
            g.add_node("Dense", {"units": units}, node_id=f"h{i}")
            g.add_node("Activation", {"function": case["activation"]}, node_id=f"a{i}")
            g.connect(prev, f"h{i}")
            g.connect(f"h{i}", f"a{i}")
            prev = f"a{i}"
        g.add_node("Dense", {"units": 1 if binary else case["classes"]}, node_id="out")
        g.add_node("Activation", {"function": "sigmoid" if binary else "softmax"}, node_id="prob")
        g.add_node("Loss", {"function": "binary_cross_entropy" if binary else "categorical_cross_entropy"},
                   node_id="loss")
        g.connect(prev, "out")
        g.connect("out", "prob")
        g.connect("prob", "loss")
        return g

    dataset = Dataset(
        name="random", task="classification", x=x, y=y,
        feature_names=[f"f{i}" for i in range(case["inputs"])],
        class_names=[str(c) for c in range(case["classes"])], target_names=["class"],
    )
    training = {"optimizer": {"name": "sgd", "learning_rate": case["lr"]}, "batch_size": case["batch"],
                "epochs": 10**6, "validation_split": 0.0, "shuffle": True, "seed": SEED}

    def trainer() -> Trainer:
        return Trainer(build_graph(), dataset, training)

    n = case["samples"]
    rows = {}

    t = trainer()
    rows["engine run (steps + per-epoch metrics)"] = measure(lambda: t.run(1), n, seconds, repeats)

    t = trainer()
    per_epoch = t.batches_per_epoch

    def step_epoch(t=t):
        for _ in range(per_epoch):
            t.step_batch()

    rows["engine step_batch loop (ends epochs: metrics incl.)"] = measure(step_epoch, n, seconds, repeats)

    t = trainer()
    t.evaluate = lambda *args, **kwargs: {}  # no per-epoch metrics pass

    def step_epoch_no_metrics(t=t):
        for _ in range(per_epoch):
            t.step_batch()

    rows["engine steps only (no metrics pass)"] = measure(step_epoch_no_metrics, n, seconds, repeats)
    return rows


# ---- PyTorch -------------------------------------------------------------------------------
def torch_rows(case: dict, seconds: float, repeats: int) -> dict:
    import torch

    x, y = make_data(case)
    binary = case["classes"] == 2
    X = torch.from_numpy(x.astype(np.float32))
    Y = torch.from_numpy(y.astype(np.float32)[:, None]) if binary else torch.from_numpy(y)
    bs, n = case["batch"], case["samples"]
    generator = torch.Generator().manual_seed(SEED)

    def run(threads: int | None) -> dict:
        torch.manual_seed(SEED)
        act = torch.nn.ReLU if case["activation"] == "relu" else torch.nn.Tanh
        layers, width = [], case["inputs"]
        if "image" in case:
            channels, h, w = case["image"]
            layers += [torch.nn.Unflatten(1, case["image"]),
                       torch.nn.Conv2d(channels, case["filters"], case["kernel"], padding="same"), act(),
                       torch.nn.MaxPool2d(case["pool"]), torch.nn.Flatten()]
            width = case["filters"] * (h // case["pool"]) * (w // case["pool"])
        for units in case["hidden"]:
            layers += [torch.nn.Linear(width, units), act()]
            width = units
        layers.append(torch.nn.Linear(width, 1 if binary else case["classes"]))
        model = torch.nn.Sequential(*layers)
        loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=case["lr"])

        def epoch():
            # shuffled each epoch as the engine does it: one permuted copy, then slices
            order = torch.randperm(n, generator=generator)
            xs, ys = X[order], Y[order]
            for i in range(0, n, bs):
                xb, yb = xs[i:i + bs], ys[i:i + bs]
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()

        before = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            return measure(epoch, n, seconds, repeats)
        finally:
            torch.set_num_threads(before)

    default = torch.get_num_threads()
    return {
        f"torch steps, default threads ({default})": run(None),
        "torch steps, set_num_threads(2)": run(2),
        "torch steps, set_num_threads(1) [extra]": run(1),
    }


# ---- scikit-learn --------------------------------------------------------------------------
def sklearn_rows(case: dict, seconds: float, repeats: int) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x, y = make_data(case)
    X = x.astype(np.float32)  # MLPClassifier keeps float32 (sklearn ≥ 1.1)
    clf = MLPClassifier(
        hidden_layer_sizes=case["hidden"], activation=case["activation"], solver="sgd",
        batch_size=case["batch"], learning_rate="constant", learning_rate_init=case["lr"],
        momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=1, shuffle=True,
        tol=0.0, n_iter_no_change=10**9, early_stopping=False, random_state=SEED,
    )
    classes = np.arange(case["classes"])

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(X, y, classes=classes)

    rows = {"sklearn MLPClassifier.partial_fit epochs": measure(epoch, case["samples"], seconds, repeats)}
    rows["sklearn MLPClassifier.partial_fit epochs"]["dtype"] = str(clf.coefs_[0].dtype)
    return rows


RUNNERS = {"engine": engine_rows, "torch": torch_rows, "sklearn": sklearn_rows}


def available(framework: str) -> bool:
    try:
        __import__({"engine": "engine.trainer", "torch": "torch", "sklearn": "sklearn.neural_network"}[framework])
        return True
    except Exception:
        return False


# ---- machine -------------------------------------------------------------------------------
def machine() -> list[str]:
    lines = [f"python {platform.python_version()} on {platform.platform()}"]
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines.append(f"cpu: {model or platform.processor()}; os.cpu_count()={os.cpu_count()}, usable={usable}")
    blas = "?"
    try:
        dep = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{dep.get('name')} {dep.get('version')} ({dep.get('openblas configuration', '').strip()})"
    except Exception:
        pass
    lines.append(f"numpy {np.__version__}; built with BLAS: {blas}")
    try:
        import threadpoolctl

        for info in threadpoolctl.threadpool_info():
            lines.append(
                f"  threadpool: {info.get('internal_api')} {info.get('version') or ''} "
                f"arch={info.get('architecture', '-')} threads={info.get('num_threads')} ({os.path.basename(info.get('filepath', ''))})"
            )
    except Exception:
        lines.append("  (threadpoolctl not installed: runtime BLAS details unavailable)")
    if available("torch"):
        import torch

        lines.append(f"torch {torch.__version__}: get_num_threads()={torch.get_num_threads()}, "
                     f"MKL={torch.backends.mkl.is_available()}, oneDNN={torch.backends.mkldnn.is_available()}, "
                     f"CPU capability={torch.backends.cpu.get_cpu_capability()}")
    else:
        lines.append("torch: not importable (rows skipped)")
    if available("sklearn"):
        import sklearn

        lines.append(f"scikit-learn {sklearn.__version__}")
    else:
        lines.append("scikit-learn: not importable (rows skipped)")
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_", "GOTO", "KMP_"))}
    lines.append("threading/BLAS environment: " + (", ".join(f"{k}={v}" for k, v in sorted(env.items())) or "none set"))
    return lines


# ---- driver --------------------------------------------------------------------------------
def run_worker(spec: str, seconds: float, repeats: int) -> dict:
    case_key, framework = spec.split(":")
    return RUNNERS[framework](CASES[case_key], seconds, repeats)


def collect(case_key: str, framework: str, args) -> dict:
    if args.in_process:
        return run_worker(f"{case_key}:{framework}", args.seconds, args.repeats)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", f"{case_key}:{framework}",
           "--seconds", str(args.seconds), "--repeats", str(args.repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError(f"{framework} worker for case {case_key} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt_rate(r: float) -> str:
    return f"{r:,.0f}"


def report(case_key: str, rows: dict, aims: dict, load: tuple | None = None) -> None:
    case = CASES[case_key]
    print()
    print(case["title"])
    if load:
        print(f"    system load average (1 min) before / after this case: {load[0]:.2f} / {load[1]:.2f} "
              f"on {os.cpu_count()} CPUs (above ~0.3 before means someone else is busy: expect noise)")
    print(f"    {case['samples']} samples, {math.ceil(case['samples'] / case['batch'])} steps per epoch")
    width = max(len(k) for k in rows) + 2
    print(f"    {'':{width}}{'samples/s':>13}  {'spread (min-max)':>23}")
    for name, r in rows.items():
        spread = f"{fmt_rate(r['min'])}-{fmt_rate(r['max'])}"
        print(f"    {name:{width}}{fmt_rate(r['median']):>13}  {spread:>23}")

    def pick(prefix):
        return {k: v["median"] for k, v in rows.items() if k.startswith(prefix)}

    engine, torch_, sk = pick("engine"), pick("torch"), pick("sklearn")
    if not engine:
        return
    steps = next((v for k, v in engine.items() if "steps only" in k), None)
    full = next((v for k, v in engine.items() if k.startswith("engine run")), None)
    if steps and full:
        print(f"    per-epoch metrics cost: run is {full / steps:.2f}x the steps-only throughput "
              f"({100 * (1 - full / steps):.0f}% of the time)")
    print("    ratios (engine / peer, median samples/s):")
    for ek, ev in engine.items():
        if ek.startswith("engine step_batch"):
            continue
        for pk, pv in {**torch_, **sk}.items():
            if "[extra]" in pk:
                continue
            print(f"      {ek:<40} / {pk:<40} = {ev / pv:5.2f}x")
    extra = {k: v for k, v in torch_.items() if "[extra]" in k}
    torch_ = {k: v for k, v in torch_.items() if k not in extra}
    if steps and torch_:
        best_torch = max(torch_.values())
        aim = aims[case_key]
        ok = steps / best_torch >= aim["torch"]
        print(f"    aim: engine steps >= {aim['torch']}x the faster PyTorch row: "
              f"{steps / best_torch:.2f}x -> {'MET' if ok else 'NOT MET'}")
        for k, v in extra.items():
            print(f"    (for information: engine steps / {k} = {steps / v:.2f}x)")
        if aim.get("sklearn") and sk:
            skv = max(sk.values())
            print(f"    aim: engine above scikit-learn: steps {steps / skv:.2f}x, run {full / skv:.2f}x -> "
                  f"{'MET' if min(steps, full) > skv else 'NOT MET' if max(steps, full) < skv else 'MET for steps only'}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run: 1 s per measurement, 3 repeats")
    p.add_argument("--seconds", type=float, default=None, help="seconds per repetition (default 2, quick 1)")
    p.add_argument("--repeats", type=int, default=None, help="repetitions per measurement (default 5, quick 3)")
    p.add_argument("--case", choices=("a", "b", "c", "all"), default="all")
    p.add_argument("--only", choices=FRAMEWORKS, action="append", help="measure only these frameworks")
    p.add_argument("--in-process", action="store_true", help="measure every framework in this process")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.seconds is None:
        args.seconds = 1.0 if args.quick else 2.0
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5

    if args.worker:
        print(json.dumps(run_worker(args.worker, args.seconds, args.repeats)))
        return

    print("NeuroCanvas engine vs peers: training throughput (samples/s, higher is better)")
    for line in machine():
        print("  " + line)
    print(f"  measurement: 1 warm-up epoch, then median of {args.repeats} repetitions of >= {args.seconds:g} s "
          f"of whole epochs; {'one process' if args.in_process else 'a fresh subprocess per framework'}")
    print("  engine rows time Trainer.run / Trainer.step_batch; torch rows time only the training steps "
          "(forward, loss, backward, optimizer.step, zero_grad); sklearn rows time partial_fit epochs")
    aims = {"a": {"torch": 0.85, "sklearn": True}, "b": {"torch": 2.0}, "c": {"torch": 0.7}}
    frameworks = [f for f in FRAMEWORKS if (not args.only or f in args.only) and available(f)]
    for case_key in ("a", "b", "c") if args.case == "all" else (args.case,):
        rows = {}
        before = os.getloadavg()[0]
        for framework in frameworks:
            if framework == "sklearn" and "image" in CASES[case_key]:
                continue  # scikit-learn has no convolution
            rows.update(collect(case_key, framework, args))
        report(case_key, rows, aims, (before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
