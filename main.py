"""NeuroCanvas: ``python main.py [PROJECT]`` opens the editor; ``python main.py COMMAND ...`` runs headless."""
from __future__ import annotations

import sys

HEADLESS = ("train", "validate", "info", "predict", "export", "explain")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and (argv[0] in HEADLESS or argv[0] in ("-h", "--help")):
        from engine.cli import main as cli_main

        return cli_main(argv)
    if argv and argv[0] == "render":
        return render(argv[1:])
    from editor.app import run  # Qt is imported only for the editor

    return run(argv[0] if argv else None)


def render(argv: list[str]) -> int:
    """``python main.py render PROJECT --output FILE.png|.svg [--scale S]``: the diagram, headless."""
    from engine.cli import Parser, UsageError

    parser = Parser(prog="python main.py render", description="Draw a project's graph to PNG or SVG.")
    parser.add_argument("project")
    parser.add_argument("--output", "-o", required=True, help="a .png or .svg file")
    parser.add_argument("--scale", type=float, default=2.0, help="PNG pixels per canvas unit (default 2)")
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"neurocanvas: {e}", file=sys.stderr)
        return 2
    from editor.render import render_command

    return render_command(args.project, args.output, args.scale)


if __name__ == "__main__":
    sys.exit(main())
