"""The loading child: a dataset read in a child process is the one ``load_dataset`` reads here; a load can
be cancelled at its next chunk and the child goes on to the next; a bad file is one clear line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.datasets import Cancelled, DatasetError, load_dataset
from engine.loading_process import LoadingProcess
from tests.conftest import BIG_CSV_ROWS as ROWS



@pytest.fixture
def child():
    process = LoadingProcess()
    yield process
    process.close()


def spec(path: Path, **more) -> dict:
    return {"source": "csv", "path": path.name, "target": "label", **more}


def test_a_dataset_read_in_the_child_is_the_one_read_here(child, big_csv):
    fractions = []
    there = child.load(spec(big_csv, standardize=True), big_csv.parent, "float32", fractions.append)
    here = load_dataset(spec(big_csv, standardize=True), big_csv.parent, np.float32)
    assert there.x.dtype == np.float32 and there.x.flags.c_contiguous
    np.testing.assert_array_equal(there.x, here.x)
    np.testing.assert_array_equal(there.y, here.y)
    assert there.class_names == here.class_names and there.feature_names == here.feature_names
    np.testing.assert_array_equal(there.mean, here.mean)
    assert there.derived["fingerprint"] == here.fingerprint()  # computed in the child, arrives with the data
    assert fractions and fractions == sorted(fractions) and fractions[-1] <= 1.0


def test_a_cancelled_load_stops_and_the_child_loads_the_next(child, big_csv):
    def cancel(fraction: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        child.load(spec(big_csv), big_csv.parent, "float32", cancel)
    dataset = child.load(spec(big_csv), big_csv.parent, "float32", lambda f: None)  # the pipe is quiet again
    assert dataset.n_samples == ROWS and dataset.n_features == 784


def test_a_bad_cell_is_the_engines_one_line_naming_file_line_and_column(child, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n" + "".join(f"{k},{k + 1},{k % 2}\n" for k in range(50)) + "1,oops,0\n")
    with pytest.raises(DatasetError) as refused:
        child.load(spec(path), tmp_path, "float32", lambda f: None)
    assert str(refused.value) == str(pytest.raises(DatasetError, load_dataset, spec(path), tmp_path).value)
    assert "bad.csv" in str(refused.value) and "line 52" in str(refused.value)


def test_a_child_that_dies_mid_load_is_a_clear_error_and_the_next_load_starts_another(child, big_csv):
    def kill(fraction: float) -> None:
        if child._process is not None and child._process.poll() is None:
            child._process.kill()

    with pytest.raises(DatasetError, match="mnist.csv: the loading process ended unexpectedly"):
        child.load(spec(big_csv), big_csv.parent, "float32", kill)
    dataset = child.load(spec(big_csv), big_csv.parent, "float32", lambda f: None)
    assert dataset.n_samples == ROWS


def test_closing_ends_the_child(child, big_csv):
    child.load(spec(big_csv), big_csv.parent, "float32", lambda f: None)
    process = child._process
    child.close()
    assert process.poll() is not None
