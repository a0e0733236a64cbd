"""The problems panel: the engine's validation, errors first; clicking one selects its node, and a problem with
an obvious fix has it on the line below, applied by one click (one undo step)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from . import style

NODE_ROLE = Qt.UserRole + 1
FIX_ROLE = Qt.UserRole + 2
NEXT_STEPS = (
    "Press Space to train and watch the loss fall and the boundary form; Ctrl+→ takes one batch at a time. "
    "Drag nodes from the palette to change the network; every edit can be undone."
)


class ProblemsPanel(QWidget):
    problem_activated = Signal(str)  # the node id of the clicked problem
    fix_requested = Signal(object)  # the engine's Fix of the clicked fix line

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.next_steps = QLabel(NEXT_STEPS, wordWrap=True)  # instead of an empty list
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setIconSize(QSize(16, 16))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.next_steps)
        layout.addWidget(self.list, 1)
        layout.addStretch(0)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self._icons = {
            "error": self.style().standardIcon(QStyle.SP_MessageBoxCritical),
            "warning": self.style().standardIcon(QStyle.SP_MessageBoxWarning),
            "fix": self.style().standardIcon(QStyle.SP_DialogApplyButton),
        }

    def show_problems(self, problems: list, widths: dict | None = None) -> None:
        self.list.clear()
        ordered = sorted(problems, key=lambda p: p.severity != "error")
        for problem in ordered:
            where = f"{problem.node}:{problem.port}" if problem.port else (problem.node or "graph")
            item = QListWidgetItem(self._icons[problem.severity], f"{where} — {problem.message}")
            item.setData(NODE_ROLE, problem.node)
            item.setToolTip(problem.message)
            self.list.addItem(item)
            if problem.fix is not None:
                self.list.addItem(self._fix_item(problem.fix))
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        t = style.theme()
        self.list.setVisible(bool(problems))
        self.next_steps.setVisible(not problems)
        if not problems:
            self.next_steps.setStyleSheet(f"color: {t.muted_text.name()};")
            self.summary.setText(f"<span style='color:{t.accept.name()}'>✔ No problems: the network is ready to train.</span>")
        else:
            parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
            parts += [f"{warnings} warning{'s' if warnings != 1 else ''}"] if warnings else []
            colour = t.error if errors else t.warning
            self.summary.setText(f"<span style='color:{colour.name()}'>{' · '.join(parts)}</span>")

    def _fix_item(self, fix) -> QListWidgetItem:
        item = QListWidgetItem(self._icons["fix"], f"Fix: {fix.label}")
        item.setData(FIX_ROLE, fix)
        item.setForeground(style.theme().selection)
        font = item.font()
        font.setUnderline(True)  # it acts like a link
        item.setFont(font)
        item.setToolTip(f"Click to {fix.label} (Edit → Undo takes it back)")
        return item

    def fix_items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count()) if self.list.item(i).data(FIX_ROLE) is not None]

    def _clicked(self, item: QListWidgetItem) -> None:
        fix = item.data(FIX_ROLE)
        if fix is not None:
            item.setData(FIX_ROLE, None)  # one click, one fix: a click that also activates must not repeat it
            item.setFlags(Qt.NoItemFlags)
            self.fix_requested.emit(fix)
            return
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.problem_activated.emit(node_id)
