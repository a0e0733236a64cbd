"""A Python module run as a child process that takes pickled messages on its stdin and answers on its
stdout: the training process (``engine.runner``) and the landscape process (``engine.landscape_process``).

A plain ``python -m MODULE`` never re-imports the program that started it (as multiprocessing's spawn
would). The child starts on first use; messages may be sent from any thread.

In the child, ``ChildPipes`` reads commands and writes answers in threads of their own, so that the
work never waits for a full pipe.

Objects that go to the child again and again — a trainer's data — can be ``share``d: they cross once,
and afterwards every message in either direction names them instead of carrying them (pickle's
persistent ids). An MNIST trainer pickled to 382 MB, sent to the child and back at every Train or Step.
"""
from __future__ import annotations

import io
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


class _SharingPickler(pickle.Pickler):
    """Pickles the objects in ``shared`` (id -> (name, object)) as their names."""

    def __init__(self, file, shared: dict[int, tuple[str, object]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, obj):
        found = self.shared.get(id(obj))
        return found[0] if found is not None and found[1] is obj else None


class _SharingUnpickler(pickle.Unpickler):
    """Unpickles names of shared objects as the objects (``objects``: name -> object)."""

    def __init__(self, file, objects: dict[str, object]) -> None:
        super().__init__(file)
        self.objects = objects

    def persistent_load(self, name):
        return self.objects[name]


def _dumps(message: tuple, shared: dict[int, tuple[str, object]]) -> bytes:
    if not shared:
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    buffer = io.BytesIO()
    _SharingPickler(buffer, shared).dump(message)
    return buffer.getvalue()


class PickledChild:
    MODULE = ""  # the module the child runs

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # messages come from more than one thread
        self._shared: dict[int, tuple[str, object]] = {}  # id -> (name, object): what the child holds
        self._shared_by_name: dict[str, object] = {}
        self._shared_with: subprocess.Popen | None = None  # the child that holds them
        self._shares = 0

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        env = dict(os.environ)
        for name in BLAS_THREADS:
            env.setdefault(name, "1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen([sys.executable, "-m", self.MODULE],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def _send(self, message: tuple, stream: bool = False) -> None:
        """Pickle ``message`` to the child. ``stream``: into the pipe as it goes, for big arrays that
        pickle safely: pickled in memory first, 380 MB of MNIST arrays were copied twice under the
        interpreter lock (the window froze 0.3 s); streamed, the lock is free while the pipe takes them."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                return
            shared = self._shared if self._shared_with is self._process else {}
            try:
                if stream:
                    _SharingPickler(self._process.stdin, shared).dump(message)
                else:  # a message that fails to pickle leaves nothing half-written in the pipe
                    self._process.stdin.write(_dumps(message, shared))
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the child has gone: the call waiting for its answer says so

    def _share(self, objects: dict[str, object]) -> None:
        """Make the started child hold ``objects`` (name -> object), unless it holds these very ones:
        from now on messages name them instead of carrying them. The child forgets the ones before."""
        with self._lock:
            same = self._shared_with is self._process and len(objects) == len(self._shared) and all(
                self._shared.get(id(obj), (None, None))[1] is obj for obj in objects.values())
            if same:
                return
            self._shares += 1
            named = {f"{self._shares}:{name}": obj for name, obj in objects.items()}
            self._shared, self._shared_by_name, self._shared_with = {}, {}, None
        self._send(("share", named), stream=True)  # the objects themselves, this once
        with self._lock:
            self._shared = {id(obj): (name, obj) for name, obj in named.items()}
            self._shared_by_name, self._shared_with = named, self._process

    def _receive(self):
        """The child's next answer (EOFError, OSError or UnpicklingError when it has gone)."""
        return _SharingUnpickler(self._process.stdout, self._shared_by_name).load()

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
        self._shared_by_name: dict[str, object] = {}  # what the parent shared (PickledChild._share)
        self._shared: dict[int, tuple[str, object]] = {}
        self._commands, self._reports = commands, reports
        threading.Thread(target=self._read, daemon=True).start()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def _read(self) -> None:
        while True:
            try:
                message = _SharingUnpickler(self._commands, self._shared_by_name).load()
            except (EOFError, OSError, pickle.UnpicklingError):
                self.inbox.put(("quit",))
                return
            if message[0] == "share":
                self._shared_by_name = message[1]
                self._shared = {id(obj): (name, obj) for name, obj in message[1].items()}
            else:
                self.inbox.put(message)

    def _write(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                self._reports.write(data)
                self._reports.flush()
            except OSError:
                return  # the parent has gone

    def send(self, message: tuple) -> None:
        self._outbox.put(_dumps(message, self._shared))

    def arrived(self) -> list[tuple]:
        """The commands that arrived since the last call, without waiting."""
        found = []
        while not self.inbox.empty():
            found.append(self.inbox.get_nowait())
        return found

    def interrupted(self) -> bool:
        """Whether a command arrived while a long piece of work ran (only cancel and quit can then); a quit
        is kept in the inbox, for the serving loop to read once the work has stopped."""
        commands = self.arrived()
        if any(command[0] == "quit" for command in commands):
            self.inbox.put(("quit",))
        return bool(commands)

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
