"""A Python module run as a child process that takes pickled messages on its stdin and answers on its
stdout: the training process (``engine.runner``) and the landscape process (``engine.landscape_process``).

A plain ``python -m MODULE`` never re-imports the program that started it (as multiprocessing's spawn
would). The child starts on first use; messages may be sent from any thread.

In the child, ``ChildPipes`` reads commands and writes answers in threads of their own. A pipe holds
64 KB: written from the working thread, every frame of a run would wait whenever the editor's reader
waits for its interpreter lock (a paint) — measured on the digits lesson, training in the editor ran
30 % slower than headless, nearly all of it waiting on the pipe.
"""
from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO

from . import ROOT


# One BLAS thread in a child (unless the environment says otherwise): the child and the window share the
# machine. With its default two threads, OpenBLAS spin-waits across both cores of a 2-core machine (the
# training process used 150 % of a core on the digits lesson), and every paint of the window then slows
# training (36 % slower than headless); with one thread the small matrices of a lesson train as fast.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class PickledChild:
    MODULE = ""  # the module the child runs

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # messages come from more than one thread

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        env = dict(os.environ)
        for name in BLAS_THREADS:
            env.setdefault(name, "1")
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


class ChildPipes:
    """The child's side: commands arrive in ``inbox`` (("quit",) when the parent closes the pipe);
    ``send`` pickles a message here and leaves the writing to a thread, in order."""

    def __init__(self, commands: BinaryIO, reports: BinaryIO) -> None:
        self.inbox: queue.Queue = queue.Queue()
        self._outbox: queue.Queue = queue.Queue()
        self._commands, self._reports = commands, reports
        threading.Thread(target=self._read, daemon=True).start()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def _read(self) -> None:
        while True:
            try:
                self.inbox.put(pickle.load(self._commands))
            except (EOFError, OSError, pickle.UnpicklingError):
                self.inbox.put(("quit",))
                return

    def _write(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                self._reports.write(data)
                self._reports.flush()
            except OSError:
                return  # the parent has gone

    def send(self, message: tuple) -> None:
        self._outbox.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def arrived(self) -> list[tuple]:
        """The commands that arrived since the last call, without waiting."""
        found = []
        while not self.inbox.empty():
            found.append(self.inbox.get_nowait())
        return found

    def close(self) -> None:
        """Wait until everything sent is written."""
        self._outbox.put(None)
        self._writer.join()


def child_main(serve: Callable[[ChildPipes], None]) -> None:
    """Run ``serve`` as the child: its reports go to the real stdout, anything printed to stderr."""
    reports = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    pipes = ChildPipes(sys.stdin.buffer, reports)
    try:
        serve(pipes)
    finally:
        pipes.close()
