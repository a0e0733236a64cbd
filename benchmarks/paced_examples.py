"""How long each example's run lasts at its own pace (``training.pace``), headless.

Each example trains a full run (its ``training.epochs``) through ``engine.runner.Reporter`` in this
process — the pace honoured exactly as in the editor's training process — and prints the seconds
it took, what the pace alone says, the frames taken and the bytes of frames and reports that would
cross the pipe to the editor. The aim (issue 10): every example's run lasts about 10–30 s.

    PYTHONPATH=. python benchmarks/paced_examples.py [NAME ...]
"""
from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import PROJECTS  # noqa: E402
from engine.frames import frame_bytes  # noqa: E402
from engine.pace import parse_pace  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.runner import Reporter  # noqa: E402


def measure(path: Path) -> None:
    project = load_project(path)
    trainer = project.trainer()
    pace = parse_pace(trainer.settings.get("pace"))
    reports = []
    start = time.perf_counter()
    result = Reporter(trainer, reports.append).perform("run")
    seconds = time.perf_counter() - start
    epochs = trainer.epoch
    batches = sum(len(r.batch_loss) for r in reports)
    said = (epochs / pace.per_second if pace.unit == "epoch" else batches / pace.per_second) if pace else 0.0
    frames = [f for r in reports for f in r.frames]
    piped = sum(len(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in reports)
    print(f"{path.stem:<24} {str(pace):>13} {epochs:>4} epochs {seconds:6.1f} s (pace says {said:5.1f} s)  "
          f"{len(frames):>4} frames of {max(map(frame_bytes, frames)) / 1024:6.1f} KB at most  "
          f"{piped / seconds / 1024:7.1f} KB/s through the pipe  {result.reason}")


def main(names: list[str]) -> None:
    paths = sorted(PROJECTS.glob("*.ncproj"))
    for path in paths:
        if not names or path.stem in names:
            measure(path)


if __name__ == "__main__":
    main(sys.argv[1:])
