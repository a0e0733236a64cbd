"""Shared test setup: Qt runs offscreen, and editor tests never touch the user's settings or files."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
