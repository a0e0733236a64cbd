"""The headless command line: ``python main.py train|validate|info|predict|export PROJECT``.

Never imports Qt. Errors are one line on stderr with exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from .errors import NeuroCanvasError, ProjectError, TrainingError
from .explain import command as explain_command
from .project import SUFFIX, Project, load_project, save_project
from .trainer import Trainer
from .training_state import Outcome
from .nodes import format_shape
from .validation import Analysis, has_errors, validate

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see 'python main.py {self.prog.split()[-1]} --help')")


def build_parser() -> Parser:
    parser = Parser(prog="python main.py", description="NeuroCanvas: design, train and watch neural networks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = commands.add_parser("train", help="train a project headless")
    train.add_argument("project", type=Path)
    train.add_argument("--epochs", type=int, help="train this many epochs more (default: up to the project's epochs)")
    where = train.add_mutually_exclusive_group()
    where.add_argument("--output", "-o", type=Path, help="write the trained project here")
    where.add_argument("--in-place", action="store_true", help="write the trained project over PROJECT")
    train.add_argument("--quiet", "-q", action="store_true", help="no progress bar, only the summary")

    check = commands.add_parser("validate", help="list the project's problems; exit 1 on an error")
    check.add_argument("project", type=Path)

    info = commands.add_parser("info", help="nodes in order, shapes, parameter counts, dataset")
    info.add_argument("project", type=Path)

    predict = commands.add_parser("predict", help="a trained project's predictions for the rows of a CSV file")
    predict.add_argument("project", type=Path)
    predict.add_argument("--input", "-i", type=Path, required=True,
                         help="CSV with a header naming the project's feature columns (others are ignored)")
    predict.add_argument("--output", "-o", type=Path, help="write the predictions here (default: standard output)")

    export = commands.add_parser("export", help="the network as an ONNX model or a PyTorch folder")
    export.add_argument("project", type=Path)
    export.add_argument("--onnx", type=Path, metavar="FILE", help="write the trained network as an ONNX model")
    export.add_argument("--torch", type=Path, metavar="DIR",
                        help="write a PyTorch module, its parameters, the data and a training script")
    export.add_argument("--force", action="store_true", help="overwrite the files in a non-empty --torch folder")
    explain_command.add_parser(commands)

    bring = commands.add_parser("import", help="parameters trained elsewhere (the exported train.py's archive) into a project")
    bring.add_argument("project", type=Path)
    bring.add_argument("--parameters", type=Path, required=True, metavar="NPZ",
                       help="trained_parameters.npz, as the exported train.py writes it (on a GPU, under torchrun...)")
    into = bring.add_mutually_exclusive_group(required=True)
    into.add_argument("--output", "-o", type=Path, help="write the project with these parameters here")
    into.add_argument("--in-place", action="store_true", help="write it over PROJECT")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, NeuroCanvasError) as e:
        report(e)
    except OSError as e:
        report(f"{e.filename}: {e.strerror}" if e.filename and e.strerror else e)
    except Exception as e:  # a bug of ours: still one line, never a traceback
        report(f"internal error ({type(e).__name__}: {_text(e)}); please report it")
    return EXIT_USAGE


def report(problem: object) -> None:
    """The error as one line on stderr (the README promises one line for exit code 2)."""
    print(f"neurocanvas: {one_line(_text(problem))}", file=sys.stderr)


def _text(problem: object) -> str:
    try:
        return str(problem)
    except Exception:  # str() itself can fail, e.g. on an integer of thousands of digits
        return type(problem).__name__


def one_line(message: str) -> str:
    """A heading over a list ("the graph has errors:\n a\n b") becomes the heading, the first item
    and the count; a line break inside a message (a CSV cell's) is shown as \\n."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else message.strip()
    if lines[0].endswith(":"):
        more = len(lines) - 2
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return f"{lines[0]} {lines[1]}{extra}"
    return message.strip().replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def check_output_file(path: Path) -> None:
    """Refuse, before any work is done, a file the result could not be written to."""
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise UsageError(f"{path}: cannot write in {folder} ({e.strerror})") from None


def _load(path: Path) -> tuple[Project, object]:
    project = load_project(path)
    return project, project.load_data()


# ---- validate --------------------------------------------------------------------------
def cmd_validate(args) -> int:
    project, dataset = _load(args.project)
    problems = validate(project.graph, dataset)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.project}: no problems")
    return EXIT_PROBLEM if has_errors(problems) else EXIT_OK


# ---- info ------------------------------------------------------------------------------
def cmd_info(args) -> int:
    project, dataset = _load(args.project)
    graph = project.graph
    analysis = Analysis.of(graph, dataset)
    shapes = analysis.shapes
    print(f"{project.name} ({args.project})")
    if project.description:
        print(f"  {project.description}")
    print(f"dataset: {dataset.summary()}")
    print("nodes in order:")
    total = 0
    for node_id in analysis.order or list(graph.nodes):
        node = graph.nodes[node_id]
        sources = [graph.edge_into_port(node_id, p) for p in node.input_ports]
        in_shapes = [shapes.get(e.src) if e else None for e in sources]
        count = node.kind.parameter_count(node.params, in_shapes) if None not in in_shapes else 0
        total += count
        shape = "—" if not node.output_ports else format_shape(shapes.get(node_id))
        fed = ", ".join(e.src for e in sources if e) or "data"
        print(f"  {node_id:<14} {node.kind.label(node.params):<28} ← {fed:<16} out {shape:<6} params {count}")
    print(f"parameters: {total}")
    opt = project.training["optimizer"]
    t = project.training
    print(
        f"training: {opt['name']} lr {opt['learning_rate']:g}, batch {t['batch_size']}, "
        f"{t['epochs']} epochs, validation {t['validation_split']:g}, seed {t['seed']}, {t['dtype']}"
    )
    print(f"state: epoch {project.epoch}, {'trained parameters' if project.parameters else 'not trained'}")
    for problem in analysis.problems:
        print(problem)
    return EXIT_OK


# ---- train -----------------------------------------------------------------------------
def cmd_train(args) -> int:
    if args.epochs is not None and args.epochs < 1:
        raise UsageError("--epochs must be at least 1")
    project, dataset = _load(args.project)
    out = args.project if args.in_place else args.output
    if out is not None:
        check_output_file(out)
    problems = validate(project.graph, dataset)
    errors = [str(p).partition(": ")[2] for p in problems if p.severity == "error"]  # without "error: "
    if errors:  # the first and the count; 'validate' lists them all
        raise TrainingError(f"cannot train, the graph has errors: {errors[0]}", *errors[1:])
    for problem in problems:
        print(problem, file=sys.stderr)
    trainer = project.trainer(dataset)
    epochs = args.epochs if args.epochs is not None else max(trainer.settings["epochs"] - trainer.epoch, 0)
    if epochs == 0:
        print(f"{args.project}: already trained {trainer.epoch} epochs of {trainer.settings['epochs']}; "
              "use --epochs N to train more")
        return EXIT_OK
    progress = Progress(epochs, trainer.epoch, quiet=args.quiet)
    previous = signal.signal(signal.SIGINT, lambda *_: setattr(trainer, "stop_requested", True))
    started = time.perf_counter()
    try:
        outcome = trainer.run(epochs, on_epoch=progress.update)
    finally:
        signal.signal(signal.SIGINT, previous)
    progress.close()
    seconds = time.perf_counter() - started
    _summary(trainer, outcome, seconds)
    project.absorb(trainer)
    if out is None:
        print("nothing was written: use --output FILE to save the trained project, or --in-place")
    elif not _write_trained(project, out):
        return EXIT_USAGE
    return EXIT_PROBLEM if outcome.reason == "diverged" else EXIT_OK


def _write_trained(project: Project, out: Path) -> bool:
    """Write the trained project to ``out``; if that fails (the folder went away, the disk is
    full), keep it in the working folder or the temporary folder and say where."""
    try:
        save_project(project, out)
    except (OSError, ProjectError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else _text(e)
        name = f"{out.stem}-trained-{time.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
        for folder in (Path.cwd(), Path(tempfile.gettempdir())):
            try:
                save_project(project, folder / name)
            except (OSError, ProjectError):
                continue
            report(f"{out}: cannot be written ({reason}); the trained project is kept in {folder / name}")
            return False
        report(f"{out}: cannot be written ({reason}), nor in {Path.cwd()} or {tempfile.gettempdir()}")
        return False
    print(f"wrote {out}")
    return True


def _summary(trainer: Trainer, outcome: Outcome, seconds: float) -> None:
    samples = outcome.epochs * len(trainer.x_train)
    rate = f", {samples / seconds:,.0f} samples/s" if seconds > 0 and samples else ""
    what = {
        "completed": "trained",
        "stopped": "stopped (interrupted) after",
        "early_stopped": "stopped early after",
        "diverged": "diverged after",
    }[outcome.reason]
    print(f"{what} {outcome.epochs} epochs in {seconds:.2f} s{rate}; now at epoch {trainer.epoch}")
    if outcome.divergence:
        print(outcome.divergence.message)
    for note in outcome.notes:
        print(note)
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    metrics = trainer.last_metrics()
    if metrics:
        print("  ".join(f"{k} {v:.4g}" for k, v in metrics.items()))


class Progress:
    """A one-line progress bar on stderr with the latest metrics."""

    WIDTH = 30

    def __init__(self, epochs: int, start: int, quiet: bool) -> None:
        self.epochs, self.start = epochs, start
        self.enabled = not quiet
        self.last = 0.0

    def update(self, epoch: int, metrics: dict) -> None:
        done = epoch - self.start
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.1 and done < self.epochs):
            return
        self.last = now
        filled = round(self.WIDTH * done / self.epochs)
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        shown = "  ".join(f"{k} {v:.4g}" for k, v in metrics.items())
        sys.stderr.write(f"\r{bar} epoch {epoch}  {shown}\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


# ---- predict and export (engine/export) ------------------------------------------------
def cmd_predict(args) -> int:
    from .export.predict import predict_csv

    if args.output is not None:
        check_output_file(args.output)
    count = predict_csv(load_project(args.project), args.input, args.output)
    if args.output is not None:
        print(f"wrote {count} predictions to {args.output}")
    return EXIT_OK


def cmd_export(args) -> int:
    if args.onnx is None and args.torch is None:
        raise UsageError("say what to write: --onnx FILE and/or --torch DIR")
    from .export import export_onnx, export_torch

    if args.onnx is not None:
        check_output_file(args.onnx)
    project = load_project(args.project)
    dataset = project.load_data()
    if args.onnx is not None:
        export_onnx(project, args.onnx, dataset)
        print(f"wrote {args.onnx}")
    if args.torch is not None:
        export_torch(project, args.torch, dataset, force=args.force)
        state = "" if project.parameters else " (not trained: the parameters are the seeded initial values)"
        print(f"wrote {args.torch}/: model.py, parameters.npz, data.npz, train.py, README.md{state}")
    return EXIT_OK


def cmd_import(args) -> int:
    from .export import import_parameters

    out = args.project if args.in_place else args.output
    check_output_file(out)
    project = load_project(args.project)
    project.parameters = import_parameters(project, args.parameters)
    save_project(project, out)
    print(f"wrote {out}: {len(project.parameters)} arrays from {args.parameters.name}")
    return EXIT_OK


COMMANDS = {"train": cmd_train, "validate": cmd_validate, "info": cmd_info, "predict": cmd_predict, "export": cmd_export,
            "explain": explain_command.run, "import": cmd_import}
