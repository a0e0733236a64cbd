"""Crash recovery as a person meets it: start the editor as ``python main.py`` does, kill it, start it again."""
from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

import pytest
from PySide6.QtWidgets import QMessageBox

from engine import PROJECTS, ROOT
from tests.editor_helpers import open_window

# Each driver runs ``main.main(argv)`` exactly as ``python main.py ARGS`` does; a timer does
# what the person would: edit and let the autosave run, or answer the question the editor asks.
EDIT_AND_AUTOSAVE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import main
from editor.main_window import MainWindow

app = QApplication(sys.argv[:1])

def edit():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
    window.document.set_param("h", "units", 9)
    window.recovery.autosave()  # what the minute's timer does
    print("AUTOSAVED", flush=True)

QTimer.singleShot(0, edit)
sys.exit(main.main(sys.argv[1:]))
"""

ANSWER_THE_OFFER = """
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
import main
from editor.main_window import MainWindow

app = QApplication(sys.argv[:1])
recovery = Path(sys.argv.pop(1))
deadline = time.monotonic() + 60

def answer():
    box = app.activeModalWidget()
    if not isinstance(box, QMessageBox):
        if time.monotonic() > deadline:
            print("NO OFFER", flush=True)
            os._exit(1)
        QTimer.singleShot(50, answer)
        return
    print("OFFERED", box.text(), flush=True)
    print("FILES AT THE OFFER", len(list(recovery.glob("*.ncproj"))), flush=True)
    box.button(QMessageBox.Yes).click()
    QTimer.singleShot(0, report)

def report():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
    document = window.document
    if app.activeModalWidget() is not None or document.path is None:  # the question is still closing
        if time.monotonic() > deadline:
            print("NOTHING RECOVERED", flush=True)
            os._exit(1)
        QTimer.singleShot(50, report)
        return
    print("UNITS", document.graph.nodes["h"].params["units"], flush=True)
    print("PATH", document.path, flush=True)
    print("MODIFIED", document.modified, flush=True)
    os._exit(0)

QTimer.singleShot(0, answer)
main.main(sys.argv[1:])
"""


def editor_env(tmp_path) -> dict:
    """Offscreen, with settings and recovery files in a throwaway home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_"))}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    return env


def start(driver: str, args: list, tmp_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", driver, *map(str, args)], cwd=ROOT, env=editor_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(process: subprocess.Popen, marker: str, timeout: float = 90) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([process.stdout], [], [], deadline - time.monotonic())[0]:
            break
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(marker):
            return lines
    process.kill()
    pytest.fail(f"no {marker!r} from the editor; it printed {lines} and {process.stderr.read()[-2000:]}")


@pytest.mark.parametrize("second_start", ["with the project", "plain"])
def test_killed_editor_offers_its_work_back_at_the_next_start(tmp_path, second_start):
    project = tmp_path / "mine.ncproj"
    shutil.copy(PROJECTS / "xor.ncproj", project)
    first = start(EDIT_AND_AUTOSAVE, [project], tmp_path)
    read_until(first, "AUTOSAVED")
    first.kill()  # SIGKILL: nothing of the editor runs after this
    first.wait(timeout=30)
    recovery = tmp_path / "data" / "NeuroCanvas" / "NeuroCanvas" / "recovery"
    assert len(list(recovery.glob("*.ncproj"))) == 1

    second = start(ANSWER_THE_OFFER, [recovery, *([project] if second_start == "with the project" else [])], tmp_path)
    out = read_until(second, "MODIFIED")
    second.wait(timeout=30)
    assert any(line.startswith("OFFERED") and "“XOR”" in line and str(project) in line for line in out), out
    assert "FILES AT THE OFFER 1" in out  # opening the project did not delete the autosave first
    assert "UNITS 9" in out and f"PATH {project}" in out and "MODIFIED True" in out
    assert project.read_bytes() == (PROJECTS / "xor.ncproj").read_bytes()  # nothing was saved: the work is only recovered


# ---- the recovery files of one machine's editors (in one process: the locks decide) ------------------
def test_declining_removes_the_recovered_work(qtbot, tmp_path, answers):
    first = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    first.document.set_param("h", "units", 9)
    assert first.recovery.autosave()
    first.recovery.lock.unlock()
    answers["reply"] = QMessageBox.No
    second = open_window(qtbot, tmp_path)
    assert not second.offer_recovery()
    assert len(answers["question"]) == 1
    assert not list((tmp_path / "recovery").glob("*.ncproj"))
    assert not second.offer_recovery() and len(answers["question"]) == 1  # asked once only


def test_a_running_editors_work_is_not_offered_to_another(qtbot, tmp_path, answers):
    first = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    first.document.set_param("h", "units", 9)
    assert first.recovery.autosave()
    second = open_window(qtbot, tmp_path)
    assert not second.offer_recovery() and not answers["question"]
    assert first.recovery.file.exists()


def test_saving_clears_the_recovery_file_and_its_lock(qtbot, tmp_path, answers):
    window = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    window.document.set_param("h", "units", 9)
    assert window.recovery.autosave()
    assert window.save()
    assert not list((tmp_path / "recovery").iterdir())
