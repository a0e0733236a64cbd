"""The training settings of a project: what each one means, its default and its range, and
``parse_training``, which checks a project's ``training`` object and fills in the defaults."""
from __future__ import annotations

from .errors import ParamError
from .optimizers import make_optimizer, optimizer_to_dict
from .pace import parse_pace
from .params import ParamSpec, fill_params

SETTINGS: dict[str, ParamSpec] = {
    "optimizer": ParamSpec("str", None, "The optimizer and its settings (an object)."),  # checked by make_optimizer
    "batch_size": ParamSpec("int", 32, "Samples per update: 1 is stochastic, ≥ the sample count is full batch.", minimum=1, maximum=10**7),
    "epochs": ParamSpec("int", 100, "Passes over the training data.", minimum=1, maximum=10**6),
    "validation_split": ParamSpec("float", 0.2, "Share of the samples held out to measure generalization.", minimum=0.0, maximum=0.9),
    "shuffle": ParamSpec("bool", True, "Visit the samples in a new random order every epoch."),
    "seed": ParamSpec("int", 0, "Seeds the initial weights, the split and the shuffling.", minimum=0, maximum=2**32 - 1),
    "dtype": ParamSpec("choice", "float32", "Floating-point precision of the computation.", choices=("float32", "float64")),
    "l1": ParamSpec("float", 0.0, "L1 penalty λ·Σ|w| on the weights (not biases).", minimum=0.0, maximum=100.0),
    "l2": ParamSpec("float", 0.0, "L2 penalty λ·Σw² on the weights (not biases).", minimum=0.0, maximum=100.0),
    "patience": ParamSpec("int", 0, "Early stopping: epochs without improvement before stopping (0 = off).", minimum=0, maximum=10**6),
    "min_delta": ParamSpec("float", 0.0, "Early stopping: the least decrease that counts as improvement.", minimum=0.0, maximum=1e6),
}
DEFAULT_OPTIMIZER = {"name": "adam", "learning_rate": 0.01}


def parse_training(training: object, where: str = "training") -> dict:
    """The project's ``training`` object, validated and with defaults filled."""
    if training is None:
        training = {}
    if not isinstance(training, dict):
        raise ParamError(f"{where}: must be an object")
    optimizer = training.get("optimizer", DEFAULT_OPTIMIZER)
    settings = fill_params(SETTINGS, {k: v for k, v in training.items() if k not in ("optimizer", "pace")}, where)
    if not isinstance(optimizer, dict):
        raise ParamError(f"{where}.optimizer: must be an object like {{\"name\": \"adam\", \"learning_rate\": 0.01}}")
    settings["optimizer"] = optimizer_to_dict(make_optimizer(optimizer))
    pace = parse_pace(training.get("pace"), f"{where}.pace")
    if pace is not None:  # absent: as fast as possible (the trainer itself never paces; engine.runner does)
        settings["pace"] = pace.to_setting()
    return settings


def copy_settings(settings: dict) -> dict:
    """A copy of the settings: their values are numbers and texts, the optimizer and the pace small dicts."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in settings.items()}
