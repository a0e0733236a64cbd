"""A sample whose features are an image (an Input with a shape), drawn as that image: dark ink on a pale
ground for one channel (as the digits are drawn everywhere), colour for three."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def sample_pixmap(row: np.ndarray, shape: tuple[int, int, int], scale: int = 4) -> QPixmap:
    """``row`` (channels·height·width values, C order) as a pixmap ``scale`` pixels a value, unsmoothed.
    Values are stretched from the row's smallest to its largest; other channel counts show the first."""
    channels, height, width = shape
    planes = np.asarray(row, dtype=np.float64).reshape(shape)
    lo, hi = float(np.nanmin(planes)), float(np.nanmax(planes))
    scaled = np.nan_to_num((planes - lo) / (hi - lo) if hi > lo else np.zeros_like(planes))
    if channels == 3:
        pixels = np.ascontiguousarray(np.moveaxis(scaled, 0, -1) * 255, dtype=np.uint8)
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
        h, w = pixels.shape[:2]
        image = QImage(np.ascontiguousarray(pixels).data, w, h, 3 * w, QImage.Format_RGB888)
    else:
        ink = np.ascontiguousarray((1.0 - scaled[0]) * 255, dtype=np.uint8)
        ink = np.ascontiguousarray(np.repeat(np.repeat(ink, scale, axis=0), scale, axis=1))
        h, w = ink.shape
        image = QImage(ink.data, w, h, w, QImage.Format_Grayscale8)
    return QPixmap.fromImage(image.copy())
