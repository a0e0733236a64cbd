"""Build step that pyproject.toml cannot declare: the repository's top-level ``resources/`` and
``projects/`` (the design's layout) go into the wheel as ``engine/resources`` and ``engine/projects``,
package data that ``engine`` finds through importlib.resources. Everything else is in pyproject.toml."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("resources", "projects")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders where they are
        for folder in DATA_FOLDERS:
            self.copy_tree(folder, str(Path(self.build_lib) / "engine" / folder))


setup(cmdclass={"build_py": BuildPyWithData})
