"""Training in the editor: the panel, the live views and the worker thread.

``install_training(window)`` is the one place this package joins the main window: it adds
the Training panel, the Runs panel and the views as docks, the timeline under them, a Training
menu (Train/Pause on Space, the timeline's keys), follows the canvas selection, colours the wires
by their weights, and stops the worker when the window closes.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar

from .legend import CanvasLegend
from .neuron_pictures import PICTURE_MS, NeuronPainter
from .panel import TrainingPanel
from .runs_panel import RunsPanel
from .session import TrainingSession
from .timeline import TimelineBar
from .views import ViewHub
from .wires import WirePainter

__all__ = ["Training", "install_training", "TrainingSession", "TrainingPanel", "ViewHub"]

WIRE_MS = 200


class Training(QObject):
    """What ``install_training`` made, for the window (and the tests) to reach."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.session = TrainingSession(window.document, self)
        self.panel = TrainingPanel(self.session)
        self.runs_panel = RunsPanel(self.session)
        self.timeline = TimelineBar(self.session)
        self.hub = ViewHub(self.session, self)
        self.views = self.hub.views
        self.wires = WirePainter(window.scene, self.session)
        self._wire_timer = QTimer(self, interval=WIRE_MS)
        self._wire_timer.timeout.connect(self.wires.refresh)
        self._wire_timer.start()
        self.pictures = NeuronPainter(window.scene, self.session, self.hub)
        self.pictures.set_enabled(window.settings.value("neuronPictures", True, type=bool))
        self.legend = CanvasLegend(window.view)
        self.legend.enabled = window.settings.value("canvasLegend", True, type=bool)
        self._picture_timer = QTimer(self, interval=PICTURE_MS)
        self._picture_timer.timeout.connect(self.refresh_canvas)
        self._picture_timer.start()
        self._create_actions()
        self._create_docks()
        self._create_menu()
        window.scene.selectionChanged.connect(self._selection_changed)
        window.scene.unit_clicked.connect(self.select_unit)
        window.document.about_to_save.connect(self.session.commit)
        self.session.state_changed.connect(self._state_changed)
        self._state_changed()

    # ---- window parts --------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _create_actions(self) -> None:
        s = self.session
        self.train_action = self._action("&Train", s.toggle, Qt.Key_Space, "Train or pause (Space)")
        self.step_batch_action = self._action("Step &Batch", s.step_batch, "Ctrl+Right", "One update on the next mini-batch")
        self.step_epoch_action = self._action("Step &Epoch", s.step_epoch, "Ctrl+Shift+Right", "Train to the end of the epoch")
        self.reset_action = self._action("&Reset Parameters…", self.panel.reset, None, "Start again from fresh parameters")
        t = self.timeline
        self.previous_frame_action = self._action("&Previous Frame", lambda: t.step(-1), "Alt+Left",
                                                  "Show the run one frame earlier")
        self.next_frame_action = self._action("&Next Frame", lambda: t.step(1), "Alt+Right", "Show the run one frame later")
        self.live_action = self._action("&Live", lambda: s.show_position(None), "Alt+End", "Show the present again")
        self.replay_action = self._action("Re&play Run", t.toggle_replay, "Alt+P", "Replay the run from its first frame")
        self.rewind_action = self._action("Re&wind Here", s.rewind, None,
                                          "Continue training from the shown epoch, as a new run")
        self.pictures_action = self._action("&Neuron Pictures", self._pictures_toggled, None,
                                            "Under each layer, every unit's output over the input plane "
                                            "(for one or two input features)")
        self.pictures_action.setCheckable(True)
        self.pictures_action.setChecked(self.pictures.enabled)
        self.legend_action = self._action("Canvas &Legend", self._legend_toggled, None,
                                          "What the wires' colours and widths and the neuron pictures' colours mean")
        self.legend_action.setCheckable(True)
        self.legend_action.setChecked(self.legend.enabled)

    def _create_docks(self) -> None:
        w = self.window
        self.docks: dict[str, QDockWidget] = {}
        self.docks["training"] = w.add_dock("training", "Training", self.panel, Qt.RightDockWidgetArea)
        self.docks["runs"] = w.add_dock("runs", "Runs", self.runs_panel, Qt.RightDockWidgetArea)
        # Under every view, the window's whole width: a tool bar at the bottom.
        self.timeline_bar = QToolBar("Timeline", w, objectName="timeline", movable=False)
        self.timeline_bar.addWidget(self.timeline)
        w.addToolBar(Qt.BottomToolBarArea, self.timeline_bar)
        for title, view in self.views.items():
            self.docks[title] = w.add_dock(title.lower(), title, view, Qt.BottomDockWidgetArea)
        problems = w.docks.get("problems")
        # Bottom row: Problems | Loss, Weights, Activations, Gradients (tabs) | Output, Neurons (tabs)
        if problems is not None:
            w.splitDockWidget(problems, self.docks["Loss"], Qt.Horizontal)
        w.splitDockWidget(self.docks["Loss"], self.docks["Output"], Qt.Horizontal)
        for title in ("Weights", "Activations", "Gradients"):
            w.tabifyDockWidget(self.docks["Loss"], self.docks[title])
        w.tabifyDockWidget(self.docks["Output"], self.docks["Neurons"])
        self.docks["Loss"].raise_()
        self.docks["Output"].raise_()
        inspector = w.docks.get("inspector")
        if inspector is not None:
            w.splitDockWidget(inspector, self.docks["training"], Qt.Vertical)
        w.tabifyDockWidget(self.docks["training"], self.docks["runs"])
        self.docks["training"].raise_()

    def _create_menu(self) -> None:
        bar = self.window.menuBar()
        menu = bar.addMenu("&Training")
        help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_action is not None:
            bar.insertMenu(help_action, menu)
        menu.addActions([self.train_action, self.step_batch_action, self.step_epoch_action])
        menu.addSeparator()
        menu.addAction(self.reset_action)
        menu.addSeparator()
        menu.addActions([self.previous_frame_action, self.next_frame_action, self.live_action, self.replay_action,
                         self.rewind_action])
        self.menu = menu
        view_menu = next((a.menu() for a in bar.actions() if a.text().replace("&", "") == "View"), None)
        if view_menu is not None:
            view_menu.addSeparator()
            view_menu.addActions([self.pictures_action, self.legend_action])

    # ---- following the window ------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        if self.session._shut_down:
            return
        try:
            selected = self.window.scene.selected_node_ids()
        except RuntimeError:  # the scene's items are being deleted with the window
            return
        unit = self.hub.selected_unit
        if unit is not None and unit[0] not in selected:
            self.hub.selected_unit = None
        self.hub.set_selection(selected)

    def select_unit(self, node_id: str, unit: int) -> None:
        """A neuron picture was clicked: that node and unit, everywhere; the Neurons view comes forward."""
        self.window.scene.select_nodes([node_id])
        self.hub.select_unit(node_id, unit)
        self.docks["Neurons"].raise_()
        self.pictures.refresh()  # marks the unit (new pictures only if due)

    def _pictures_toggled(self, on: bool) -> None:
        self.window.settings.setValue("neuronPictures", on)
        self.pictures.set_enabled(on)
        self.refresh_canvas()

    def _legend_toggled(self, on: bool) -> None:
        self.window.settings.setValue("canvasLegend", on)
        self.legend.set_enabled(on)

    def refresh_canvas(self) -> None:
        """The neuron pictures from the latest snapshot, and the legend for what the canvas shows."""
        self.pictures.refresh()
        s = self.session
        trained = s.detail is not None and bool(s.detail.parameters) and s.info is not None
        self.legend.show_parts(wires=trained and bool(s.info.weights),
                               pictures=trained and self.pictures.enabled and self.pictures.available())

    def _state_changed(self) -> None:
        s = self.session
        self.train_action.setText("&Pause" if s.running else "&Train")
        self.train_action.setEnabled(s.can_train)
        for action in (self.step_batch_action, self.step_epoch_action):
            action.setEnabled(s.can_train and not s.running)
        self.rewind_action.setEnabled(s.shown is not None and not s.running)
        self.live_action.setEnabled(s.shown is not None)

    def apply_theme(self) -> None:
        self.panel.apply_theme()
        self.wires.refresh(force=True)
        self.pictures.refresh(force=True)
        self.legend.update()

    def shutdown(self) -> None:
        self._wire_timer.stop()
        self._picture_timer.stop()
        self.hub.timer.stop()
        self.session.shutdown()


def install_training(window) -> Training:
    """Add training to ``window`` (a MainWindow): docks, menu, shortcuts, wire colours."""
    return Training(window)
