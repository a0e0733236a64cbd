"""A Python module run as a child process that takes pickled messages on its stdin and answers on its
stdout: the training process (``engine.runner``) and the landscape process (``engine.landscape_process``).

A plain ``python -m MODULE`` never re-imports the program that started it (as multiprocessing's spawn
would). The child starts on first use; messages may be sent from any thread.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading

from . import ROOT


class PickledChild:
    MODULE = ""  # the module the child runs

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # messages come from more than one thread

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen([sys.executable, "-m", self.MODULE],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def _send(self, message: tuple) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                return
            try:
                pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the child has gone: the call waiting for its answer says so

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()  # the child's reader sees the end and quits
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()
