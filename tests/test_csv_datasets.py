"""CSV files as datasets: every rule, through both readers (pandas for large files, the csv module for small)."""
import numpy as np
import pytest

from engine.datasets import CellError, csv_fast, csv_file, csv_values, load_csv
from engine.datasets.csv_dataset import read_csv_dataset

from tests.dataset_helpers import assert_error, write


@pytest.fixture(autouse=True, params=["careful", "fast"])
def reader(request, monkeypatch):
    """Every test runs twice: as a small file is read, and as a large one is (pandas, in chunks)."""
    if request.param == "fast":
        monkeypatch.setattr(csv_file, "FAST_PATH_BYTES", 0)
        monkeypatch.setattr(csv_fast, "PIECE_BYTES", 16)  # pieces of a few rows: the seams get tested too
    else:
        monkeypatch.setattr(csv_file, "FAST_PATH_BYTES", 2**62)
    return request.param


def test_csv_with_header_and_string_labels(tmp_path):
    path = write(tmp_path, "pets.csv", "weight,height,kind\n1,2,dog\n3,4,cat\n5,6,dog\n7,8,bird\n")
    ds = load_csv(path)
    assert ds.name == "pets.csv" and ds.task == "classification"
    assert ds.feature_names == ["weight", "height"] and ds.target_names == ["kind"]
    assert ds.class_names == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(ds.y, [2, 1, 2, 0])
    np.testing.assert_array_equal(ds.x, [[1, 2], [3, 4], [5, 6], [7, 8]])


def test_csv_header_is_detected_or_forced(tmp_path):
    without = write(tmp_path, "plain.csv", "1,2,0\n3,4,1\n5,6,0\n")
    ds = load_csv(without)
    assert ds.feature_names == ["column_1", "column_2"] and ds.n_samples == 3
    assert load_csv(without, header=True).n_samples == 2
    named = write(tmp_path, "named.csv", "a,b,label\n1,2,0\n3,4,1\n")
    assert load_csv(named).feature_names == ["a", "b"]
    assert_error(lambda: load_csv(named, header=False), "named.csv, line 1", 'column "column_1"',
                 '"a" is not a number')


def test_csv_numeric_labels_are_sorted_numerically(tmp_path):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate([10, 2, 2, 10, 2, 10, 2, 10, 2, 10]))
    ds = load_csv(write(tmp_path, "n.csv", "x,label\n" + rows))
    assert ds.task == "classification" and ds.class_names == ["2", "10"]
    np.testing.assert_array_equal(ds.y, [1, 0, 0, 1, 0, 1, 0, 1, 0, 1])


def test_csv_auto_task(tmp_path):
    many_values = "x,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(30))
    assert load_csv(write(tmp_path, "r.csv", many_values)).task == "regression"
    many_integers = "x,y\n" + "".join(f"{i},{i}\n" for i in range(30))
    assert load_csv(write(tmp_path, "i.csv", many_integers)).task == "regression"
    half_distinct = "x,y\n" + "".join(f"{i},{i % 6 * 7 + 3}\n" for i in range(10))
    assert load_csv(write(tmp_path, "h.csv", half_distinct)).task == "regression"
    few_integers = "x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30))
    ds = load_csv(write(tmp_path, "c.csv", few_integers))
    assert ds.task == "classification" and ds.n_classes == 3
    forced = load_csv(write(tmp_path, "f.csv", few_integers), task="regression")
    assert forced.task == "regression" and forced.y.shape == (30, 1)


@pytest.mark.parametrize("labels, task", [
    ([0, 1, 1], "classification"),          # a 0/1 target of a tiny file
    ([-1, 1, 1, -1], "classification"),     # two values
    ([1, 2, 3, 2], "classification"),       # labels counted from 1
    ([0, 1, 2, 3, 4, 5, 0], "classification"),
    ([23, 45, 31, 52], "regression"),       # distinct integers that are no labels
    ([3, 10, 17, 24, 3], "regression"),
])
def test_csv_auto_task_of_a_small_file(tmp_path, labels, task):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    assert load_csv(write(tmp_path, "small.csv", "x,y\n" + rows)).task == task


def test_csv_features_and_target_selection(tmp_path):
    path = write(tmp_path, "sel.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    ds = load_csv(path, features=["c", "a"], target="b", task="regression")
    assert ds.feature_names == ["c", "a"] and ds.target_names == ["b"]
    np.testing.assert_array_equal(ds.x, [[3, 1], [7, 5]])
    np.testing.assert_array_equal(ds.y, [[2], [6]])
    default_features = load_csv(path, target="a", task="regression")
    assert default_features.feature_names == ["b", "c", "d"]


def test_csv_columns_by_index_without_header(tmp_path):
    path = write(tmp_path, "idx.csv", "1,2,3\n4,5,6\n")
    ds = load_csv(path, header=False, features=[2], target=0, task="regression")
    assert ds.feature_names == ["column_3"] and ds.target_names == ["column_1"]
    np.testing.assert_array_equal(ds.x, [[3], [6]])


def test_csv_semicolon_and_tab_delimiters(tmp_path):
    for name, sep in (("semi.csv", ";"), ("tab.tsv", "\t")):
        text = sep.join(["a", "b", "label"]) + "\n" + sep.join(["1.5", "2", "yes"]) + "\n" \
            + sep.join(["3", "4", "no"]) + "\n"
        ds = load_csv(write(tmp_path, name, text))
        assert ds.feature_names == ["a", "b"] and ds.class_names == ["no", "yes"]


def test_csv_byte_order_mark_blank_lines_and_quotes(tmp_path):
    path = write(tmp_path, "bom.csv", '\ufeffa,"b c",label\n\n1,2,"x, y"\n3,4,z\n\n')
    ds = load_csv(path)
    assert ds.feature_names == ["a", "b c"] and ds.class_names == ["x, y", "z"]


def test_csv_missing_values_are_refused_or_dropped(tmp_path):
    path = write(tmp_path, "gaps.csv", "a,b,label\n1,2,x\n3,,y\n5,NA,x\n7,8,?\n9,10,y\n")
    assert_error(lambda: load_csv(path), 'gaps.csv, line 3, column "b": missing value (an empty cell); '
                 'set "missing": "drop" to drop such rows')
    ds = load_csv(path, missing="drop")
    np.testing.assert_array_equal(ds.x, [[1, 2], [9, 10]])
    assert ds.class_names == ["x", "y"]


def test_csv_cell_errors_carry_the_cell_and_the_option_that_helps(tmp_path):
    path = write(tmp_path, "gaps.csv", "a,b,label\n1,2,x\n3,,y\n")
    with pytest.raises(CellError) as info:
        load_csv(path)
    error = info.value
    assert (error.line, error.column, error.option) == (3, "b", ("missing", "drop"))
    assert error.problem == 'gaps.csv, line 3, column "b": missing value (an empty cell)'
    with pytest.raises(CellError) as info:
        load_csv(write(tmp_path, "text.csv", "a,label\n1,x\nabc,y\n"))
    assert (info.value.line, info.value.column, info.value.option) == (3, "a", None)


def test_csv_missing_value_in_an_unused_column_is_ignored(tmp_path):
    path = write(tmp_path, "unused.csv", "a,b,label\n1,,x\n3,4,y\n")
    assert load_csv(path, features=["a"]).n_samples == 2


def test_csv_dropping_every_row_is_an_error(tmp_path):
    path = write(tmp_path, "allgone.csv", "a,label\n1,NaN\n,x\n")
    assert_error(lambda: load_csv(path, missing="drop"), "allgone.csv", "every row")


def test_csv_file_not_found(tmp_path):
    assert_error(lambda: load_csv(tmp_path / "nowhere.csv"), "nowhere.csv", "not found")


def test_csv_empty_file(tmp_path):
    assert_error(lambda: load_csv(write(tmp_path, "empty.csv", "")), "empty.csv", "empty")
    assert_error(lambda: load_csv(write(tmp_path, "blank.csv", "\n\n")), "blank.csv", "empty")


def test_csv_only_a_header(tmp_path):
    assert_error(lambda: load_csv(write(tmp_path, "head.csv", "a,b,label\n")),
                 "head.csv", "only a header", "line 1")


def test_csv_ragged_row(tmp_path):
    path = write(tmp_path, "ragged.csv", "a,b,c,d,label\n1,2,3,4,x\n1,2,3\n")
    assert_error(lambda: load_csv(path), "ragged.csv, line 3 has 3 cells, the header has 5")


def test_csv_text_in_a_numeric_feature(tmp_path):
    rows = "".join(f"{i},{i},x\n" for i in range(12))
    path = write(tmp_path, "iris.csv", "sepal,petal_width,label\n" + rows + "1,abc,y\n")
    assert_error(lambda: load_csv(path), 'iris.csv, line 14, column "petal_width": "abc" is not a number')


def test_csv_infinity_and_decimal_commas_in_a_comma_separated_file_are_refused(tmp_path):
    path = write(tmp_path, "inf.csv", "a,label\n1,x\ninf,y\n")
    assert_error(lambda: load_csv(path), 'inf.csv, line 3, column "a": "inf" is not a finite number')
    path = write(tmp_path, "comma.csv", 'a,label\n"1,5",x\n"2,5",y\n')
    assert_error(lambda: load_csv(path), 'comma.csv, line 2, column "a": "1,5" is not a number',
                 'write "." as the decimal point')


def test_csv_decimal_commas_in_a_semicolon_separated_file_are_numbers(tmp_path):
    path = write(tmp_path, "eu.csv", "height;weight;name;label\n1,70;65;Ann, B.;a\n1,82;80,5;Bo;b\n"
                                     "1,65;59;Cy;a\n")
    ds = load_csv(path, features=["height", "weight"])
    assert ds.feature_names == ["height", "weight"]
    np.testing.assert_array_equal(ds.x, np.float32([[1.70, 65], [1.82, 80.5], [1.65, 59]]))
    assert load_csv(path, features=["height"], target="name").class_names == ["Ann, B.", "Bo", "Cy"]


def test_csv_line_numbers_count_physical_lines(tmp_path):
    path = write(tmp_path, "lines.csv", 'a,b,label\r\n\r\n1,2,"two\r\nlines"\r\n3,oops,z\r\n')
    assert_error(lambda: load_csv(path), 'lines.csv, line 5, column "b": "oops" is not a number')


def test_csv_unknown_columns_list_the_columns(tmp_path):
    path = write(tmp_path, "cols.csv", "a,b,label\n1,2,x\n")
    assert_error(lambda: load_csv(path, target="kind"),
                 "cols.csv", 'target: there is no column "kind"', '"a", "b", "label"')
    assert_error(lambda: load_csv(path, features=["a", "zz"]),
                 "cols.csv", 'features[1]: there is no column "zz"')
    assert_error(lambda: load_csv(path, target=5), "column index 5 is out of range")


def test_csv_target_among_features_is_refused(tmp_path):
    path = write(tmp_path, "leak.csv", "a,b,label\n1,2,x\n")
    assert_error(lambda: load_csv(path, features=["a", "label"]), 'column "label" is the target')


def test_csv_too_many_columns(tmp_path):
    header = ",".join(f"c{j}" for j in range(10_001))
    path = write(tmp_path, "wide.csv", header + "\n" + ",".join(["1"] * 10_001) + "\n")
    assert_error(lambda: load_csv(path), "wide.csv, line 1", "10001 columns", "at most 10000")


def test_csv_regression_target_must_be_numeric(tmp_path):
    path = write(tmp_path, "reg.csv", "a,price\n1,10\n2,cheap\n")
    assert_error(lambda: load_csv(path, task="regression"),
                 'reg.csv, line 3, column "price": "cheap" is not a number (a regression target)')


def test_csv_non_utf8_bytes(tmp_path):
    path = write(tmp_path, "latin.csv", "name,x,label\n1,2,café\n".encode("latin-1"))
    assert_error(lambda: load_csv(path), "latin.csv, line 2, column 3", "0xe9", "UTF-8")


def test_csv_duplicate_header_names(tmp_path):
    path = write(tmp_path, "dup.csv", "a,a,label\n1,2,x\n")
    assert_error(lambda: load_csv(path), "dup.csv, line 1", '"a" appears twice')


def test_csv_bad_options_name_the_option(tmp_path):
    path = write(tmp_path, "ok.csv", "a,label\n1,x\n")
    assert_error(lambda: load_csv(path, task="clustering"), "task: must be one of auto, classification")
    assert_error(lambda: load_csv(path, header="yes"), "header: must be one of auto, true, false")
    assert_error(lambda: load_csv(path, missing="ignore"), "missing: must be one of error, drop")


# --- delimiter, header and names ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1,5;2\n3,5;4\n", [[1.5], [3.5]]),          # as short as it gets: once taken for a "," file
    ("0,25;1,5;0\n0,75;2,5;1\n", [[0.25, 1.5], [0.75, 2.5]]),
])
def test_a_short_headerless_semicolon_file_reads_its_decimal_commas(tmp_path, text, expected):
    ds = load_csv(write(tmp_path, "eu.csv", text), task="classification")
    np.testing.assert_array_equal(ds.x, np.float32(expected))


def test_a_feature_or_target_named_with_spaces_around_finds_its_column(tmp_path):
    # Cells are stripped, so the file's " b" is the column "b"; a name written as the file has it
    # must still find it (predict on the project's own data refused " b" before).
    path = write(tmp_path, "spaced.csv", "a, b,label\n1,2,x\n3,4,y\n")
    ds = load_csv(path, features=[" b"], target=" label ")
    assert ds.feature_names == ["b"] and ds.class_names == ["x", "y"]


def test_cells_with_line_breaks_are_quoted_on_one_line(tmp_path):
    path = write(tmp_path, "multi.csv", 'a,label\n"1\n2",x\n3,y\n')
    assert_error(lambda: load_csv(path), 'multi.csv, line 2, column "a": "1\\n2" is not a number')


def test_a_column_of_booleans_is_text_not_numbers(tmp_path):
    path = write(tmp_path, "bools.csv", "flag,label\nTrue,x\nFalse,y\n")
    assert_error(lambda: load_csv(path), 'bools.csv, line 2, column "flag": "True" is not a number')


# --- values --------------------------------------------------------------------------------------------

def test_signed_nan_is_not_a_missing_marker_but_nan_in_any_case_is(tmp_path):
    path = write(tmp_path, "nan.csv", "a,label\n1,x\nNaN,y\n2,x\n")
    assert load_csv(path, missing="drop").n_samples == 2
    path = write(tmp_path, "signed.csv", "a,label\n1,x\n-nan,y\n")
    assert_error(lambda: load_csv(path), 'signed.csv, line 3, column "a": "-nan" is not a finite number')


def test_a_value_beyond_float32_is_refused_unless_float64_is_asked_for(tmp_path):
    path = write(tmp_path, "big.csv", "a,label\n1,x\n1e39,y\n")
    assert_error(lambda: load_csv(path), 'big.csv, line 3, column "a": "1e39" is too large for float32')
    assert load_csv(path, dtype=np.float64).x[1, 0] == 1e39


def test_a_missing_value_is_reported_before_an_earlier_bad_number(tmp_path):
    rows = "".join(f"{i},{i},x\n" for i in range(40))
    path = write(tmp_path, "order.csv", "a,b,label\n1,oops,x\n" + rows + "2,,y\n")
    assert_error(lambda: load_csv(path), 'line 43, column "b": missing value (an empty cell)')
    assert_error(lambda: load_csv(path, missing="drop"), 'line 2, column "b": "oops" is not a number')


def test_numbers_in_every_spelling_python_reads(tmp_path):
    path = write(tmp_path, "spellings.csv", "a,b,label\n 1_000 ,+.5,x\n1.,-0,y\n1E3,  7 ,x\n")
    ds = load_csv(path)
    np.testing.assert_array_equal(ds.x, np.float32([[1000, 0.5], [1, 0], [1000, 7]]))


def test_line_endings_of_every_kind(tmp_path):
    for ending in ("\n", "\r\n", "\r"):
        path = write(tmp_path, "ends.csv", ending.join(["a,label", "1,x", "", "2,y", "3,oops,z"]) + ending)
        assert_error(lambda: load_csv(path), "ends.csv, line 5 has 3 cells, the header has 2")


def test_a_line_of_other_white_space_counts_as_blank(tmp_path):
    # pandas takes a line holding only a form feed for a row, the csv module for a blank line:
    # the fast reader notices that the rows disagree and leaves the file to the careful one.
    path = write(tmp_path, "ff.csv", "a,label\n1,x\n\f\n2,y\n\u00a0\n3,x\n")
    ds = load_csv(path)
    np.testing.assert_array_equal(ds.x[:, 0], [1, 2, 3])


# --- large files -------------------------------------------------------------------------------------

def mnist_like(rng, rows, columns=20):
    labels = rng.integers(0, 10, rows)
    pixels = rng.integers(0, 256, (rows, columns)) * (rng.random((rows, columns)) < 0.6)
    header = "label," + ",".join(f"pixel{j}" for j in range(columns))
    lines = [f"{label}," + ",".join(map(str, row)) for label, row in zip(labels, pixels)]
    return header + "\n" + "\n".join(lines) + "\n", labels, pixels


def test_a_large_integer_file_reads_exactly(tmp_path):
    rng = np.random.default_rng(0)
    text, labels, pixels = mnist_like(rng, 3000)
    ds = load_csv(write(tmp_path, "mnist.csv", text), target="label")
    assert ds.x.dtype == np.float32 and ds.x.flags.c_contiguous and ds.x.shape == (3000, 20)
    np.testing.assert_array_equal(ds.x, pixels)
    assert ds.class_names == [str(k) for k in range(10)]
    np.testing.assert_array_equal(ds.y, labels)
    assert ds.feature_names[:2] == ["pixel0", "pixel1"] and ds.target_names == ["label"]


def test_a_large_file_of_mixed_cells_gives_what_the_careful_reader_gives(tmp_path, reader):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(2000, 3)) * 10.0 ** rng.integers(-5, 6, size=(2000, 3))
    cells = [[repr(float(v)) for v in row] for row in values]
    for i in range(0, 2000, 97):
        cells[i][1] = f' "{cells[i][1]} "'.replace('"', "")  # spaces around: a text column in that chunk
        cells[i][2] = "NA" if i % 2 else ""
    text = "a,b,c,label\n" + "".join(",".join(row) + f",{'xyz'[i % 3]}\n" for i, row in enumerate(cells))
    ds = load_csv(write(tmp_path, "mixed.csv", text), missing="drop")
    kept = [i for i in range(2000) if i % 97]
    np.testing.assert_array_equal(ds.x, values[kept].astype(np.float32))
    assert ds.class_names == ["x", "y", "z"] and len(ds.y) == len(kept)


def test_an_error_deep_in_a_large_file_names_its_line_and_column(tmp_path):
    rng = np.random.default_rng(2)
    text, _, _ = mnist_like(rng, 3000)
    lines = text.split("\n")
    lines[2345] = lines[2345].replace(",", ",x", 1)  # a text cell in column "pixel0"
    path = write(tmp_path, "bad.csv", "\n".join(lines))
    cell = lines[2345].split(",")[1]
    assert_error(lambda: load_csv(path), f'bad.csv, line 2346, column "pixel0": "{cell}" is not a number')
    lines[2345] = ",".join(lines[2345].split(",")[:-1])
    path = write(tmp_path, "short.csv", "\n".join(lines))
    assert_error(lambda: load_csv(path), "short.csv, line 2346 has 20 cells, the header has 21")


def test_a_large_clean_file_never_goes_cell_by_cell(tmp_path, reader, monkeypatch):
    if reader != "fast":
        pytest.skip("the fast reader's promise")
    text, _, _ = mnist_like(np.random.default_rng(3), 500)

    def careful(*args):
        raise AssertionError("read cell by cell")

    monkeypatch.setattr(csv_file.CsvFile, "_careful_chunks", careful)
    monkeypatch.setattr(csv_file, "cell_values", careful)  # a feature column of text
    monkeypatch.setattr(csv_values, "texts", careful)  # a label column of text
    ds = load_csv(write(tmp_path, "clean.csv", text), target="label")
    assert ds.n_samples == 500 and ds.n_classes == 10


def test_loading_holds_the_file_and_one_float32_array_and_chunks(tmp_path, reader, monkeypatch):
    import tracemalloc

    if reader != "fast":
        pytest.skip("the large-file reader's promise")
    monkeypatch.setattr(csv_fast, "PIECE_BYTES", 1 << 20)
    monkeypatch.setattr(csv_fast, "PARSERS", 2)
    rows, columns = 100_000, 50
    pixels = np.random.default_rng(4).integers(0, 256, (rows, columns + 1))
    path = tmp_path / "big.csv"
    np.savetxt(path, pixels, fmt="%d", delimiter=",")
    load_csv(path, target=0)  # imports and caches warmed up
    tracemalloc.start()
    ds = load_csv(path, target=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size, x_bytes = path.stat().st_size, rows * columns * 4
    assert ds.x.nbytes == x_bytes
    # The file's bytes, x, and what two pieces of ~1 MB of text take while they are parsed and converted
    # (pandas' tokens, int64 columns, their float32 block): no float64 copy of x (40 MB more), no lists of cells.
    assert peak < size + x_bytes + 12 * 2**20, (peak / 2**20, size / 2**20, x_bytes / 2**20)


def test_a_large_file_is_parsed_in_pieces_at_once_and_a_cancel_ends_every_parser(tmp_path, reader, monkeypatch):
    import threading

    from engine.datasets import Cancelled

    if reader != "fast":
        pytest.skip("the large-file reader's promise")
    monkeypatch.setattr(csv_fast, "PIECE_BYTES", 4096)
    monkeypatch.setattr(csv_fast, "PARSERS", 2)
    text, _, x = mnist_like(np.random.default_rng(5), 2000)
    path = write(tmp_path, "pieces.csv", text)
    parsers = []
    started = csv_fast._parse

    def parse(*args):
        parsers.append(threading.current_thread().name)
        return started(*args)

    monkeypatch.setattr(csv_fast, "_parse", parse)
    ds = load_csv(path, target="label")
    np.testing.assert_array_equal(ds.x, x)  # pieces in the file's order
    pieces = len(parsers)
    assert pieces > 10 and all(name.startswith("csv") for name in parsers)
    parsers.clear()

    def progress(done):
        if done > 0.5:
            raise Cancelled

    with pytest.raises(Cancelled):
        read_csv_dataset(path, None, "label", "auto", "auto", "error", progress=progress)
    assert 0 < len(parsers) < pieces * 0.8  # it stopped early
    assert not [t for t in threading.enumerate() if t.name.startswith("csv")]


def test_quotes_before_a_body_without_them_as_r_writes_a_header(tmp_path):
    rows = "".join(f"{i},{i % 3}\n" for i in range(50))
    path = write(tmp_path, "r.csv", '"x","class"\n' + rows + '7,"1"\n8,2,3\n')
    assert_error(lambda: load_csv(path), "r.csv, line 53 has 3 cells, the header has 2")
    path = write(tmp_path, "r.csv", '"x","class"\n"multi\nline",0\n' + rows + "8,2,3\n")
    assert_error(lambda: load_csv(path), "r.csv, line 54 has 3 cells, the header has 2")
    path = write(tmp_path, "r.csv", '"x","class"\n' + rows)
    ds = load_csv(path)
    assert ds.feature_names == ["x"] and ds.n_samples == 50 and ds.class_names == ["0", "1", "2"]


@pytest.mark.parametrize("labels, names", [
    (["0", "1"] * 30 + ["cat"], ["0", "1", "cat"]),         # text after many numbers: all are text
    (["1", "2"] * 30 + ["1.0", "2.00"], ["1", "2"]),        # one class, spelled two ways
    (["True", "False"] * 30 + ["true"], ["False", "True", "true"]),  # spelled as written
    (["2", "10"] * 30 + [" NA "], ["2", "10"]),             # a missing marker with spaces, dropped
])
def test_labels_read_alike_in_every_chunk(tmp_path, labels, names):
    text = "x,label\n" + "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    ds = load_csv(write(tmp_path, "labels.csv", text), missing="drop", task="classification")
    assert ds.class_names == names
    kept = [label.strip() for label in labels if label.strip() != "NA"]
    assert [ds.class_names[k] for k in ds.y] == [
        str(int(float(label))) if label.replace(".", "").isdigit() else label for label in kept]
