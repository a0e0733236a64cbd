"""The Dataset dock driven like a person would: real widgets and clicks, offscreen."""
from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from engine import PROJECTS
from engine.project import load_project

from tests.editor_helpers import open_window

XOR = PROJECTS / "xor.ncproj"
MISMATCH = "3 classes: the last Dense 'out' has 1 unit — make it 3 units and use softmax with categorical cross-entropy"


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, XOR)
    w.docks["dataset"].raise_()
    yield w
    w.document.undo_stack.resetClean()  # close without the save prompt
    w.training.shutdown()


def panel(window):
    return window.dataset_panel


def input_size(window) -> int:
    return window.document.graph.node("x").params["size"]


def problem_texts(window) -> list[str]:
    items = window.problems.list
    return [items.item(i).text() for i in range(items.count())]


def snapshot(window):
    return copy.deepcopy(window.document.graph.to_dict()), copy.deepcopy(window.document.project.dataset)


# ---- generated ------------------------------------------------------------------------------------

def test_switching_generator_is_one_undo_step_and_the_input_follows(window, qtbot):
    stack = window.document.undo_stack
    before = snapshot(window)
    page = panel(window).generated
    page.generator.setCurrentIndex(page.generator.findData("sine"))
    page.generator.activated.emit(page.generator.currentIndex())  # what a pick in the list sends
    assert stack.count() == 1
    assert window.document.project.dataset["name"] == "sine"
    assert input_size(window) == 1  # sine has one feature
    assert window.document.dataset.n_features == 1
    stack.undo()
    assert snapshot(window) == before
    assert input_size(window) == 2 and window.document.dataset.name == "xor"
    assert page.generator.currentData() == "xor"  # the controls follow the undo
    stack.redo()
    assert input_size(window) == 1 and window.document.project.dataset["name"] == "sine"


def test_a_slider_drag_is_one_undo_step(window, qtbot):
    stack = window.document.undo_stack
    before = snapshot(window)
    slider = panel(window).generated.samples.slider
    slider.setSliderDown(True)  # the user presses the handle ...
    for value in (420, 500, 650, 800):
        slider.setValue(value)
        qtbot.wait(60)  # longer than the debounce: every step regenerates and re-plots
    slider.setValue(900)
    slider.setSliderDown(False)  # ... and lets go: the last value lands at once
    assert stack.count() == 1
    assert window.document.project.dataset["samples"] == 900
    assert window.document.dataset.n_samples == 900
    points = panel(window).generated.preview.scatter.data
    assert len(points) == 900
    # a second drag is a second step
    slider.setSliderDown(True)
    slider.setValue(300)
    slider.setSliderDown(False)
    assert stack.count() == 2
    stack.undo()
    stack.undo()
    assert snapshot(window) == before


def test_regenerate_draws_a_new_seed(window, qtbot):
    page = panel(window).generated
    seed = window.document.project.dataset["seed"]
    qtbot.mouseClick(page.regenerate, Qt.LeftButton)
    assert window.document.project.dataset["seed"] == seed + 1
    assert window.document.undo_stack.count() == 1


def test_standardize_is_one_undo_step(window, qtbot):
    p = panel(window)
    p.standardize.click()
    assert window.document.project.dataset["standardize"] is True
    assert abs(window.document.dataset.x.mean()) < 1e-6  # float32 features
    window.document.undo_stack.undo()
    assert "standardize" not in window.document.project.dataset
    assert not p.standardize.isChecked()


# ---- built-in -------------------------------------------------------------------------------------

def test_builtin_iris_resizes_the_input_and_shows_the_class_problem(window, qtbot):
    page = panel(window).builtin
    page.select("iris")
    assert "150 samples" in page.size_label.text() and "4 features" in page.size_label.text()
    assert page.model.rowCount() == 100 and page.model.columnCount() == 5  # 4 features and the species
    assert window.document.project.dataset["name"] == "xor"  # browsing changes nothing
    qtbot.mouseClick(page.use_button, Qt.LeftButton)
    assert window.document.project.dataset == {"source": "builtin", "name": "iris"}
    assert input_size(window) == 4
    assert any(MISMATCH in text for text in problem_texts(window))
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert input_size(window) == 2 and not problem_texts(window)


def test_the_generated_page_previews_its_choice_only_when_it_comes_into_view(window, qtbot):
    """With other data in use, the Generated page's preview waited for nobody: 50 ms of plotting at every
    arrival of data, even with the page out of sight."""
    p = panel(window)
    p.show_page("builtin")
    p.builtin.select("iris")
    qtbot.mouseClick(p.builtin.use_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.dataset is not None and window.document.dataset.name == "iris")
    preview = p.generated.preview.scatter
    preview.setData([], [])
    p.refresh()  # the data in use shown again, as when it arrives
    assert len(preview.data) == 0
    p.show_page("generated")
    qtbot.waitUntil(lambda: len(preview.data) > 0)  # the controls' choice (XOR), previewed once in view
    assert len(preview.data) == p.generated.spec(False)["samples"]


def test_digits_shows_images(window, qtbot):
    page = panel(window).builtin
    page.select("digits")
    assert not page.digits.isHidden()
    image, caption = page.digit_labels[3]
    assert not image.pixmap().isNull() and caption.text() == "3"
    page.select("wine")
    assert page.digits.isHidden()


# ---- csv ------------------------------------------------------------------------------------------

GOOD = """sepal,petal,colour,species
5.1,1.4,red,setosa
4.9,1.5,red,setosa
6.3,4.9,blue,versicolor
6.0,5.0,blue,versicolor
7.1,5.9,green,virginica
7.7,6.7,green,virginica
"""


def apply_csv(window, qtbot, path, features=None, target=None) -> None:
    page = panel(window).csv
    assert page.open_file(path) or True
    if page.preview_data is None:
        return
    if target is not None:
        page.target.setCurrentIndex(page.target.findText(target))
    if features is not None:
        page.set_checked(features)
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not page.status.text().startswith("Reading"), timeout=5000)


def test_csv_import_with_feature_and_target_choice(window, qtbot, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    csv_file = data / "flowers.csv"
    csv_file.write_text(GOOD)
    page = panel(window).csv
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(csv_file), "")))
    qtbot.mouseClick(page.choose_button, Qt.LeftButton)
    assert page.model.rowCount() == 6 and page.model.columnCount() == 4
    assert page.target.currentText() == "species"
    assert [name for _, name in page.checked_features()] == ["sepal", "petal"]  # the text column is left out
    assert "3 classes" in page.classes_label.text() and "versicolor" in page.classes_label.text()
    page.set_checked(["petal"])
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.undo_stack.count() == 1, timeout=5000)
    spec = window.document.project.dataset
    assert spec["path"] == "data/flowers.csv"  # relative to the project file
    assert spec["features"] == ["petal"] and spec["target"] == "species"
    assert input_size(window) == 1
    assert window.document.dataset.class_names == ["setosa", "versicolor", "virginica"]
    # overriding the task: the sepal length as a regression target
    page.target.setCurrentIndex(page.target.findText("sepal"))
    page.task.setCurrentIndex(page.task.findData("regression"))
    page.set_checked(["petal"])
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.undo_stack.count() == 2, timeout=5000)
    assert window.document.dataset.task == "regression"


def test_csv_path_of_an_unsaved_project_becomes_relative_on_save(window, qtbot, tmp_path):
    window.document.new()
    csv_file = tmp_path / "flowers.csv"
    csv_file.write_text(GOOD)
    apply_csv(window, qtbot, csv_file)
    qtbot.waitUntil(lambda: window.document.project.dataset.get("source") == "csv", timeout=5000)
    assert window.document.project.dataset["path"] == str(csv_file)
    target = tmp_path / "saved.ncproj"
    window.document.save(target)
    assert window.document.project.dataset["path"] == "flowers.csv"
    assert load_project(target).load_data().n_samples == 6


def test_missing_values_are_refused_by_row_or_dropped(window, qtbot, tmp_path):
    csv_file = tmp_path / "gaps.csv"
    csv_file.write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    before = copy.deepcopy(window.document.project.dataset)
    apply_csv(window, qtbot, csv_file)
    page = panel(window).csv
    assert "line 3" in page.message.text() and "missing value" in page.message.text()
    assert window.document.project.dataset == before
    page.missing.setCurrentIndex(page.missing.findData("drop"))
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.project.dataset.get("source") == "csv", timeout=5000)
    assert window.document.dataset.n_samples == 3


MALFORMED = {
    "ragged": ("a,b,y\n1,2,0\n3,4\n5,6,1\n", ["ragged.csv, line 3 has 2 cells"]),
    "text": ("a,b,y\n1,2,0\n3,x4,1\n5,6,0\n7,8,1\n", ["line 3", 'column "b"', '"x4" is not a number']),
    "empty": ("", ["empty.csv: the file is empty"]),
    "wide": (",".join(f"c{j}" for j in range(10_050)) + "\n" + ",".join("1" for _ in range(10_050)) + "\n",
             ["10050 columns", "at most 10000"]),
}


PEOPLE = "height,weight,age,smoker\n" + "".join(  # line 7 misses the age
    f"1.{60 + i},{50 + 3 * i},{'' if i == 5 else 20 + i},{i % 2}\n" for i in range(12))


def apply_and_wait(window, qtbot, path):
    apply_csv(window, qtbot, path)
    qtbot.waitUntil(lambda: panel(window).csv.message.text() != "" or
                    window.document.project.dataset.get("source") == "csv", timeout=5000)


@pytest.mark.parametrize("bad", ["empty", "missing"])
def test_a_bad_file_after_a_good_one_shows_its_message(window, qtbot, tmp_path, bad):
    page = panel(window).csv
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    assert page.open_file(good)
    path = tmp_path / f"{bad}.csv"
    if bad == "empty":
        path.write_text("")
    assert not page.open_file(path)  # used to raise in _target_changed: no preview left
    assert page.preview_data is None and page.target.count() == 0 and page.feature_choices.rowCount() == 0
    assert ("the file is empty" if bad == "empty" else "file not found") in page.message.text()
    assert not page.apply_button.isEnabled()


def test_a_missing_value_names_the_panel_control_and_the_cell(window, qtbot, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(PEOPLE)
    apply_and_wait(window, qtbot, csv_file)
    page = panel(window).csv
    assert page.message.text() == ('⚠ people.csv, line 7, column "age": missing value (an empty cell): '
                                   'choose "Drop those rows" under Missing values')
    current = page.table.currentIndex()
    assert (current.row(), current.column()) == (5, 2)  # the sixth data row is line 7; "age"
    assert page.table.selectionModel().isRowSelected(5)


def visible_in(widget, area) -> bool:
    """True when ``widget`` lies wholly inside ``area`` (a scroll area's viewport, say)."""
    top_left = widget.mapTo(area.window(), QPoint(0, 0))
    corner = area.mapTo(area.window(), QPoint(0, 0))
    return QRect(corner, area.size()).contains(QRect(top_left, widget.size()))


def csv_page_showing(window, qtbot, path, text: str):
    """The CSV page in view, previewing ``path`` written with ``text``."""
    path.write_text(text)
    p = panel(window)
    p.show_page("csv")
    qtbot.waitExposed(p.csv)
    p.csv.open_file(path)
    return p.csv


def test_the_csv_page_fits_the_default_window(window, qtbot, tmp_path):
    wide = "id,name," + ",".join(f"c{k}" for k in range(8)) + ",age,label\n" + "".join(
        f"{i},P{i}," + ",".join(str(i + k) for k in range(8)) + f",{'' if i == 9 else 30 + i},{i % 2}\n"
        for i in range(30))
    page = csv_page_showing(window, qtbot, tmp_path / "wide.csv", wide)
    page.set_checked(["c0", "c1", "age"])
    qtbot.wait(50)  # the user looks before they click
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=5000)
    qtbot.wait(50)  # the page scrolls the options once the layout settles
    view = page.parentWidget()  # the tab's scroll viewport
    assert visible_in(page.apply_button, view) and visible_in(page.choose_button, view)
    message = page.message
    assert visible_in(message, view) and message.height() >= message.heightForWidth(message.width())
    assert message.width() > view.width() * 0.9  # spans the page, not the side column
    assert visible_in(page.missing, page.options_area.viewport())  # the control the message names
    label = page.form.labelForField(page.missing)
    assert label.width() >= label.sizeHint().width()  # "Missing values", not "Missing v"
    assert page.features.height() >= 4 * page.features.sizeHintForRow(0)
    age = page.model.index(9, 10)
    assert page.table.currentIndex() == age
    assert page.table.viewport().rect().contains(page.table.visualRect(age))


SEMICOLONS = "height;weight;label\n" + "".join(f"1,{60 + i};{50 + i},5;{i % 2}\n" for i in range(12))


def test_decimal_commas_in_a_semicolon_file_are_features(window, qtbot, tmp_path):
    csv_file = tmp_path / "eu.csv"
    csv_file.write_text(SEMICOLONS)
    page = panel(window).csv
    page.open_file(csv_file)
    assert page.feature_choices.texts == ["height", "weight"]
    assert [name for _, name in page.checked_features()] == ["height", "weight"]
    apply_and_wait(window, qtbot, csv_file)
    assert window.document.dataset.n_features == 2 and input_size(window) == 2


def test_a_click_on_a_features_check_box_leaves_it_out(window, qtbot, tmp_path):
    page = csv_page_showing(window, qtbot, tmp_path / "eu.csv", SEMICOLONS)
    page.features.scrollTo(page.feature_choices.index(0))
    rect = page.features.visualRect(page.feature_choices.index(0))
    box = QPoint(rect.left() + rect.height() // 2, rect.center().y())  # the check box opens the row
    qtbot.mouseClick(page.features.viewport(), Qt.LeftButton, pos=box)
    assert [name for _, name in page.checked_features()] == ["weight"]
    page.target.setCurrentIndex(1)  # another target keeps the choice of the columns left
    assert page.feature_choices.texts == ["height", "label"] and page.checked_features() == []


def test_a_small_file_with_a_0_1_target_is_classification(window, qtbot, tmp_path):
    csv_file = tmp_path / "tiny.csv"
    csv_file.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,1\n")
    page = panel(window).csv
    page.open_file(csv_file)
    assert page.task.itemText(0) == "Detected: classification"
    assert "2 classes" in page.classes_label.text()
    apply_and_wait(window, qtbot, csv_file)
    assert window.document.dataset.task == "classification"
    page.task.setCurrentIndex(page.task.findData("regression"))  # the override still works
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.dataset.task == "regression", timeout=5000)


def test_a_new_csv_is_standardized_and_a_stored_choice_is_kept(window, qtbot, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(PEOPLE.replace(",,", ",40,"))
    p = panel(window)
    apply_and_wait(window, qtbot, csv_file)
    assert window.document.project.dataset["standardize"] is True
    assert p.standardize.isChecked() and abs(window.document.dataset.x.mean()) < 1e-6  # float32 features
    p.standardize.click()  # the user turns it off ...
    qtbot.waitUntil(lambda: "standardize" not in window.document.project.dataset, timeout=5000)
    p.csv.set_checked(["height", "weight"])  # ... and changes the same file's choices
    qtbot.mouseClick(p.csv.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.document.project.dataset.get("features") == ["height", "weight"],
                    timeout=5000)
    assert "standardize" not in window.document.project.dataset
    target = tmp_path / "raw.ncproj"  # a project that stores no standardize reopens as it is
    window.document.save(target)
    assert window.open_path(target)
    assert not p.standardize.isChecked() and "standardize" not in window.document.project.dataset


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_csv_shows_its_message_and_changes_nothing(window, qtbot, tmp_path, case):
    text, fragments = MALFORMED[case]
    csv_file = tmp_path / f"{case}.csv"
    csv_file.write_text(text)
    before = snapshot(window)
    apply_csv(window, qtbot, csv_file)
    message = panel(window).csv.message
    assert message.isVisible() or not message.isHidden()
    for fragment in fragments:
        assert fragment in message.text()
    assert snapshot(window) == before
    assert window.document.undo_stack.count() == 0


def test_a_column_gone_since_the_preview_is_named(window, qtbot, tmp_path):
    csv_file = tmp_path / "changing.csv"
    csv_file.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    page = panel(window).csv
    page.open_file(csv_file)
    csv_file.write_text("a,y\n1,0\n3,1\n5,0\n")  # rewritten by another program
    before = snapshot(window)
    qtbot.mouseClick(page.apply_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=5000)
    assert 'there is no column "b"' in page.message.text()
    assert snapshot(window) == before and window.document.undo_stack.count() == 0


# ---- drawing --------------------------------------------------------------------------------------

def click_plane(qtbot, plane, x: float, y: float, button=Qt.LeftButton) -> None:
    scene_pos = plane.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    pos = plane.mapFromScene(scene_pos)
    QTest.mouseClick(plane.viewport(), button, Qt.NoModifier, pos)


def test_drawing_points_adds_them_inline(window, qtbot):
    p = panel(window)
    p.show_page("inline")
    plane = p.draw.plane
    qtbot.waitExposed(plane)
    p.draw.set_pen(1)
    click_plane(qtbot, plane, 0.5, 0.5)
    spec = window.document.project.dataset
    assert spec["source"] == "inline" and spec["y"] == [1]
    assert spec["x"][0] == pytest.approx([0.5, 0.5], abs=0.05)
    p.draw.set_pen(0)
    click_plane(qtbot, plane, -0.6, 0.2)
    click_plane(qtbot, plane, 0.4, -0.8)
    spec = window.document.project.dataset
    assert spec["y"] == [1, 0, 0] and len(spec["x"]) == 3
    assert window.document.dataset.n_classes == 2 and input_size(window) == 2
    click_plane(qtbot, plane, -0.55, 0.25, Qt.RightButton)  # removes the nearest
    assert window.document.project.dataset["y"] == [1, 0]
    assert window.document.undo_stack.count() == 4
    window.document.undo_stack.undo()
    assert len(window.document.project.dataset["x"]) == 3


# ---- files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["generated", "builtin", "inline"])
def test_save_and_reopen_keeps_the_dataset(window, qtbot, tmp_path, source):
    p = panel(window)
    if source == "generated":
        p.generated.generator.setCurrentIndex(p.generated.generator.findData("gaussians"))
        p.apply_generated("name")
        p.generated.classes.setValue(4)
    elif source == "builtin":
        p.apply_builtin("wine")
        p.standardize.click()
    else:
        p.add_point(0.1, 0.2)
        p.draw.set_pen(1)
        p.add_point(-0.3, 0.4)
    spec = copy.deepcopy(window.document.project.dataset)
    target = tmp_path / "kept.ncproj"
    window.document.save(target)
    assert window.open_path(target)
    assert window.document.project.dataset == spec
    assert window.document.dataset is not None
    assert "● " in p.tabs.tabText(p.tabs.currentIndex())
