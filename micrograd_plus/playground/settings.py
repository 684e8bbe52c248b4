"""A playground's settings, written in TensorFlow Playground's URL keys and values, so
that a link a lecturer already has (``#activation=tanh&networkShape=4,2&dataset=circle
&x=true&y=true...``) opens here with its settings.

Every number is bounded; a value that does not fit is a ``ValueError`` that says what was
expected and what came. Every key TF Playground writes is read: regression
(``problem=regression``, ``regDataset=reg-plane|reg-gauss``) as TF makes it, and the
few it has that this playground lacks (``cosX``, ``cosY``, ``initZero``, ``hideText``,
``collectStats``) are named in a note (``Settings.notes()``) when a link turns them on.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, fields, replace
from typing import Any

from micrograd_plus.losses import named_loss

__all__ = ["FEATURES", "LIMITS", "TRAITS", "Settings", "choices", "from_hash", "to_hash"]

# The input features, by TF Playground's keys, and what each computes from (x1, x2).
FEATURES = {
    "x": "x1",
    "y": "x2",
    "xSquared": "x1²",
    "ySquared": "x2²",
    "xTimesY": "x1·x2",
    "sinX": "sin x1",
    "sinY": "sin x2",
}
DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "three")  # three: 3 classes
REG_DATASETS = ("reg-plane", "reg-gauss")  # TF Playground's regression data sets
PROBLEMS = ("classification", "regression")
ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "leakyrelu": "leaky_relu", "sigmoid": "sigmoid",
               "linear": "linear"}  # fmt: skip
LOSSES = ("bce", "mse", "cross_entropy")  # regression is mse on a linear output, as TF
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
REGULARIZATIONS = ("none", "L1", "L2")
LIMITS = {
    "learningRate": (1e-6, 10.0),
    "regularizationRate": (0.0, 10.0),
    "noise": (0.0, 50.0),  # percent, as TF Playground
    "percTrainData": (10.0, 90.0),
    "batchSize": (1, 1_000),
    "numSamples": (10, 1_000),
    "hiddenLayers": (0, 8),  # TF Playground: 6 layers of at most 8 neurons
    "neurons": (1, 16),
    "seed": (0, 2**31 - 1),
}
# The menus' values, as TF Playground offers them (a link may carry any value in LIMITS).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
# TF Playground's keys this playground does not have, and why, named when a link sets them.
UNSUPPORTED = {
    "cosX": "cos x1 is not among the features here (sin x1 is)",
    "cosY": "cos x2 is not among the features here (sin x2 is)",
    "initZero": "weights always start random here (seeded)",
    "hideText": "text is always shown here (press P for projector size)",
    "collectStats": "statistics are not collected here",
}


@dataclass(frozen=True)
class Settings:
    """What a playground trains, in TF Playground's names (and ours for what it lacks:
    ``loss``, ``optimizer``, the moons and three-class data sets)."""

    dataset: str = "circle"
    noise: float = 0.0  # camelCase names below are TF Playground's URL keys
    percTrainData: float = 50.0
    batchSize: int = 10
    numSamples: int = 200
    features: tuple[str, ...] = ("x", "y")
    networkShape: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learningRate: float = 0.03
    regularization: str = "none"
    regularizationRate: float = 0.0
    loss: str = "bce"
    optimizer: str = "sgd"
    seed: int = 0
    showTestData: bool = False
    discretize: bool = False
    problem: str = "classification"
    regDataset: str = "reg-plane"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _choice("problem", self.problem, PROBLEMS)
        _choice("regDataset", self.regDataset, REG_DATASETS)
        _choice("dataset", self.dataset, DATASETS)
        _choice("activation", self.activation, tuple(ACTIVATIONS))
        _choice("regularization", self.regularization, REGULARIZATIONS)
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        for name in ("learningRate", "regularizationRate", "noise", "percTrainData"):
            low, high = LIMITS[name]
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low:g} to {high:g}, got {value:g}")
        for name in ("batchSize", "numSamples", "seed"):
            _whole(name, getattr(self, name), *LIMITS[name])
        low, high = LIMITS["hiddenLayers"]
        if not isinstance(self.networkShape, tuple):
            raise ValueError(
                f"networkShape is a list of hidden layer sizes such as [4, 2], "
                f"got {self.networkShape!r}"[:200]
            )
        if len(self.networkShape) > high:
            raise ValueError(
                f"networkShape has at most {high} hidden layers, got {len(self.networkShape)}"
            )
        for width in self.networkShape:
            _whole("a hidden layer's size", width, *LIMITS["neurons"])
        if not isinstance(self.features, tuple):
            raise ValueError(
                f"features is a list of feature names such as ['x', 'y'], got {self.features!r}"[
                    :200
                ]
            )
        if not self.features:
            raise ValueError("choose at least one input feature")
        for feature in self.features:
            _choice("feature", feature, tuple(FEATURES))
        if len(set(self.features)) != len(self.features):
            raise ValueError(f"each feature is chosen once, got {list(self.features)}"[:200])
        for name in ("showTestData", "discretize"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.problem == "regression":
            if self.loss != "mse":
                raise ValueError("regression learns with loss mse (a linear output, as TF)")
            return
        if self.dataset == "three" and self.loss != "cross_entropy":
            raise ValueError("the three-class data set needs loss cross_entropy")
        if self.loss == "cross_entropy" and self.dataset != "three":
            raise ValueError("cross_entropy is for the three-class data set; use bce or mse")

    @property
    def regression(self) -> bool:
        return self.problem == "regression"

    @property
    def classes(self) -> int:
        """How many classes the labels name: 0 for regression (the label is a number)."""
        if self.regression:
            return 0
        return 3 if self.dataset == "three" else 2

    @property
    def outputs(self) -> int:
        return 3 if self.loss == "cross_entropy" else 1

    @property
    def losses(self) -> tuple[str, ...]:
        """The losses this problem and data set can learn with."""
        if self.regression:
            return ("mse",)
        return ("cross_entropy",) if self.dataset == "three" else ("bce", "mse")

    def notes(self) -> list[str]:
        """What a link asked for that this playground does not do, one sentence each."""
        notes = []
        for key, value in self.extra.items():
            if key in UNSUPPORTED:
                if value not in ("", "false"):
                    notes.append(f"{key}={value} is not supported: {UNSUPPORTED[key]}")
            else:
                notes.append(f"{key} is not a setting here and was ignored"[:200])
        return notes

    def with_value(self, key: str, text: str) -> Settings:
        """These settings with ``key`` set from its text, as a URL hash writes it; an
        unknown key is a ``ValueError``."""
        try:
            parsed = _parse(key, text)
        except KeyError:
            raise ValueError(f"there is no setting {key!r}"[:200]) from None
        if "_feature" in parsed:
            feature, on = parsed["_feature"]
            chosen = set(self.features) - {feature} | ({feature} if on else set())
            return replace(self, features=tuple(f for f in FEATURES if f in chosen))
        return replace(self, **_loss_for(self, parsed))

    def with_field(self, name: str, value: Any) -> Settings:
        """These settings with one field (``learningRate``) set to ``value``, and the loss
        a new problem or data set needs."""
        if name not in {f.name for f in fields(Settings)} or name == "extra":
            raise ValueError(f"there is no setting {name!r}"[:200])
        if name in ("features", "networkShape") and isinstance(value, list):
            value = tuple(value)
        return replace(self, **_loss_for(self, {name: value}))


# Each setting's name in Python (snake_case: the widget's traits, the exported script's
# lines) and its field, TF Playground's camelCase URL key.
TRAITS = {
    "".join(f"_{c.lower()}" if c.isupper() else c for c in f.name): f.name
    for f in fields(Settings)
    if f.name != "extra"
}
PYTHON_NAMES = {field: trait for trait, field in TRAITS.items()}


def _loss_for(settings: Settings, parsed: dict[str, Any]) -> dict[str, Any]:
    """A change of problem or data set brings the loss it needs: regression mse, three
    classes cross-entropy, two classes bce (where the loss was one they cannot take)."""
    problem = parsed.get("problem", settings.problem)
    dataset = parsed.get("dataset", settings.dataset)
    loss = parsed.get("loss", settings.loss)
    if "problem" in parsed or "dataset" in parsed:
        if problem == "regression":
            loss = "mse"
        elif dataset == "three":
            loss = "cross_entropy"
        elif loss == "cross_entropy" or settings.problem == "regression":
            loss = "bce"
    return {**parsed, "loss": loss}


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}"[:200])


def _whole(name: str, value: object, low: int | float, high: int | float) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        message = f"{name} must be a whole number from {low} to {high}, got {value!r}"
        raise ValueError(message[:200])


def _parse(key: str, text: str) -> dict[str, Any]:
    """One key=value of a URL hash as the Settings field(s) it sets."""
    text = text.strip()
    if len(text) > 100:
        raise ValueError(f"{key} takes a short value, got {len(text)} characters"[:200])
    if key in FEATURES:
        return {"_feature": (key, _boolean(key, text))}
    if key == "networkShape":
        parts = [p for p in text.split(",") if p.strip()]
        if not all(p.strip().isdigit() and len(p.strip()) <= 6 for p in parts):
            raise ValueError(f"networkShape takes sizes like 4,2, got {text!r}"[:200])
        return {key: tuple(int(p) for p in parts)}
    if key in ("showTestData", "discretize"):
        return {key: _boolean(key, text)}
    if key in ("batchSize", "numSamples"):
        if not text.isdigit() or len(text) > 9:
            raise ValueError(f"{key} must be a whole number, got {text!r}"[:200])
        return {key: int(text)}
    if key in ("learningRate", "regularizationRate", "noise", "percTrainData"):
        try:
            return {key: float(text)}
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}"[:200]) from None
    if key == "seed":  # TF Playground's seeds are text ("0.12345"): any text makes one
        if text.isdigit() and len(text) <= 10 and int(text) < 2**31:
            return {key: int(text)}
        return {key: zlib.crc32(text.encode()) % 2**31}
    if key == "regularization":
        return {key: "none" if text in ("", "none") else text}
    if key in ("dataset", "activation", "loss", "optimizer", "problem", "regDataset"):
        return {key: text}
    raise KeyError(key)


def _boolean(key: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{key} must be true or false, got {text!r}"[:200])
    return text == "true"


def from_hash(text: str, base: Settings | None = None) -> Settings:
    """Settings from a URL hash (``#a=b&c=d``, with or without the ``#``): the keys TF
    Playground writes and ours; unknown keys are kept aside, not an error."""
    values: dict[str, Any] = {}
    features = dict.fromkeys((base or Settings()).features, True)
    extra: dict[str, str] = {}
    names = {f.name for f in fields(Settings)}
    for part in text.lstrip("#").split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        try:
            parsed = _parse(key, value)
        except KeyError:
            extra[key] = value[:100]
            continue
        if "_feature" in parsed:
            feature, on = parsed["_feature"]
            features[feature] = on
        elif set(parsed) <= names:
            values.update(parsed)
    chosen = tuple(f for f in FEATURES if features.get(f))
    start = base or Settings()
    if "loss" not in values:  # a TF link names no loss: the one its problem needs
        values = _loss_for(start, values)
    return replace(start, features=chosen, extra=extra, **values)


def to_hash(settings: Settings) -> str:
    """The settings as a URL hash in TF Playground's keys (without the ``#``)."""
    parts = [
        f"activation={settings.activation}",
        f"regularization={settings.regularization}",
        f"batchSize={settings.batchSize}",
        f"dataset={settings.dataset}",
        f"learningRate={settings.learningRate!r}",  # every digit: a link repeats the run
        f"regularizationRate={settings.regularizationRate!r}",
        f"noise={settings.noise!r}",
        f"networkShape={','.join(str(n) for n in settings.networkShape)}",
        f"seed={settings.seed}",
        f"showTestData={str(settings.showTestData).lower()}",
        f"discretize={str(settings.discretize).lower()}",
        f"percTrainData={settings.percTrainData!r}",
        *(f"{f}={str(f in settings.features).lower()}" for f in FEATURES),
        f"numSamples={settings.numSamples}",
        f"loss={settings.loss}",
        f"optimizer={settings.optimizer}",
        f"problem={settings.problem}",
        f"regDataset={settings.regDataset}",
    ]
    return "&".join(parts)


def choices() -> dict[str, Any]:
    """Every choice and limit the page offers, stated here once and sent to the page."""
    return {  # each as [value, what the page shows]
        "features": [[key, label] for key, label in FEATURES.items()],
        "datasets": [[d, "3 classes" if d == "three" else d] for d in DATASETS],
        "regDatasets": [[d, d.removeprefix("reg-")] for d in REG_DATASETS],
        "problems": [[p, p.capitalize()] for p in PROBLEMS],
        "activations": [[a, LABELS.get(a, a.capitalize())] for a in ACTIVATIONS],
        "losses": [[loss, named_loss(loss).label] for loss in LOSSES],
        "optimizers": [[o, LABELS.get(o, o.capitalize())] for o in OPTIMIZERS],
        "regularizations": [[r, r.capitalize()] for r in REGULARIZATIONS],
        "learningRates": [[r, f"{r:g}"] for r in LEARNING_RATES],
        "regularizationRates": [[r, f"{r:g}"] for r in REGULARIZATION_RATES],
        "limits": {key: list(bounds) for key, bounds in LIMITS.items()},
    }


LABELS = {"relu": "ReLU", "leakyrelu": "Leaky ReLU", "sgd": "SGD", "rmsprop": "RMSprop",
          "adamw": "AdamW"}  # fmt: skip
