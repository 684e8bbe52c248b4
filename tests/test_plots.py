"""Plots: Figures returned, files saved whole in each format, the user's matplotlib state
left alone, and boundaries drawn from the model's own outputs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

from micrograd_plus.nn import MLP
from micrograd_plus.plots import (
    decision_boundary,
    fitted_curves,
    loss_curve,
    save,
)
from micrograd_plus.training import History

PNG = b"\x89PNG\r\n\x1a\n"


def _line_model(output_activation: str | None = None, outputs: int = 1) -> MLP:
    """A one-layer model whose class is decided by the sign of x0: the last output is x0,
    any other is -x0."""
    model = MLP(2, [outputs], output_activation=output_activation, seed=0)
    for k, neuron in enumerate(model.layers[0].neurons):
        w0 = 1.0 if k == outputs - 1 else -1.0
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = w0, 0.0, 0.0
    return model


def test_the_boundary_shades_the_probability_the_model_gives(tmp_path: Path) -> None:
    X = np.array([[-1.0, 0.0], [1.0, 0.5], [0.5, -1.0], [-0.5, 1.0]])
    fig = decision_boundary(_line_model("sigmoid"), X, np.array([0, 1, 1, 0]))
    shaded: Any = fig.axes[0].collections[0]  # the contourf of P(class 1)
    levels = np.asarray(shaded.levels)
    assert levels.min() == 0.0 and levels.max() == 1.0


def test_each_plot_returns_a_figure_and_saves_only_when_asked(tmp_path: Path) -> None:
    X = np.array([[-1.0, 0.0], [1.0, 0.5], [0.5, -1.0], [-0.5, 1.0]])
    y = np.array([0, 1, 1, 0])
    figures = [
        loss_curve(History([1.0, 0.5, 0.1], [0.5, 0.75, 1.0])),
        decision_boundary(_line_model(), X, y),
        fitted_curves(X[:, :1], y, {"fit": [0.0, 1.0, 1.0, 0.0]}),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert list(tmp_path.iterdir()) == []
    loss_curve(History([1.0, 0.5]), tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes().startswith(PNG)


def test_the_boundary_grid_is_fine_and_drawn_at_one_half() -> None:
    X = np.array([[-1.0, 0.0], [1.0, 0.5]])
    figure = decision_boundary(_line_model(), X, np.array([0, 1]), resolution=50)
    axis = figure.axes[0]
    filled, line = axis.collections[0], axis.collections[1]
    assert filled.get_array() is not None
    assert len(line.get_paths()) >= 1  # the 0.5 contour is there
    xs = [np.asarray(p.vertices)[:, 0] for p in line.get_paths()]
    assert np.allclose(np.concatenate(xs), 0.0, atol=0.05)  # where x0 = 0, P(class 1) = 0.5


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", PNG), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_figures_save_as_png_svg_and_pdf(tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = save(loss_curve(History([1.0, 0.5])), tmp_path / f"loss{suffix}")
    assert path.read_bytes().startswith(magic)
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        save(loss_curve(History([1.0])), tmp_path / "loss.gif")


def test_png_is_200_dpi(tmp_path: Path) -> None:
    from PIL import Image

    path = save(loss_curve(History([1.0, 0.5])), tmp_path / "loss.png")
    with Image.open(path) as image:
        dpi = image.info["dpi"]
    assert round(dpi[0]) == 200


def test_plots_leave_the_backend_and_rcparams_as_they_were() -> None:
    # In a fresh process, as in a notebook with the inline backend.
    script = textwrap.dedent(
        """
        import matplotlib
        matplotlib.use("module://matplotlib_inline.backend_inline")
        import numpy as np
        backend, before = matplotlib.get_backend(), dict(matplotlib.rcParams)
        from matplotlib.figure import Figure
        from micrograd_plus.nn import MLP
        from micrograd_plus.plots import decision_boundary, loss_curve
        from micrograd_plus.training import History
        X = np.array([[0.0, 0.0], [1.0, 1.0]])
        f1 = loss_curve(History([1.0, 0.5], [0.5, 1.0]))
        f2 = decision_boundary(MLP(2, [1], seed=0), X, np.array([0, 1]))
        assert isinstance(f1, Figure) and isinstance(f2, Figure)
        assert matplotlib.get_backend() == backend, matplotlib.get_backend()
        after = dict(matplotlib.rcParams)
        changed = [k for k in before if str(before[k]) != str(after[k])]
        assert not changed, changed
        print("unchanged")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "unchanged" in done.stdout


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros((0, 2)), np.zeros(0), "no points to draw"),
        (np.zeros((3, 1)), np.zeros(3), r"X must have shape \(n, 2\), got \(3, 1\)"),
        (np.zeros((3, 3)), np.zeros(3), r"X must have shape \(n, 2\), got \(3, 3\)"),
        (np.zeros((3, 2)), np.zeros(4), r"X has 3 points but y has shape \(4,\)"),
        (np.array([[0.0, np.nan]]), np.zeros(1), "they hold inf or nan"),
        ([["a", "b"]], [0], "arrays of numbers"),
    ],
)
def test_a_boundary_of_data_that_does_not_fit_is_a_clear_error(
    X: object, y: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        decision_boundary(_line_model(), X, y)  # type: ignore[arg-type]


def test_fitted_curves_of_data_that_does_not_fit_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no points to draw"):
        fitted_curves(np.zeros(0), np.zeros(0), {})
    with pytest.raises(ValueError, match=r"shape \(n, 1\), got \(3, 2\)"):
        fitted_curves(np.zeros((3, 2)), np.zeros(3), {})
    with pytest.raises(ValueError, match=r"curve 'fit' has shape \(2,\), expected .* \(3,\)"):
        fitted_curves(np.zeros(3), np.zeros(3), {"fit": [1.0, 2.0]})


def test_the_projection_is_scikit_learns_pca_and_each_token_is_labelled() -> None:
    decomposition = pytest.importorskip("sklearn.decomposition")
    from micrograd_plus.plots import embedding_map, projection

    rng = np.random.default_rng(0)
    table = rng.normal(size=(27, 16)) + rng.normal(size=16)  # off-centre, as trained tables are
    theirs = decomposition.PCA(n_components=2).fit_transform(table)
    ours = projection(table)
    for k in range(2):  # a principal direction's sign is a convention: compare up to it
        sign = np.sign(ours[:, k] @ theirs[:, k])
        np.testing.assert_allclose(ours[:, k], sign * theirs[:, k], rtol=1e-9, atol=1e-12)
    labels = [*"abcdefghijklmnopqrstuvwxyz", "BOS"]
    fig = embedding_map(table, labels)
    shown: dict[str, Any] = {t.get_text(): getattr(t, "xy", None) for t in fig.axes[1].texts}
    assert set(shown) == set(labels)
    np.testing.assert_allclose(shown["BOS"], ours[-1])  # each label at its own point
    with pytest.raises(ValueError, match="a label per row: 27 rows, 2 labels"):
        embedding_map(table, ["a", "b"])


def test_a_heat_map_shows_its_table_with_each_row_and_column_labelled() -> None:
    from micrograd_plus.plots import heat_map

    counts = np.arange(12.0).reshape(3, 4)
    fig = heat_map(
        counts, ["a", "b", "c"], ["a", "b", "c", "."], row_name="this", column_name="next"
    )
    axis = fig.axes[0]
    assert (axis.get_ylabel(), axis.get_xlabel()) == ("this", "next")
    np.testing.assert_array_equal(axis.images[0].get_array(), counts)
    assert [t.get_text() for t in axis.get_yticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in axis.get_xticklabels()] == ["a", "b", "c", "."]
    with pytest.raises(ValueError, match=r"3 rows and 3 columns .* got shape \(3, 4\)"):
        heat_map(counts, ["a", "b", "c"], ["a", "b", "c"])


def test_loss_curves_are_each_runs_running_mean() -> None:
    from micrograd_plus.plots import loss_curves

    fast, slow = [4.0, 2.0, 3.0, 1.0], [3.0, 3.0, 3.0, 2.0]
    fig = loss_curves({"fast": fast, "slow": slow}, smooth=2, guess=3.3)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert np.asarray(lines["fast"].get_ydata()).tolist() == [4.0, 3.0, 2.5, 2.0]  # last 2 each
    assert np.asarray(lines["slow"].get_xdata()).tolist() == [1, 2, 3, 4]
    assert np.asarray(lines["uniform guess (3.30)"].get_ydata()).tolist() == [3.3, 3.3]
    with pytest.raises(ValueError, match="at least one run"):
        loss_curves({})
