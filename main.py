"""NeuroCanvas: ``python main.py [PROJECT]`` opens the editor; ``python main.py COMMAND ...`` runs headless."""
from __future__ import annotations

import sys

HEADLESS = ("train", "validate", "info", "predict", "export")
VIEWS = ("loss", "weights", "activations", "gradients", "output", "neurons")  # render --view (editor/figures.py)


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
