"""Untrusted data paths: only regular files of a stated size are read; files outside the project's
folder are named to the editor and never quoted in a message."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import ROOT
from engine.datasets import MAX_FILE_BYTES, file_outside_project, load_dataset, read_regular_file
from engine.datasets import files
from engine.errors import DatasetError
from engine.export import read_features_csv

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")


def run_headless(code: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter, killed after ``timeout``: a regression that blocks on a
    FIFO or reads /dev/zero for ever fails the test instead of hanging the suite."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def refusal_in_child(imports: str, call: str, error: str = "DatasetError") -> str:
    """What ``call`` refuses with, printed by a fresh interpreter that is killed if it hangs."""
    code = f"{imports}\nfrom engine.errors import DatasetError\ntry:\n    {call}\nexcept {error} as e:\n    print(e)\n"
    return run_headless(code).stdout.strip()


def load_in_child(spec: dict, base_dir: Path) -> str:
    return refusal_in_child("from pathlib import Path\nfrom engine.datasets import load_dataset",
                            f"load_dataset({spec!r}, Path({str(base_dir)!r}))")


# ---- only regular files --------------------------------------------------------------------------

@needs_fifo
def test_a_fifo_as_the_dataset_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "data.csv")  # no writer: opening it for reading would block for ever
    assert load_in_child({"source": "csv", "path": "data.csv"}, tmp_path) == (
        f"{tmp_path / 'data.csv'}: is a pipe (FIFO); NeuroCanvas reads data from regular files only")


@needs_fifo
def test_a_fifo_as_predict_input_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "rows.csv")
    assert "is a pipe (FIFO)" in refusal_in_child("from engine.export import read_features_csv",
                                                  f"read_features_csv({str(tmp_path / 'rows.csv')!r}, ['a'])")


@needs_dev_zero
def test_a_device_is_refused_without_reading_it(tmp_path):
    assert load_in_child({"source": "csv", "path": "/dev/zero"}, tmp_path) == (
        "/dev/zero: is a device; NeuroCanvas reads data from regular files only")
    with pytest.raises(DatasetError, match="is a device"):
        read_features_csv("/dev/zero", ["a"])


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(DatasetError, match=r"data.csv: is a folder, not a file$"):
        load_dataset({"source": "csv", "path": "data.csv"}, tmp_path)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("a,label\n" + "1,x\n" * 1000)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    with pytest.raises(DatasetError) as info:
        load_dataset({"source": "csv", "path": "big.csv"}, tmp_path)
    assert str(info.value) == f"{path}: 3.91 KB; NeuroCanvas reads data files of up to 1 KB"
    assert MAX_FILE_BYTES == 1 << 30  # the limit the message states by default: 1 GB


def test_a_file_that_holds_more_than_its_size_says_is_cut_off_at_the_limit(tmp_path):
    # /proc files say they are empty and are not; the reader counts what comes, not what stat says.
    proc = Path("/proc/self/status")
    if not proc.exists() or proc.stat().st_size != 0:
        pytest.skip("no /proc")
    with pytest.raises(DatasetError, match="more than 16 bytes; NeuroCanvas reads data files of up to 16 bytes"):
        read_regular_file(proc, limit=16)
    assert read_regular_file(proc).startswith(b"Name:")


def test_an_unreadable_file_says_why(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("a,label\n1,x\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who reads everything")
    with pytest.raises(DatasetError, match="secret.csv: cannot be read \\(Permission denied\\)"):
        load_dataset({"source": "csv", "path": "secret.csv"}, tmp_path)


# ---- outside the project's folder ----------------------------------------------------------------

def test_file_outside_project_names_the_file_a_spec_would_read(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "in.csv").write_text("a,label\n1,x\n")
    (tmp_path / "out.csv").write_text("a,label\n1,x\n")
    os.symlink(tmp_path / "out.csv", project / "data" / "link.csv")

    def outside(path):
        return file_outside_project({"source": "csv", "path": path}, project)

    assert outside("data/in.csv") is None
    assert outside("data/../data/in.csv") is None
    assert outside(str(project / "data" / "in.csv")) is None
    assert outside("../out.csv") == tmp_path / "out.csv"
    assert outside(str(tmp_path / "out.csv")) == tmp_path / "out.csv"
    assert outside("data/link.csv") == tmp_path / "out.csv"  # a link leading out counts as out
    assert outside("/etc/os-release") == Path(os.path.realpath("/etc/os-release"))
    for spec in ({"source": "builtin", "name": "iris"}, {"source": "generated", "name": "xor"},
                 {"source": "csv", "path": 7}, {"source": "csv"}, [], "csv"):
        assert file_outside_project(spec, project) is None


SECRET = "user,password\nhunter2,swordfish\nopen,sesame\n"


@pytest.mark.parametrize("options, expected", [
    ({}, "secret.txt, line 2, column 1: the cell is not a number"),
    ({"target": "label"}, 'secret.txt: target: there is no column "label"; the file has 2 columns'),
    ({"features": [1]}, "secret.txt: features[0]: column 2 is the target"),
    ({"header": True, "features": [0], "target": 1, "task": "regression"},
     "secret.txt, line 2, column 1: the cell is not a number"),
    ({"header": False, "target": 0, "task": "regression"},
     "secret.txt, line 1, column 2: the cell is not a number"),
])
def test_messages_about_a_file_outside_the_project_quote_nothing_it_holds(tmp_path, options, expected):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "secret.txt").write_text(SECRET)
    with pytest.raises(DatasetError) as info:
        load_dataset({"source": "csv", "path": "../secret.txt", **options}, project)
    message = str(info.value)
    assert message == expected
    for word in ("user", "password", "hunter2", "swordfish", "open", "sesame"):
        assert word not in message
    # The same file inside the project's folder is the user's own: its messages show the cells.
    (project / "secret.txt").write_text(SECRET)
    with pytest.raises(DatasetError) as info:
        load_dataset({"source": "csv", "path": "secret.txt", **options}, project)
    assert str(info.value) != expected


def test_a_foreign_files_missing_values_and_duplicate_names_are_described(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "gaps.csv").write_text("a,b,label\n1,NA,x\n")
    with pytest.raises(DatasetError, match=r"^gaps.csv, line 2, column 2: missing value \(a missing-value "
                                           r"marker\); set \"missing\": \"drop\" to drop such rows$"):
        load_dataset({"source": "csv", "path": "../gaps.csv"}, project)
    (tmp_path / "dup.csv").write_text("key,key,label\n1,2,x\n")
    with pytest.raises(DatasetError, match=r"^dup.csv, line 1: two columns have the same name \(columns 1 and 2\)$"):
        load_dataset({"source": "csv", "path": "../dup.csv"}, project)


def test_a_foreign_file_is_still_read(tmp_path):
    (tmp_path / "elsewhere.csv").write_text("a,label\n1,x\n2,y\n")
    (tmp_path / "project").mkdir()
    ds = load_dataset({"source": "csv", "path": "../elsewhere.csv"}, tmp_path / "project")
    np.testing.assert_array_equal(ds.x, [[1], [2]])


@needs_fifo
def test_the_editors_preview_refuses_a_fifo_at_once(tmp_path):
    os.mkfifo(tmp_path / "data.csv")
    assert "is a pipe (FIFO)" in refusal_in_child("from editor.data.csv_preview import PreviewError, read_preview",
                                                  f"read_preview({str(tmp_path / 'data.csv')!r})", "PreviewError")
