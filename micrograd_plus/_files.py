"""The one file writer: every file the package writes is written whole or not at all,
and nothing but a regular file is ever replaced."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

FIGURE_FORMATS = ("png", "svg", "pdf")  # the files a matplotlib figure is saved as (plots.save)
KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
}


class NotARegularFile(ValueError):
    """The path names a folder, a device, a pipe or a socket: nothing was written."""


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed
    into place at the end: a reader sees the old file or the new one, never half of one.

    A file that is replaced keeps its permissions. A symbolic link stays a link: the file
    it points to is the one written (atomically, beside that file). A folder, a device
    (``/dev/null`` too), a pipe or a socket is never replaced: ``NotARegularFile``.
    """
    if not os.fspath(path).strip():
        raise ValueError("cannot write to an empty path: name a file")
    target = Path(path)
    real = Path(os.path.realpath(target))  # through any symbolic links
    try:
        info = os.stat(real)
    except FileNotFoundError:
        mode = 0o644  # a new file; mkstemp makes it private, and what we write is not
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(target)) from None
    else:
        if not stat.S_ISREG(info.st_mode):
            kind = KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise NotARegularFile(f"{target} is {kind}, not a file: nothing was written to it")
        mode = stat.S_IMODE(info.st_mode)
    try:
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.")
    except OSError as error:  # say which file could not be written, not the temporary one
        raise OSError(error.errno, error.strerror, str(target)) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, mode)
        os.replace(temporary, real)
    except BaseException:
        os.unlink(temporary)
        raise
    return target
