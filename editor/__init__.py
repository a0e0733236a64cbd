"""NeuroCanvas's PySide6 editor: one client of the engine, which knows no screen."""
