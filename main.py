"""NeuroCanvas: ``python main.py [PROJECT]`` opens the editor; ``python main.py COMMAND ...`` runs headless."""
from __future__ import annotations

import difflib
import math
import sys
from pathlib import Path

HEADLESS = ("train", "validate", "info", "predict", "export", "explain", "import")
COMMANDS = (*HEADLESS, "render")
PROJECT_SUFFIX = ".ncproj"


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
    """``python main.py render PROJECT --output FILE.png|.svg [--scale S]``: the diagram, headless."""
    from engine.cli import Parser, UsageError

    parser = Parser(prog="python main.py render", description="Draw a project's graph to PNG or SVG.")
    parser.add_argument("project")
    parser.add_argument("--output", "-o", required=True, help="a .png or .svg file")
    parser.add_argument("--scale", type=float, default=2.0, help="PNG pixels per canvas unit (default 2)")
    try:
        args = parser.parse_args(argv)
        if not (math.isfinite(args.scale) and args.scale > 0):
            raise UsageError(f"--scale must be a number above 0, got {args.scale:g}")
    except UsageError as e:
        print(f"neurocanvas: {e}", file=sys.stderr)
        return 2
    from editor.render import render_command

    return render_command(args.project, args.output, args.scale)


if __name__ == "__main__":
    sys.exit(main())
