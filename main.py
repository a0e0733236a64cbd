"""NeuroCanvas: ``python main.py [PROJECT]`` opens the editor; ``python main.py COMMAND ...`` runs headless."""
from __future__ import annotations

import difflib
import math
import sys
from pathlib import Path

HEADLESS = ("train", "validate", "info", "predict", "export", "explain", "import")
COMMANDS = (*HEADLESS, "render")
PROJECT_SUFFIX = ".ncproj"
VIEWS = ("loss", "weights", "activations", "gradients", "output", "neurons")  # render --view (editor/figures.py)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and (argv[0] in HEADLESS or argv[0] in ("-h", "--help")):
        from engine.cli import main as cli_main

        return cli_main(argv)
    if argv and argv[0] == "render":
        return render(argv[1:])
    problem = editor_arguments_problem(argv)
    if problem:
        print(f"neurocanvas: {problem}", file=sys.stderr)
        return 2
    from editor.app import run  # Qt is imported only for the editor

    return run(argv[0] if argv else None)


def editor_arguments_problem(argv: list[str]) -> str | None:
    """Why ``argv`` is neither empty nor one project file to open (a mistyped command), or None.

    A word that is no file, has no path separator and no .ncproj suffix is taken for a command."""
    if not argv:
        return None
    first = argv[0]
    is_path = Path(first).exists() or first.lower().endswith(PROJECT_SUFFIX) or "/" in first or "\\" in first
    if not is_path:
        close = difflib.get_close_matches(first, COMMANDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (f"unknown command '{first}': {hint}the commands are {', '.join(COMMANDS)}, "
                f"or give a {PROJECT_SUFFIX} file to open it in the editor")
    if len(argv) > 1:
        return f"the editor opens one project at a time; got {len(argv)} arguments (see 'python main.py --help')"
    return None


def render(argv: list[str]) -> int:
    """``python main.py render PROJECT --output FILE.png|.svg [--scale S]``: the diagram, headless; with
    ``--view NAME`` one of the live views of the project as it stands instead."""
    from engine.cli import Parser, UsageError

    parser = Parser(prog="python main.py render", description="Draw a project's graph, or one of its views, "
                                                               "to PNG or SVG.")
    parser.add_argument("project")
    parser.add_argument("--output", "-o", required=True, help="a .png or .svg file")
    parser.add_argument("--scale", type=float, default=2.0, help="PNG pixels per canvas unit (default 2)")
    parser.add_argument("--view", choices=VIEWS, help="draw this view of the (trained) project instead of its graph")
    parser.add_argument("--size", default="960x600", help="the view's size in pixels, WIDTHxHEIGHT (default 960x600)")
    parser.add_argument("--dark", action="store_true", help="in the dark theme")
    try:
        args = parser.parse_args(argv)
        if not (math.isfinite(args.scale) and args.scale > 0):
            raise UsageError(f"--scale must be a number above 0, got {args.scale:g}")
        size = _size(args.size)
    except UsageError as e:
        print(f"neurocanvas: {e}", file=sys.stderr)
        return 2
    if args.view:
        from editor.figures import render_view_command

        return render_view_command(args.project, args.view, args.output, size, args.dark)
    from editor.render import render_command

    return render_command(args.project, args.output, args.scale)


def _size(text: str) -> tuple[int, int]:
    from engine.cli import UsageError

    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size {text}: write it as WIDTHxHEIGHT, e.g. 960x600") from None
    if not (200 <= width <= 8000 and 150 <= height <= 8000):
        raise UsageError(f"--size {text}: choose a width from 200 to 8000 and a height from 150 to 8000")
    return width, height


if __name__ == "__main__":
    sys.exit(main())
