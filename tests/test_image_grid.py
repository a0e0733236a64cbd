"""The Dataset dock's Images tab through the real window: pictures with their labels while the Input
is an image, none otherwise, and a grid of 60,000 rows that draws only what is on screen."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QPixmap

from engine import PROJECTS
from engine.datasets import Dataset

from tests.editor_helpers import open_window

DIGITS_CSV = PROJECTS / "14-digits-csv.ncproj"


def _images_shown(qtbot, window):
    window.docks["dataset"].show()
    window.docks["dataset"].raise_()
    panel = window.dataset_panel
    qtbot.waitUntil(lambda: window.document.dataset is not None)
    panel.tabs.setCurrentWidget(panel.images)
    qtbot.waitUntil(lambda: panel.images.pictures.made > 0)
    return panel


def _tab_visible(panel) -> bool:
    return panel.tabs.isTabVisible(panel.tabs.indexOf(panel.images))


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()


def test_an_image_input_shows_its_rows_as_pictures_with_their_labels(qtbot, window):
    window.open_example(DIGITS_CSV)
    panel = _images_shown(qtbot, window)
    grid, ds = panel.images, window.document.dataset
    assert _tab_visible(panel) and len(grid.pictures) == ds.n_samples == 1797
    assert grid.pictures.label(0) == ds.class_names[int(ds.y[0])] == "0"
    picture = grid.pictures.picture(0)
    assert isinstance(picture, QPixmap) and picture.width() == picture.height() == 48  # 8 pixels × 6
    image = picture.toImage()
    inked = [image.pixelColor(x, y).lightness() < 128 for x in range(3, 45, 6) for y in range(3, 45, 6)]
    assert 5 < sum(inked) < 60, "a digit: some pixels inked, most not"
    assert 0 in grid.view.painted and grid.pictures.made == len(grid.view.painted) < 200, "only what is in sight"
    assert "1,797 images of 8×8" in grid.summary.text()

    grid.label_filter.setCurrentIndex(grid.label_filter.findData(3))
    threes = int(np.sum(ds.y == 3))
    assert len(grid.pictures) == threes
    labels = {grid.pictures.label(k) for k in range(threes)}
    assert labels == {"3"} and f"{threes} of 1,797 images" in grid.summary.text()


def test_a_vector_input_has_no_images_tab_and_a_shape_edit_brings_it(qtbot, window):
    window.open_example(PROJECTS / "07-iris.ncproj")
    panel = window.dataset_panel
    qtbot.waitUntil(lambda: window.document.dataset is not None)
    assert not _tab_visible(panel) and len(panel.images.pictures) == 0

    window.open_example(DIGITS_CSV)
    qtbot.waitUntil(lambda: window.document.dataset is not None)
    assert _tab_visible(panel)
    document = window.document
    assert document.set_param("pixels", "shape", [])  # a vector of 64 again
    document.flush()
    assert not _tab_visible(panel) and len(panel.images.pictures) == 0
    document.undo()
    document.flush()
    assert _tab_visible(panel) and len(panel.images.pictures) == 1797


def test_sixty_thousand_rows_cost_only_the_pictures_scrolled_to(qtbot, window):
    window.open_example(DIGITS_CSV)
    panel = _images_shown(qtbot, window)
    rng = np.random.default_rng(0)
    big = Dataset("big", "classification", rng.integers(0, 17, (60_000, 64)).astype(np.float32),
                  rng.integers(0, 10, 60_000), [f"p{k}" for k in range(64)], [str(k) for k in range(10)], [])
    window.document.set_dataset(window.document.project.dataset, big)
    grid = panel.images
    assert len(grid.pictures) == 60_000
    qtbot.waitUntil(lambda: grid.pictures.made > 0)
    on_screen = grid.pictures.made
    assert on_screen == len(grid.view.painted) < 200
    bar = grid.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: 59_999 in grid.view.painted)
    assert grid.pictures.made < 2 * on_screen + 20, "the rows scrolled past were never drawn"
    assert grid.pictures.label(59_999) == str(int(big.y[-1]))
