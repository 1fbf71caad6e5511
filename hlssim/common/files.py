"""Writing tables and files atomically: a file appears whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from hlssim.errors import HlssimError

TABLE_FORMATS = (".parquet", ".csv")


def check_table_path(path: str | Path, flag: str = "--out") -> Path:
    """Fail early (before any run) if ``path`` cannot take a table."""
    path = Path(path)
    if path.is_dir():
        raise HlssimError(f"{flag} '{path}': is a folder; expected a file name ending .parquet or .csv")
    if path.suffix.lower() not in TABLE_FORMATS:
        raise HlssimError(
            f"{flag} '{path}': unsupported file type '{path.suffix}'; expected .parquet or .csv"
        )
    check_parent(path, flag)
    return path


def check_parent(path: str | Path, flag: str = "--out") -> Path:
    """Fail (one line) unless ``path``'s folder exists and is a folder: a file about to be written."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        blocker = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise HlssimError(f"{flag} '{path}': '{blocker}' is a file, not a folder; expected a "
                              "path in an existing folder")
        raise HlssimError(f"{flag} '{path}': folder '{parent}' does not exist")
    return path


def check_folder(path: str | Path, flag: str = "--out") -> Path:
    """Fail (one line) unless ``path`` is a folder, or one that can be made: its missing folders
    are made and removed again (the only sure test, e.g. under ``/proc`` or a read-only mount),
    so nothing is left behind either way."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise HlssimError(f"{flag} '{path}': exists and is not a folder")
        return path
    missing = [p for p in (path, *path.parents) if not p.exists()]
    blocker = path.parents[len(missing) - 1] if len(missing) <= len(path.parents) else None
    if blocker is not None and not blocker.is_dir():
        raise HlssimError(f"{flag} '{path}': cannot be made, '{blocker}' is a file; expected a "
                          "folder path")
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
    except OSError as err:
        raise HlssimError(f"{flag} '{path}': cannot be made ({err.strerror or err})") from None
    finally:
        for folder in reversed(made):
            folder.rmdir()
    return path


def utf8_text(path: str | Path, source: str, error: type[Exception] = HlssimError) -> str | None:
    """The file's text if it is UTF-8; one-line ``error`` if it is not. None if it cannot be read
    at all (missing, a folder...): the caller's reader reports that in its own words."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{source}: not UTF-8 text (byte {err.start} is 0x{data[err.start]:02x}); "
                    "expected a text file saved as UTF-8") from None


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet or CSV (by suffix), atomically."""
    path = check_table_path(path)
    if path.suffix.lower() == ".parquet":
        return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
    return write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))


def write_text(text: str, path: str | Path) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)
