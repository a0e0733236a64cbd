"""The window's view of a load under way: "Loading digits.csv… 43%", a progress bar and Cancel,
in the status bar, shown only while the document loads data."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget


class LoadingBar(QWidget):
    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.cancel_button.setToolTip("Stop reading the file: an opened project stays open without data, "
                                      "a switch keeps the data in use")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(document.cancel_loading)
        document.loading_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        job = self.document.loading
        self.setVisible(job is not None)
        if job is not None:
            self.label.setText(job.status())
            self.bar.setValue(int(job.fraction * 100))
