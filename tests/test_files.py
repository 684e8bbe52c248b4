"""The one file writer: whole or nothing, a symbolic link kept (its target written), and
never a folder, device, pipe or socket replaced; and every writer of the package uses it."""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import char_device, readme_neuron

from micrograd_plus import plots
from micrograd_plus._files import NotARegularFile, write_atomic
from micrograd_plus.nn import MLP
from micrograd_plus.viz import Stepper, render, to_dot

# Every writer of the package, each writing one file to a path it is given.
WRITERS: dict[str, Callable[[Path], object]] = {
    "model": lambda path: MLP(2, [2, 1], seed=0).save(path),
    "picture": lambda path: render(to_dot(readme_neuron()[0]), path, format="svg"),
    "stepper": lambda path: Stepper(readme_neuron()[0]).save(path),
    "figure": lambda path: plots.save(plots.figure()[0], Path(str(path) + ".svg")),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_device_is_never_replaced(tmp_path: Path, writer: str) -> None:
    device = char_device(tmp_path / "null", 3)
    target = device if writer != "figure" else tmp_path / "null.svg"
    if writer == "figure":
        os.rename(device, target)
    with pytest.raises(NotARegularFile, match="is a character device"):
        WRITERS[writer](device)
    assert stat.S_ISCHR(os.lstat(target).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left


@pytest.mark.parametrize("writer", WRITERS)
def test_a_symbolic_link_is_kept_and_its_target_written(tmp_path: Path, writer: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    target = real / ("out.svg" if writer == "figure" else "out")
    target.write_text("old")
    link = tmp_path / "link"
    link_path = tmp_path / ("link.svg" if writer == "figure" else "link")
    link_path.symlink_to(target)
    WRITERS[writer](link)
    assert link_path.is_symlink() and os.readlink(link_path) == str(target)
    assert target.read_bytes() != b"old" and len(target.read_bytes()) > 100
    assert sorted(p.name for p in real.iterdir()) == [target.name]


def test_a_dangling_link_gets_its_target_made(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    write_atomic(link, "{}")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "{}"


def test_a_pipe_a_socket_and_a_folder_are_refused_and_kept(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(NotARegularFile, match=f"{pipe} is a named pipe"):
        write_atomic(pipe, "x")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(NotARegularFile, match=f"{folder} is a folder"):
        write_atomic(folder, "x")
    assert folder.is_dir()
    with socket.socket(socket.AF_UNIX) as server:
        path = tmp_path / "sock"
        server.bind(str(path))
        with pytest.raises(NotARegularFile, match="is a socket"):
            write_atomic(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_an_empty_path_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="empty path"):
        write_atomic("", "x")
    with pytest.raises(ValueError, match="empty path"):
        Stepper(readme_neuron()[0]).save("")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.json"
    target.write_text("old")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, json.dumps({"a": 1}))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text()) == {"a": 1}


def test_a_missing_folder_names_the_file_not_the_temporary(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(tmp_path / "nowhere" / "out.json", "x")
    assert caught.value.filename == str(tmp_path / "nowhere" / "out.json")
