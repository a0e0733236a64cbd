"""The main window: menus, the canvas, the docks, files, the title and the status bar.

It wires the parts together: the document owns the project and its undo stack; the
scene draws the graph; the palette, inspector and problems panel are docks. Other
panels (training, plots) join through ``add_dock``.
"""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox, QTabBar, QWidget,
)

from engine import examples
from engine.errors import NeuroCanvasError, ProjectError
from engine.nodes import CATEGORIES, palette_entries
from engine.project import SUFFIX, load_project

from . import style
from .canvas import GraphScene, GraphView
from .canvas.edge_item import EdgeItem
from .canvas.node_item import WIDTH as NODE_WIDTH, NodeItem
from .data.loading_bar import LoadingBar
from .data.panel import DatasetPanel
from .data.specs import rebased
from .document import Document
from .export_actions import install_export
from .import_actions import install_import
from .inspector import InspectorPanel
from .landscape_view import install_landscape
from .math_view import install_math
from .palette import PalettePanel
from .predict import install_predict
from .problems import ProblemsPanel
from .recovery import Recovery, default_recovery_dir
from .render import IMAGE_FILTERS, render_project
from .training import install_training

PROJECT_FILTER = f"NeuroCanvas projects (*{SUFFIX})"
MAX_RECENT = 8
PASTE_STEP = 32.0
STATUS_TIMEOUT_MS = 8000


def _example_title(path: Path) -> str:
    """An example's name as its file gives it (the file name when it cannot be read)."""
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return path.stem


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, recovery_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.document = Document(parent=self, background_loading=True)
        self.document.confirm_read = self.confirm_outside_data
        self.scene = GraphScene(self)
        self.view = GraphView(self.scene)
        self.setCentralWidget(self.view)
        self.recovery = Recovery(self.document, recovery_dir or default_recovery_dir(), self)
        self._pastes_since_copy = 0
        self.docks: dict[str, QDockWidget] = {}

        self._create_actions()
        self._create_docks()
        self._create_menus()
        self._connect()
        self.training = install_training(self)
        self.export = install_export(self, self.export_menu)
        self.importer = install_import(self, self.file_menu, after=self.export_menu.menuAction())
        self.predict = install_predict(self)
        self.math = install_math(self)
        self.landscape = install_landscape(self)
        if "loss" in self.docks:  # the data's previews share the wide bottom slot with the plots, as a tab
            self.tabifyDockWidget(self.docks["loss"], self.docks["dataset"])
            self.docks["loss"].raise_()
        self.view.space_tapped.connect(self.training.train_action.trigger)
        self.loading_bar = LoadingBar(self.document)
        self.statusBar().addPermanentWidget(self.loading_bar)
        self.statusBar().showMessage("Drag a node from the palette; wire an output port to an input port.")
        self._project_replaced()
        self._restore_settings()
        self._hide_stale_tab_bars()

    def _hide_stale_tab_bars(self) -> None:
        """A tab group grown after its docks were split keeps its first tab bar, drawn over the plots
        ("Output | Neurons" over the Loss view): hide every tab bar that names no tab group there is."""
        docks = [d for d in self.docks.values() if not d.isFloating()]
        groups = {frozenset(x.windowTitle() for x in [d, *self.tabifiedDockWidgets(d)]) for d in docks}
        for bar in self.findChildren(QTabBar, options=Qt.FindDirectChildrenOnly):
            if frozenset(bar.tabText(i) for i in range(bar.count())) not in groups:
                bar.hide()

    # ---- docks: the one place panels are created -----------------------------------------------
    def _create_docks(self) -> None:
        self.palette = PalettePanel()
        self.inspector = InspectorPanel(self.document)
        self.problems = ProblemsPanel()
        self.add_dock("palette", "Palette", self.palette, Qt.LeftDockWidgetArea)
        self.add_dock("inspector", "Inspector", self.inspector, Qt.RightDockWidgetArea)
        self.add_dock("problems", "Problems", self.problems, Qt.BottomDockWidgetArea)
        self.dataset_panel = DatasetPanel(self.document)
        dock = self.add_dock("dataset", "Dataset", self.dataset_panel, Qt.BottomDockWidgetArea)
        dock.visibilityChanged.connect(lambda shown: shown and self.dataset_panel.fill_csv_page())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._layout_pending:  # sized here, not at construction: only now is the window's size final
            self._layout_pending = False
            self.size_docks()

    def size_docks(self) -> None:
        """The first-start layout, in proportion to the window: the plots get a real share of it."""
        width, height = self.width(), self.height()
        d = self.docks
        sides = [d[n] for n in ("palette", "inspector") if n in d]
        self.resizeDocks(sides, [max(210, width * 13 // 100), max(300, width * 22 // 100)][: len(sides)], Qt.Horizontal)
        if "training" in d:
            self.resizeDocks([d["inspector"], d["training"]], [height * 42 // 100, height * 58 // 100], Qt.Vertical)
        bottom = [d[n] for n in ("problems", "loss", "output") if n in d]
        shares = [16, 50, 34] if len(bottom) == 3 else [100 // len(bottom)] * len(bottom)
        self.resizeDocks(bottom, [width * s // 100 for s in shares], Qt.Horizontal)
        self.resizeDocks(bottom[-1:], [max(260, height * 38 // 100)], Qt.Vertical)

    def add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea,
                 tab_with: str | None = None) -> QDockWidget:
        """Add a panel; its visibility and place are remembered with the window layout. ``tab_with``: the
        dock it shares tabs with (which stays in front). A widget that catches up when shown
        (``visibility_changed``) hears when its tab comes to the front."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        if hasattr(widget, "visibility_changed"):
            dock.visibilityChanged.connect(widget.visibility_changed)
        front = self.docks.get(tab_with) if tab_with else None
        if front is not None:
            self.tabifyDockWidget(front, dock)
            front.raise_()
        if hasattr(self, "panels_menu"):
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    # ---- actions and menus ---------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        A, K = self._action, QKeySequence
        self.new_action = A("&New", self.new_project, K.New, "Start an empty project")
        self.open_action = A("&Open…", self.open_dialog, K.Open, "Open a project file")
        self.save_action = A("&Save", self.save, K.Save, "Save the project")
        self.save_as_action = A("Save &As…", self.save_as, K.SaveAs, "Save the project to a new file")
        self.export_action = A("&Export Diagram…", self.export_diagram, "Ctrl+E", "Write the canvas as PNG or SVG")
        self.quit_action = A("&Quit", self.close, K.Quit)

        # The stack's own actions keep their text and state; triggering them goes through the document,
        # which tells an undo or redo from a new edit (the training session restores runs on undo).
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(K.Undo)
        self.undo_action.triggered.disconnect()
        self.undo_action.triggered.connect(self.document.undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(K.Redo)
        self.redo_action.triggered.disconnect()
        self.redo_action.triggered.connect(self.document.redo)
        self.cut_action = A("Cu&t", self.cut, K.Cut)
        self.copy_action = A("&Copy", self.copy, K.Copy)
        self.paste_action = A("&Paste", self.paste, K.Paste)
        self.duplicate_action = A("D&uplicate", self.duplicate, "Ctrl+D")
        self.delete_action = A("&Delete", self.delete_selection, [K(K.Delete), K(Qt.Key_Backspace)])
        self.select_all_action = A("Select &All", self.select_all, K.SelectAll)

        self.zoom_in_action = A("Zoom &In", self.view.zoom_in, [K(K.ZoomIn), K("Ctrl+=")])
        self.zoom_out_action = A("Zoom &Out", self.view.zoom_out, K.ZoomOut)
        self.actual_size_action = A("&Actual Size", self.view.reset_zoom, "Ctrl+1")
        self.fit_action = A("&Fit to Window", self.view.fit_to_window, "Ctrl+0")
        self.arrange_action = A("A&rrange", self.arrange, "Ctrl+L", "Lay the graph out left to right")
        self.dark_action = A("&Dark Theme", self.set_dark, tip="Switch between light and dark")
        self.dark_action.setCheckable(True)

        self.shortcuts_action = A("&Keyboard Shortcuts", self.show_shortcuts, K.HelpContents)
        self.about_action = A("&About NeuroCanvas", self.show_about)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.examples_menu = file_menu.addMenu("E&xamples")
        for number, path in enumerate(examples(), 1):  # the lessons in teaching order, by their titles
            key = f"&{number}" if number < 10 else str(number)
            action = self.examples_menu.addAction(f"{key}. {_example_title(path)}")
            action.setStatusTip(f"Open the lesson {path.name} as a new, unsaved project")
            action.triggered.connect(lambda _=False, p=path: self.open_example(p))
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.export_action])
        self.export_menu = file_menu.addMenu("Export &Model")  # ONNX and PyTorch: editor/export_actions.py
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.cut_action, self.copy_action, self.paste_action, self.duplicate_action,
                              self.delete_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.select_all_action)

        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.actual_size_action, self.fit_action])
        view_menu.addSeparator()
        view_menu.addAction(self.arrange_action)
        view_menu.addSeparator()
        self.panels_menu = view_menu.addMenu("&Panels")
        for dock in self.docks.values():
            self.panels_menu.addAction(dock.toggleViewAction())
        view_menu.addAction(self.dark_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])

    def _connect(self) -> None:
        doc = self.document
        doc.project_replaced.connect(self._project_replaced)
        doc.graph_changed.connect(self._graph_changed)
        doc.modified_changed.connect(self.setWindowModified)
        doc.info_changed.connect(self._update_title)
        doc.refused.connect(self.show_refusal)
        doc.validated.connect(self.scene.show_analysis)
        doc.validated.connect(lambda analysis: self.problems.show_problems(analysis.problems))
        self.scene.connection_requested.connect(doc.connect)
        self.scene.nodes_moved.connect(doc.move)
        self.scene.wire_refused.connect(self.show_refusal)
        self.scene.wire_hint.connect(self._show_hint)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.view.palette_dropped.connect(self._add_and_select)
        self.view.context_menu_requested.connect(self._context_menu)
        self.palette.entry_activated.connect(
            lambda type_name, params: self._add_and_select(type_name, params, self.view.visible_centre())
        )
        self.problems.problem_activated.connect(self.reveal_node)
        self.problems.fix_requested.connect(self.document.apply_fix)

    # ---- the document's state in the window ------------------------------------------------------
    def _graph_changed(self) -> None:
        self.view.show_empty_hint(not self.document.graph.nodes)

    def _project_replaced(self) -> None:
        self._graph_changed()
        self.scene.set_graph(self.document.graph)
        self.scene.show_analysis(self.document.analysis)
        self.problems.show_problems(self.document.problems)
        self.setWindowModified(self.document.modified)
        self._update_title()
        QTimer.singleShot(0, self.view.fit_to_window)  # after the window has its final size

    def _update_title(self) -> None:
        path = self.document.path
        where = path.name if path else "not saved yet"
        self.setWindowTitle(f"{self.document.project.name} — {where}[*] — NeuroCanvas")

    def show_refusal(self, reason: str) -> None:
        self.statusBar().showMessage(f"⚠ {reason}", STATUS_TIMEOUT_MS)

    def _show_hint(self, hint: str) -> None:
        if hint:
            self.statusBar().showMessage(f"⚠ {hint}")
        else:
            self.statusBar().clearMessage()

    def _selection_changed(self) -> None:
        self.inspector.show_nodes(self.scene.selected_node_ids())

    def reveal_node(self, node_id: str) -> None:
        item = self.scene.node_items.get(node_id)
        if item is not None:
            self.scene.select_nodes([node_id])
            self.view.centerOn(item)

    # ---- edits ------------------------------------------------------------------------------------
    def _add_and_select(self, type_name: str, params: dict, scene_pos: QPointF) -> None:
        node_id = self.document.add_node(type_name, params, (scene_pos.x() - NODE_WIDTH / 2, scene_pos.y() - 30))
        if node_id:
            self.scene.select_nodes([node_id])

    def delete_selection(self) -> None:
        self.document.delete(self.scene.selected_node_ids(), self.scene.selected_edges())

    def select_all(self) -> None:
        self.scene.select_nodes(self.scene.node_items)

    def copy(self) -> bool:
        node_ids = self.scene.selected_node_ids()
        if not node_ids:
            self.show_refusal("Select the nodes to copy first")
            return False
        QGuiApplication.clipboard().setText(self.document.copy_text(node_ids))
        self._pastes_since_copy = 0
        self.statusBar().showMessage(f"Copied {len(node_ids)} node{'s' if len(node_ids) > 1 else ''}", STATUS_TIMEOUT_MS)
        return True

    def cut(self) -> None:
        if self.copy():
            self.document.undo_stack.beginMacro("Cut")
            self.delete_selection()
            self.document.undo_stack.endMacro()

    def paste(self) -> None:
        self._paste_text(QGuiApplication.clipboard().text())

    def duplicate(self) -> None:
        node_ids = self.scene.selected_node_ids()
        if node_ids:
            self._pastes_since_copy = 0
            self._paste_text(self.document.copy_text(node_ids))

    def _paste_text(self, text: str) -> None:
        self._pastes_since_copy += 1
        step = PASTE_STEP * self._pastes_since_copy
        new_ids = self.document.paste(text, (step, step))
        if new_ids:
            self.scene.select_nodes(new_ids)

    def arrange(self) -> None:
        viewport = self.view.viewport()
        if self.document.arrange((viewport.width(), viewport.height())):
            self.view.fit_to_window()

    def rename_node(self, node_id: str) -> None:
        new_id, ok = QInputDialog.getText(self, "Rename Node", "New id:", text=node_id)
        if ok and new_id.strip():
            self.document.rename(node_id, new_id.strip())

    # ---- context menus ------------------------------------------------------------------------------
    def _context_menu(self, item, scene_pos: QPointF, screen_pos) -> None:
        menu = QMenu(self)
        if isinstance(item, NodeItem):
            if not item.isSelected():
                self.scene.select_nodes([item.node.id])
            node_id = item.node.id
            menu.addAction("Rename…", lambda: self.rename_node(node_id))
            menu.addAction(self.duplicate_action)
            wires = [e for e in self.document.graph.edges if node_id in (e.src, e.dst)]
            disconnect = menu.addAction("Disconnect All", lambda: self.document.disconnect(wires))
            disconnect.setEnabled(bool(wires))
            menu.addSeparator()
            menu.addActions([self.copy_action, self.cut_action, self.delete_action])
        elif isinstance(item, EdgeItem):
            edge = item.edge
            menu.addAction("Delete Wire", lambda: self.document.disconnect([edge]))
        else:
            add_menu = menu.addMenu("Add Node Here")
            entries = palette_entries()
            groups = {c: add_menu.addMenu(c.capitalize()) for c in CATEGORIES if any(e.category == c for e in entries)}
            for entry in entries:
                groups[entry.category].addAction(
                    entry.label, lambda e=entry: self._add_and_select(e.type, dict(e.params), scene_pos)
                )
            menu.addSeparator()
            menu.addActions([self.paste_action, self.select_all_action, self.arrange_action, self.fit_action])
            menu.addSeparator()
            menu.addAction(self.export_action)  # the canvas as a PNG or SVG figure
        menu.exec(screen_pos)

    # ---- files ------------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel if there are unsaved changes; False means stay."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved Changes",
            f"“{self.document.project.name}” has changes that are not saved. Save them?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.save()
        if answer == QMessageBox.Discard:
            self.recovery.clear()
            return True
        return False

    def new_project(self) -> None:
        if self.maybe_save():
            self.document.new()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open Project", self._last_folder(), PROJECT_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project file; on an error show it and keep the project that is open."""
        try:
            self.document.open(path)
        except ProjectError as e:
            listed = "\n".join(f"• {m}" for m in e.messages)
            QMessageBox.critical(self, "Cannot Open Project", f"The project could not be opened:\n\n{listed}")
            return False
        self._remember_recent(Path(path))
        return True

    def open_example(self, path: Path) -> None:
        """Open a bundled example as an unsaved copy, so saving never overwrites it."""
        if not self.maybe_save():
            return
        try:
            project = load_project(path)
        except ProjectError as e:
            QMessageBox.critical(self, "Cannot Open Example", str(e))
            return
        project.dataset = rebased(project.dataset, path.parent, None)  # its data file, wherever the copy is saved
        project.path = None
        self.document.replace(project, trusted=True)

    def confirm_outside_data(self, path: Path) -> bool:
        """Asked before the data file of a project lies outside the project's folder: read it?"""
        answer = QMessageBox.question(
            self, "Read Data From Outside the Project?",
            f"This project reads its data from a file outside its folder:\n\n{path}\n\n"
            "A project from someone else may point at any file. Read this file? "
            "(No opens the project without data.)",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No,
        )
        return answer == QMessageBox.Yes

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = self.document.path or Path(self._last_folder()) / f"{self.document.project.name}{SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Save Project As", str(suggested), PROJECT_FILTER)
        if not path:
            return False
        path = Path(path)
        return self._save_to(path if path.suffix == SUFFIX else path.with_name(path.name + SUFFIX))

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except (OSError, NeuroCanvasError) as e:
            QMessageBox.critical(self, "Cannot Save Project", f"{path}:\n\n{e}")
            return False
        self._remember_recent(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", STATUS_TIMEOUT_MS)
        return True

    def export_diagram(self) -> None:
        name = (self.document.path.stem if self.document.path else self.document.project.name) + ".png"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export Diagram", str(Path(self._last_folder()) / name), IMAGE_FILTERS
        )
        if not path:
            return
        try:
            render_project(self.document.project, path)
        except (OSError, ValueError) as e:
            QMessageBox.critical(self, "Cannot Export Diagram", str(e))
            return
        self.statusBar().showMessage(f"Exported {path}", STATUS_TIMEOUT_MS)

    def offer_recovery(self) -> bool:
        """At start: if an editor ended without saving its changes, offer them back; True if taken."""
        file = self.recovery.orphan()
        if file is None:
            return False
        try:
            project = self.recovery.load(file)
        except ProjectError as e:
            QMessageBox.critical(self, "Cannot Recover", f"The unsaved changes could not be recovered: {e}")
            self.recovery.discard(file)
            return False
        where = f" (from {project.path})" if project.path else ""
        answer = QMessageBox.question(
            self, "Recover Unsaved Changes",
            f"NeuroCanvas did not close normally last time. Recover the unsaved changes to "
            f"“{project.name}”{where}?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes,
        )
        if answer == QMessageBox.Yes:
            self.document.replace(project)
            self.document.undo_stack.resetClean()  # modified: closing asks to save
            self.recovery.autosave()  # this editor's recovery file holds them from now on
        self.recovery.discard(file)
        return answer == QMessageBox.Yes

    # ---- settings -----------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return [str(p) for p in (self.settings.value("recentFiles", []) or []) if p]

    def _remember_recent(self, path: Path) -> None:
        entry = str(path.resolve())
        recent = [entry] + [p for p in self.recent_files() if p != entry]
        self.settings.setValue("recentFiles", recent[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.maybe_save() and self.open_path(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _last_folder(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.value("window/state")
        self._layout_pending = state is None or not self.restoreState(state)
        self.dark_action.setChecked(style.theme().dark)

    def set_dark(self, dark: bool) -> None:
        style.apply_theme(QApplication.instance(), dark)
        self.settings.setValue("darkTheme", dark)
        self.palette.populate()
        self.scene.update()
        for item in self.scene.items():
            item.update()
        self.view.resetCachedContent()
        self._graph_changed()  # the empty canvas's hint takes the new muted colour
        self.problems.show_problems(self.document.problems)
        self.training.apply_theme()
        self.predict.apply_theme()
        style.colour_muted_labels(self)  # the Inspector's and the Dataset dock's quiet labels too

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.training.shutdown()  # stop the run and join the training thread
        self.document.shutdown()
        self.landscape.shutdown()
        self.recovery.clear()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        event.accept()

    # ---- help -----------------------------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td>{a.text().replace('&', '')}</td><td><b>{a.shortcut().toString(QKeySequence.NativeText)}</b></td></tr>"
            for a in self.actions() + [self.undo_action, self.redo_action]
            if not a.shortcut().isEmpty()
        )
        mouse = (
            "<tr><td>Wire two nodes</td><td><b>drag from an output port to an input port</b></td></tr>"
            "<tr><td>Zoom</td><td><b>mouse wheel</b></td></tr>"
            "<tr><td>Pan</td><td><b>middle button, or Space + drag</b></td></tr>"
            "<tr><td>Select several</td><td><b>drag on the background</b></td></tr>"
        )
        QMessageBox.information(self, "Keyboard Shortcuts", f"<table cellspacing=6>{rows}{mouse}</table>")

    def show_about(self) -> None:
        QMessageBox.about(
            self, "About NeuroCanvas",
            "<h3>NeuroCanvas</h3><p>Design, train and watch neural networks: drag nodes onto the canvas, "
            "wire them, and train them with a NumPy engine.</p>",
        )
