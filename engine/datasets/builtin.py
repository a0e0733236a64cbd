"""The datasets bundled in ``resources/datasets``: classic small tables as CSV files."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import RESOURCES
from .csv_dataset import read_csv_dataset
from .dataset import DEFAULT_DTYPE, Dataset
from .options import REQUIRED, Check, checked, choice
from .progress import Progress

BUILTINS: dict[str, str] = {
    "iris": (
        "Fisher's iris flowers (1936): 150 flowers, 4 measurements in centimetres (sepal and petal "
        "length and width), 3 species with 50 flowers each. Setosa is linearly separable from the "
        "other two; versicolor and virginica overlap a little."
    ),
    "wine": (
        "Wines from three cultivars grown in the same region of Italy (Forina et al.): 178 wines, "
        "13 results of chemical analysis (alcohol, malic acid, flavanoids, proline...). The "
        "features have very different scales, so standardize them."
    ),
    "breast_cancer": (
        "Breast Cancer Wisconsin (Diagnostic), Wolberg, Street and Mangasarian (1995): 569 "
        "tumours, 30 features computed from images of cell nuclei (mean, error and worst value of "
        "radius, texture, perimeter, area...), diagnosed benign (357) or malignant (212)."
    ),
    "digits": (
        "Handwritten digits (UCI optdigits, Alpaydin and Kaynak 1998): 1797 images of 8x8 pixels, "
        "each pixel a count from 0 to 16, labelled 0 to 9 (about 180 of each)."
    ),
    "diabetes": (
        "Diabetes progression (Efron, Hastie, Johnstone and Tibshirani 2004): 442 patients, 10 "
        "baseline variables (age, sex, body mass index, blood pressure, six blood serum "
        "measurements); the target is a measure of disease progression one year later. Regression."
    ),
}

_TASKS = {"iris": "classification", "wine": "classification", "breast_cancer": "classification",
          "digits": "classification", "diabetes": "regression"}

OPTIONS: dict[str, tuple[Check, object]] = {"name": (choice(tuple(BUILTINS)), REQUIRED)}


def load_builtin(name: str, dtype=DEFAULT_DTYPE) -> Dataset:
    """One of the datasets in ``resources/datasets`` (see BUILTINS)."""
    return make_builtin(checked(OPTIONS, {"name": name}, prefix="")["name"], dtype)


def builtin_path(name: str) -> Path:
    """The file a bundled dataset is read from."""
    return RESOURCES / "datasets" / f"{name}.csv"


def make_builtin(name: str, dtype, progress: Progress | None = None) -> Dataset:
    """``load_builtin`` for a name already checked."""
    ds = read_csv_dataset(builtin_path(name), features=None, target=None, task=_TASKS[name], header=True,
                          missing="error", dtype=dtype, progress=progress)
    return replace(ds, name=name, description=BUILTINS[name])
