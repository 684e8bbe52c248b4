"""A playground's settings, written in TensorFlow Playground's URL keys and values, so
that a link a lecturer already has (``#activation=tanh&networkShape=4,2&dataset=circle
&x=true&y=true...``) opens here with its settings.

Every number is bounded; a value that does not fit is a ``ValueError`` that says what was
expected and what came. Keys of TF Playground that have no meaning here (``problem=
regression``, ``regDataset``, ``collectStats``, ``hideText``, ``initZero``) are read and
ignored, as TF Playground ignores keys it does not know.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["FEATURES", "LIMITS", "Settings", "from_hash", "to_hash"]

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
ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "leakyrelu": "leaky_relu", "sigmoid": "sigmoid",
               "linear": "linear"}  # fmt: skip
LOSSES = ("bce", "mse", "cross_entropy")
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
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
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
        for name in ("batchSize", "numSamples"):
            _whole(name, getattr(self, name), *LIMITS[name])
        low, high = LIMITS["hiddenLayers"]
        if len(self.networkShape) > high:
            raise ValueError(
                f"networkShape has at most {high} hidden layers, got {len(self.networkShape)}"
            )
        for width in self.networkShape:
            _whole("a hidden layer's size", width, *LIMITS["neurons"])
        if not self.features:
            raise ValueError("choose at least one input feature")
        for feature in self.features:
            _choice("feature", feature, tuple(FEATURES))
        if self.dataset == "three" and self.loss != "cross_entropy":
            raise ValueError("the three-class data set needs loss cross_entropy")
        if self.loss == "cross_entropy" and self.dataset != "three":
            raise ValueError("cross_entropy is for the three-class data set; use bce or mse")

    @property
    def classes(self) -> int:
        return 3 if self.dataset == "three" else 2

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
        if key == "dataset":  # three classes want cross-entropy, two do not
            if parsed["dataset"] == "three":
                parsed["loss"] = "cross_entropy"
            elif self.loss == "cross_entropy":
                parsed["loss"] = "bce"
        return replace(self, **parsed)


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
    if key in FEATURES:
        return {"_feature": (key, _boolean(key, text))}
    if key == "networkShape":
        parts = [p for p in text.split(",") if p.strip()]
        if not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"networkShape takes sizes like 4,2, got {text!r}"[:200])
        return {key: tuple(int(p) for p in parts)}
    if key in ("showTestData", "discretize"):
        return {key: _boolean(key, text)}
    if key in ("batchSize", "numSamples"):
        if not text.isdigit():
            raise ValueError(f"{key} must be a whole number, got {text!r}"[:200])
        return {key: int(text)}
    if key in ("learningRate", "regularizationRate", "noise", "percTrainData"):
        try:
            return {key: float(text)}
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}"[:200]) from None
    if key == "seed":  # TF Playground's seeds are text ("0.12345"): any text makes one
        return {key: int(text) if text.isdigit() else zlib.crc32(text.encode()) % 2**31}
    if key == "regularization":
        return {key: "none" if text in ("", "none") else text}
    if key in ("dataset", "activation", "loss", "optimizer"):
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
    return replace(base or Settings(), features=chosen, extra=extra, **values)


def to_hash(settings: Settings) -> str:
    """The settings as a URL hash in TF Playground's keys (without the ``#``)."""
    parts = [
        f"activation={settings.activation}",
        f"regularization={settings.regularization}",
        f"batchSize={settings.batchSize}",
        f"dataset={settings.dataset}",
        f"learningRate={settings.learningRate:g}",
        f"regularizationRate={settings.regularizationRate:g}",
        f"noise={settings.noise:g}",
        f"networkShape={','.join(str(n) for n in settings.networkShape)}",
        f"seed={settings.seed}",
        f"showTestData={str(settings.showTestData).lower()}",
        f"discretize={str(settings.discretize).lower()}",
        f"percTrainData={settings.percTrainData:g}",
        *(f"{f}={str(f in settings.features).lower()}" for f in FEATURES),
        f"numSamples={settings.numSamples}",
        f"loss={settings.loss}",
        f"optimizer={settings.optimizer}",
        "problem=classification",
    ]
    return "&".join(parts)
