"""The editor driven like a person would: real widgets, mouse and keyboard events, offscreen."""
from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from engine import PROJECTS
from engine.project import load_project

from editor.main_window import MainWindow
from tests.editor_helpers import open_window
from editor.render import render_project

XOR = PROJECTS / "xor.ncproj"


def make_window(qtbot, tmp_path, answers) -> MainWindow:
    return open_window(qtbot, tmp_path)


@pytest.fixture
def xor_copy(tmp_path):
    """A copy of the XOR example: tests save over what they open, never over the bundled file."""
    path = tmp_path / "xor.ncproj"
    shutil.copy(XOR, path)
    return path


@pytest.fixture
def window(qtbot, tmp_path, answers, xor_copy) -> MainWindow:
    w = make_window(qtbot, tmp_path, answers)
    assert w.open_path(xor_copy)
    QApplication.processEvents()  # let the deferred Fit to Window run before tests set the zoom
    w.view.resetTransform()
    w.view.centerOn(550, 30)
    return w


def viewport_point(window: MainWindow, scene_pos: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_pos)


def port_pos(window, node_id: str, port: str, output: bool) -> QPoint:
    item = window.scene.node_items[node_id].port(port, output)
    return viewport_point(window, item.scenePos())


def drag(window, start: QPoint, end: QPoint) -> None:
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, end)


def snapshot(window) -> dict:
    return json.loads(json.dumps(window.document.graph.to_dict()))


# ---- the canvas ---------------------------------------------------------------------------------
def test_dropping_a_palette_entry_creates_that_node_where_it_lands(window):
    item = window.palette.item_for("ReLU")
    mime = window.palette.tree.mimeData([item])
    target = viewport_point(window, QPointF(400, 300))
    enter = QDragEnterEvent(target, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window.view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(target), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window.view.viewport(), drop)

    node = window.document.graph.nodes["activation"]
    assert node.type == "Activation" and node.params["function"] == "relu"
    assert abs(node.position[0] + 78 - 400) < 2 and abs(node.position[1] + 30 - 300) < 2
    assert window.scene.selected_node_ids() == ["activation"]
    assert window.inspector.node is node


def test_wiring_two_ports_by_dragging_on_the_viewport(window):
    window.document.add_node("Dense", {"units": 3}, (300, 200))
    drag(window, port_pos(window, "x", "out", True), port_pos(window, "dense", "in", False))
    assert {"from": "x", "to": "dense"} in window.document.graph.to_dict()["edges"]
    window.document.validate_now()
    assert window.scene.edge_items[window.document.graph.edges[-1]].label == "2"
    assert window.scene.node_items["dense"].parameter_count == 2 * 3 + 3


def test_a_drop_on_empty_canvas_cancels_the_wire(window):
    before = snapshot(window)
    drag(window, port_pos(window, "x", "out", True), viewport_point(window, QPointF(300, 400)))
    assert snapshot(window) == before
    assert not [i for i in window.scene.items() if type(i).__name__ == "WireItem"]


def test_a_cycle_is_refused_with_its_reason_in_the_status_bar(window):
    graph = window.document.graph
    window.document.disconnect([graph.edge_into_port("h", "in")])
    before = snapshot(window)
    drag(window, port_pos(window, "prob", "out", True), port_pos(window, "h", "in", False))
    assert snapshot(window) == before
    message = window.statusBar().currentMessage()
    assert "cycle" in message and "h → act → out → prob → h" in message


def test_a_taken_port_is_refused(window):
    drag(window, port_pos(window, "act", "out", True), port_pos(window, "h", "in", False))
    assert "already wired" in window.statusBar().currentMessage()


def test_dragging_a_node_is_one_move_that_undoes(window):
    before = snapshot(window)
    item = window.scene.node_items["act"]
    start = viewport_point(window, item.sceneBoundingRect().center())
    drag(window, start, start + QPoint(40, 90))
    moved = window.document.graph.nodes["act"].position
    assert moved == (440 + 40, 90)
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert snapshot(window) == before and item.pos() == QPointF(440, 0)


def test_rubber_band_then_delete_key_removes_the_nodes_and_their_wires(window):
    before = snapshot(window)
    top_left = viewport_point(window, QPointF(200, -40))
    bottom_right = viewport_point(window, QPointF(520, 120))
    drag(window, top_left, bottom_right)
    assert sorted(window.scene.selected_node_ids()) == ["act", "h"]
    window.activateWindow()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    graph = window.document.graph
    assert "h" not in graph.nodes and "act" not in graph.nodes
    assert all("h" not in (e.src, e.dst) for e in graph.edges)
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert snapshot(window) == before


# ---- undo and redo ------------------------------------------------------------------------------
def test_undo_then_redo_of_every_kind_of_edit_restores_the_graph_exactly(window):
    doc = window.document
    snapshots = [snapshot(window)]

    def step(edit):
        edit()
        snapshots.append(snapshot(window))
        assert snapshots[-1] != snapshots[-2], edit

    step(lambda: doc.add_node("Dense", {"units": 8}, (100, 200)))
    step(lambda: doc.connect("x", "dense", "in"))
    step(lambda: doc.move({"dense": ((100, 200), (120, 260))}))
    step(lambda: doc.set_param("dense", "units", 16))
    step(lambda: doc.rename("dense", "wide"))
    step(lambda: doc.disconnect([doc.graph.edge_into_port("loss", "in")]))
    step(lambda: doc.paste(doc.copy_text(["h", "act"]), (30, 30)))
    step(lambda: doc.arrange())
    step(lambda: doc.delete(["out", "wide"], []))
    assert doc.undo_stack.count() == len(snapshots) - 1

    for expected in reversed(snapshots[:-1]):
        doc.undo_stack.undo()
        assert snapshot(window) == expected
    for expected in snapshots[1:]:
        doc.undo_stack.redo()
        assert snapshot(window) == expected
    assert set(window.scene.node_items) == set(doc.graph.nodes)
    assert set(window.scene.edge_items) == set(doc.graph.edges)


def test_scrubbing_a_spin_box_is_one_merged_undo_step(window):
    window.scene.select_nodes(["h"])
    units = next(f.widget for f in window.inspector.fields if f.name == "units")
    for _ in range(3):
        units.stepUp()
    assert window.document.graph.nodes["h"].params["units"] == 7
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert window.document.graph.nodes["h"].params["units"] == 4
    assert units.value() == 4


def test_the_inspector_refuses_what_the_engine_refuses(window):
    window.document.add_node("Add", {}, (0, 300))
    window.document.connect("x", "add", "in1")
    window.document.connect("h", "add", "in2")
    window.scene.select_nodes(["add"])
    inputs = next(f.widget for f in window.inspector.fields if f.name == "inputs")
    inputs.setValue(3)
    assert window.document.graph.nodes["add"].params["inputs"] == 3
    assert len(window.scene.node_items["add"].input_ports()) == 3
    window.document.connect("act", "add", "in3")
    inputs.setValue(2)
    assert window.document.graph.nodes["add"].params["inputs"] == 3
    assert inputs.value() == 3
    assert "disconnect it first" in window.inspector.message.text()


def test_a_node_with_a_problem_is_marked_and_clicking_the_problem_selects_it(window):
    window.document.disconnect([window.document.graph.edge_into_port("h", "in")])
    window.document.validate_now()
    item = window.scene.node_items["h"]
    assert any(p.severity == "error" for p in item.problems)
    assert "not wired" in item.toolTip()
    row = next(i for i in range(window.problems.list.count())
               if window.problems.list.item(i).text().startswith("h:in"))
    rect = window.problems.list.visualItemRect(window.problems.list.item(row))
    QTest.mouseClick(window.problems.list.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert window.scene.selected_node_ids() == ["h"]


def test_an_empty_canvas_says_how_to_begin_until_a_node_is_added(window):
    hint = window.view.empty_hint
    assert not hint.isVisible()
    window.new_project()
    assert hint.isVisible() and "Drag an <b>Input</b>" in hint.text()
    window.document.add_node("Input", {"size": 2}, (0, 0))
    assert not hint.isVisible()
    window.document.undo_stack.undo()
    assert hint.isVisible()


def test_with_no_problems_the_panel_says_what_to_do_next_instead_of_an_empty_list(window):
    window.document.validate_now()
    panel = window.problems
    assert "ready to train" in panel.summary.text()
    assert panel.next_steps.isVisible() and not panel.list.isVisible()
    window.document.disconnect([window.document.graph.edge_into_port("h", "in")])
    window.document.validate_now()
    assert panel.list.isVisible() and panel.list.count() > 0 and not panel.next_steps.isVisible()


def test_validation_runs_debounced_after_an_edit(window, qtbot):
    window.document.add_node("Dense", {}, (0, 300))
    qtbot.waitUntil(lambda: any(p.node == "dense" for p in window.document.problems), timeout=2000)
    assert window.problems.list.count() > 0


# ---- copy and paste -------------------------------------------------------------------------------
def test_copy_then_paste_adds_fresh_nodes_with_their_wire(window):
    window.scene.select_nodes(["x", "h"])
    window.copy_action.trigger()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert [n["id"] for n in copied["nodes"]] == ["x", "h"]
    assert copied["edges"] == [{"from": "x", "to": "h"}]

    window.paste_action.trigger()
    graph = window.document.graph
    assert sorted(window.scene.selected_node_ids()) == ["h_2", "x_2"]
    assert graph.nodes["h_2"].position == (220 + 32, 32)
    assert {"from": "x_2", "to": "h_2"} in graph.to_dict()["edges"]
    window.paste_action.trigger()
    assert graph.nodes["h_3"].position == (220 + 64, 64)


def test_paste_from_clipboard_text_written_by_hand(window):
    QGuiApplication.clipboard().setText(json.dumps({
        "nodes": [{"id": "a", "type": "Dense", "params": {"units": 5}},
                  {"id": "b", "type": "Activation", "params": {"function": "gelu"}}],
        "edges": [{"from": "a", "to": "b"}],
    }))
    window.paste_action.trigger()
    graph = window.document.graph
    assert graph.nodes["a"].params["units"] == 5 and graph.nodes["b"].params["function"] == "gelu"
    assert {"from": "a", "to": "b"} in graph.to_dict()["edges"]


def test_pasting_text_that_is_not_a_graph_changes_nothing(window):
    before = snapshot(window)
    QGuiApplication.clipboard().setText("hello")
    window.paste_action.trigger()
    assert snapshot(window) == before
    assert "Nothing to paste" in window.statusBar().currentMessage()


def test_cut_and_duplicate(window):
    window.scene.select_nodes(["act"])
    window.duplicate_action.trigger()
    assert "act_2" in window.document.graph.nodes
    window.scene.select_nodes(["act_2"])
    window.cut_action.trigger()
    assert "act_2" not in window.document.graph.nodes
    window.paste_action.trigger()
    assert "act_2" in window.document.graph.nodes


# ---- files --------------------------------------------------------------------------------------------
def test_save_then_reopen_gives_the_same_project(window, tmp_path, monkeypatch, qtbot, answers):
    window.document.set_param("h", "units", 6)
    assert window.isWindowModified() and "[*]" in window.windowTitle()
    target = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window.save_as_action.trigger()
    saved = tmp_path / "mine.ncproj"
    assert saved.exists() and not window.isWindowModified()
    assert "mine.ncproj" in window.windowTitle()

    other = make_window(qtbot, tmp_path / "second", answers)
    assert other.open_path(saved)
    assert other.document.to_dict() == window.document.to_dict()
    assert str(saved.resolve()) in other.recent_files()


def test_unsaved_changes_ask_save_discard_or_cancel(window, answers, tmp_path, monkeypatch):
    window.document.add_node("Dense", {}, (0, 300))
    answers["reply"] = QMessageBox.Cancel
    window.new_action.trigger()
    assert "dense" in window.document.graph.nodes and len(answers["question"]) == 1

    answers["reply"] = QMessageBox.Discard
    window.new_action.trigger()
    assert window.document.graph.nodes == {} and not window.isWindowModified()

    window.document.add_node("Input", {}, (0, 0))
    answers["reply"] = QMessageBox.Save
    target = tmp_path / "kept.ncproj"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    assert window.close()
    assert load_project(target).graph.nodes["input"].type == "Input"


def test_a_broken_file_shows_its_error_and_keeps_the_open_project(window, tmp_path, answers):
    broken = tmp_path / "broken.ncproj"
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["graph"]["nodes"][1]["type"] = "Dense2"
    broken.write_text(json.dumps(data))
    before = snapshot(window)
    assert not window.open_path(broken)
    assert "broken.ncproj" in answers["critical"][0] and "Dense2" in answers["critical"][0]
    assert snapshot(window) == before


def test_autosave_is_offered_back_at_the_next_start(window, qtbot, tmp_path, answers, xor_copy):
    window.document.set_param("h", "units", 9)
    assert window.recovery.autosave()
    answers["reply"] = QMessageBox.Yes
    second = make_window(qtbot, tmp_path, answers)
    assert not second.offer_recovery()  # the first editor still runs: its work is its own
    window.recovery.lock.unlock()  # as when its process ends without saving
    assert second.offer_recovery()
    assert "“XOR”" in answers["question"][-1] and str(xor_copy) in answers["question"][-1]
    assert second.document.graph.nodes["h"].params["units"] == 9
    assert second.document.path == xor_copy and second.isWindowModified()
    # the second editor's own recovery file now holds the work; the first one's is gone
    assert [p.name for p in (tmp_path / "recovery").glob("*.ncproj")] == [second.recovery.file.name]


# ---- render ---------------------------------------------------------------------------------------------
def test_render_writes_a_png_of_the_right_size_that_is_not_blank(tmp_path):
    project = load_project(XOR)
    out = tmp_path / "xor.png"
    size = render_project(project, out, scale=2.0)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (size.width(), size.height())
    # six nodes 220 apart, 156 wide, plus margins: about 1320 × 120 canvas units at scale 2
    assert 2 * 1250 < image.width() < 2 * 1400 and 2 * 90 < image.height() < 2 * 200
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20


def test_render_writes_svg(tmp_path):
    out = tmp_path / "xor.svg"
    render_project(load_project(XOR), out)
    text = out.read_text(encoding="utf-8")
    assert "<svg" in text and ">Dense · 4</text>" in text and ">Sigmoid</text>" in text


def test_a_padding_is_a_number_or_same_and_an_images_shape_is_typed_as_numbers(window):
    doc = window.document
    doc.add_node("Conv2D", {}, (0, 300))
    window.scene.select_nodes(["conv2d"])
    padding = next(f.widget for f in window.inspector.fields if f.name == "padding")
    padding.setEditText("2")
    padding.lineEdit().editingFinished.emit()
    assert doc.graph.nodes["conv2d"].params["padding"] == 2
    padding.setCurrentIndex(padding.findData("same"))
    padding.activated.emit(padding.currentIndex())
    assert doc.graph.nodes["conv2d"].params["padding"] == "same"
    padding.setEditText("lots")
    padding.lineEdit().editingFinished.emit()
    assert doc.graph.nodes["conv2d"].params["padding"] == "same"
    assert 'or "same"' in window.inspector.message.text()

    window.scene.select_nodes(["x"])
    shape = next(f.widget for f in window.inspector.fields if f.name == "shape")
    shape.setText("1×2×1")
    shape.editingFinished.emit()
    assert doc.graph.nodes["x"].params["shape"] == [1, 2, 1]
    doc.undo_stack.undo()
    assert doc.graph.nodes["x"].params["shape"] == []
