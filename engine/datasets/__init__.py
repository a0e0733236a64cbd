"""Datasets: generated toy problems, bundled classics, CSV files and inline arrays.

``load_dataset(spec, base_dir)`` turns a project file's ``dataset`` object into a ``Dataset`` whose
features are in the training dtype (float32 unless asked otherwise); ``generate``,
``load_builtin`` and ``load_csv`` are the same loaders for direct use. Every refusal is a
``DatasetError`` whose message names the key path (``dataset.samples``) or the file, line and
column at fault, on one line.

The modules: ``spec`` (the dataset object), ``generated``, ``builtin``, ``inline``, ``csv_dataset``
(columns and target of a CSV file), ``csv_file`` (reading a CSV file, fast with pandas or carefully),
``csv_values`` (chunks of cells to numbers), ``cells`` (the rules for a CSV cell, shared with the
editor's preview), ``files`` (reading untrusted paths), ``options`` (checking option values),
``dataset`` (``Dataset`` and standardization), ``progress`` (how far a load is; ``Cancelled``).
"""
from ..errors import DatasetError
from .builtin import BUILTINS, builtin_path, load_builtin
from .cells import (MISSING_MARKERS, clean_cells, csv_rows, encode_classes, guess_task, looks_like_header,
                    parse_number, sniff_delimiter)
from .csv_dataset import TASKS, load_csv
from .csv_file import MAX_COLUMNS, CellError, CsvFile
from .dataset import DEFAULT_DTYPE, Dataset, standardize
from .files import MAX_FILE_BYTES, read_file_head, read_regular_file
from .generated import GENERATORS, MAX_GENERATED_CLASSES, MAX_GENERATED_SAMPLES, MAX_NOISE, MAX_SEED, generate
from .progress import Cancelled, Progress
from .spec import SOURCES, checked_spec, file_outside_project, load_dataset, spec_name

__all__ = [
    "BUILTINS", "DEFAULT_DTYPE", "GENERATORS", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_GENERATED_CLASSES",
    "MAX_GENERATED_SAMPLES", "MAX_NOISE", "MAX_SEED", "MISSING_MARKERS", "SOURCES", "TASKS", "Cancelled", "CellError",
    "CsvFile", "Dataset", "DatasetError", "Progress", "Table", "builtin_path", "checked_spec", "clean_cells",
    "csv_rows", "encode_classes", "file_outside_project", "generate", "guess_task", "load_builtin", "load_csv", "load_dataset",
    "looks_like_header", "parse_number", "read_file_head", "read_regular_file", "sniff_delimiter",
    "spec_name", "standardize",
]
