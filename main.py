"""NeuroCanvas: ``python main.py [PROJECT]`` opens the editor; ``python main.py COMMAND ...`` runs headless."""
from __future__ import annotations

import sys

HEADLESS = ("train", "validate", "info")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and (argv[0] in HEADLESS or argv[0] in ("-h", "--help")):
        from engine.cli import main as cli_main

        return cli_main(argv)
    from editor.app import run  # Qt is imported only for the editor

    return run(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
