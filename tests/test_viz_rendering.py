"""render: graphviz-pure by default, the same bytes every run, system dot only when asked."""

from __future__ import annotations

import importlib
import os
import shutil
import stat
import sysconfig
import types
from pathlib import Path

import pytest
from conftest import readme_neuron as neuron
from conftest import shows, svg_texts

import micrograd_plus.viz.rendering as rendering
from micrograd_plus import Value
from micrograd_plus.viz import RendererNotFound, render, render_bytes, to_dot

SVG = "{http://www.w3.org/2000/svg}"


def readme_neuron() -> Value:
    """The README's neuron after backward."""
    o, _ = neuron()
    o.backward()
    return o


@pytest.fixture
def no_system_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """A student's laptop: no dot anywhere, and an empty PATH."""
    monkeypatch.setenv("PATH", "")
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, **kw: None if name == "dot" else real_which(name, **kw)
    )


def test_every_node_shows_its_name_data_and_grad_without_system_graphviz(
    tmp_path: Path, no_system_graphviz: None
) -> None:
    o = readme_neuron()
    svg_path = render(to_dot(o), tmp_path / "n.svg")
    texts = svg_texts(svg_path.read_bytes())
    for node in o.topological_order():
        if node.label:
            assert node.label in texts, node.label
        assert shows(texts, "data", node.data)
        assert shows(texts, "grad", node.grad)
    assert "grad 0 (x2 = 0)" in texts  # w2: exactly 0 because x2 = 0, and said so
    png = render(to_dot(o), tmp_path / "n.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_the_same_graph_gives_the_same_svg_bytes(tmp_path: Path) -> None:
    first = render(to_dot(readme_neuron()), tmp_path / "a.svg").read_bytes()
    second = render(to_dot(readme_neuron()), tmp_path / "b.svg").read_bytes()
    assert first == second


def test_jupyter_shows_the_svg_that_render_writes(tmp_path: Path, no_system_graphviz: None) -> None:
    picture = to_dot(readme_neuron())
    bundle = picture._repr_mimebundle_()
    written = render(picture, tmp_path / "n.svg").read_text(encoding="utf-8")
    assert bundle["image/svg+xml"] == written
    assert picture._repr_image_png().startswith(b"\x89PNG")


def test_graphviz_pure_is_found_in_the_interpreters_scripts_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")  # a notebook kernel whose PATH lacks the venv's bin
    found = rendering.find_renderer()
    assert found is not None and Path(found).parent == Path(sysconfig.get_path("scripts"))


def test_without_graphviz_pure_the_error_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendering, "find_renderer", lambda renderer="graphviz-pure": None)
    with pytest.raises(RendererNotFound, match="pip install --force-reinstall graphviz-pure"):
        render(to_dot(readme_neuron()), tmp_path / "n.svg")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a .dot beside it


def test_pdf_without_system_graphviz_says_so_and_names_svg_and_png(
    tmp_path: Path, no_system_graphviz: None
) -> None:
    (tmp_path / "n.dot").write_text("the user's own file")
    with pytest.raises(RendererNotFound, match=r"PDF needs.*dot.*use \.svg or \.png"):
        render(to_dot(readme_neuron()), tmp_path / "n.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["n.dot"]
    assert (tmp_path / "n.dot").read_text() == "the user's own file"


def test_graphviz_pure_does_not_write_pdf() -> None:
    with pytest.raises(ValueError, match="graphviz-pure does not write PDF"):
        render_bytes("digraph { a }", "pdf", renderer="graphviz-pure")
    with pytest.raises(ValueError, match="renderer must be one of"):
        render_bytes("digraph { a }", "svg", renderer="wasm")


@pytest.mark.needs_dot
def test_system_dot_only_when_asked_and_for_pdf(tmp_path: Path) -> None:
    ours = render(to_dot(readme_neuron()), tmp_path / "a.svg").read_text()
    theirs = render(to_dot(readme_neuron()), tmp_path / "b.svg", renderer="dot").read_text()
    assert "graphviz-pure" in ours.split("-->")[0] and "graphviz-pure" not in theirs
    assert render(to_dot(readme_neuron()), tmp_path / "n.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".jpg", b"\xff\xd8")]
)
def test_formats_from_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    assert render(to_dot(readme_neuron()), tmp_path / f"g{suffix}").read_bytes().startswith(magic)


def test_dot_source_is_written_as_is(tmp_path: Path) -> None:
    picture = to_dot(readme_neuron())
    assert render(picture, tmp_path / "g.dot").read_text() == picture.source


@pytest.mark.parametrize("name", ["g.gif", "picture", "g."])
def test_a_name_without_a_picture_suffix_is_a_clear_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"expected a suffix \.svg, \.png"):
        render(to_dot(readme_neuron()), tmp_path / name)
    with pytest.raises(ValueError, match="format must be one of"):
        render_bytes("digraph {}", "gif")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "pics.svg"
    folder.mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        render(to_dot(readme_neuron()), folder)


def test_a_failed_render_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    path.write_text("old")
    broken = to_dot(readme_neuron())
    broken.body.append("\tthis is not DOT {{{\n")
    with pytest.raises(RuntimeError, match="could not render"):
        render(broken, path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    path.write_text("old")
    os.chmod(path, 0o600)
    render(to_dot(readme_neuron()), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert render(to_dot(readme_neuron()), tmp_path / "new.svg").stat().st_mode & 0o777 == 0o644


def test_no_function_shadows_its_module() -> None:
    import micrograd_plus.viz

    for module in ["dot", "rendering", "passes", "network", "stepper", "jupyter", "palette"]:
        importlib.import_module(f"micrograd_plus.viz.{module}")
        assert isinstance(getattr(micrograd_plus.viz, module), types.ModuleType), module
    for name in micrograd_plus.viz.__all__:  # no public name is also a submodule's name
        assert not (Path(micrograd_plus.viz.__file__).parent / f"{name}.py").exists(), name


def test_building_rendering_and_displaying_do_not_import_each_other() -> None:
    root = Path(rendering.__file__).parent
    rendering_source = (root / "rendering.py").read_text()
    assert "micrograd_plus.viz" not in rendering_source  # renders DOT text, knows no picture
    jupyter_imports = [
        line for line in (root / "jupyter.py").read_text().splitlines() if "import" in line
    ]
    assert not any("viz.dot" in line or "viz.network" in line for line in jupyter_imports)
