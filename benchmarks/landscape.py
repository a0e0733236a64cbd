"""How long a loss landscape takes: a 41×41 grid on the digits example, PCA and random directions.

Trains the digits lesson for a few epochs (keeping each epoch's parameters as the path), then
times ``engine.landscape.loss_landscape`` on the whole training set and on the default fixed
subsample (``fixed_subsample``: 512 rows).

    PYTHONPATH=. python benchmarks/landscape.py [--epochs N] [--resolution R] [--repeat K]

Each grid point is one forward pass over the rows, so the time is the forward pass's: on a busy
machine multi-threaded BLAS can be many times slower than one thread (OPENBLAS_NUM_THREADS=1).

Aim (issue 11): a 41×41 grid for digits in under ~2 s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import PROJECTS  # noqa: E402
from engine.landscape import fixed_subsample, loss_landscape  # noqa: E402
from engine.project import load_project  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    trainer = load_project(PROJECTS / "08-digits.ncproj").trainer()
    path = [trainer.model.copy_parameters()]
    for _ in range(args.epochs):
        trainer.run(1)
        path.append(trainer.model.copy_parameters())
    print(f"digits: {trainer.model.parameter_count()} parameters, {len(trainer.x_train)} training rows, "
          f"{trainer.dtype}, {args.epochs} epochs of path; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{args.resolution}×{args.resolution} grid, best of {args.repeat}:")
    for whole in (True, False):
        x, t = (trainer.x_train, trainer.t_train) if whole else fixed_subsample(trainer.x_train, trainer.t_train)
        for method in ("pca", "random"):
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = loss_landscape(trainer.model, x, t, path, method, args.resolution)
                best = min(best, time.perf_counter() - start)
            extra = f", path in the picture {sum(result.explained):.0%}" if result.explained else ""
            print(f"  {method:<7} {len(x):>5} rows  {best:5.2f} s  "
                  f"({best / result.loss.size * 1e3:.2f} ms a point; centre loss {result.center_loss:.4f}{extra})")


if __name__ == "__main__":
    main()
