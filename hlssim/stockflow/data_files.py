"""The data files a user's model reads (``GET XLS ...``, ``GET DIRECT ...``), found beside the model.

PySD resolves a data file a model names relative to the translated ``.py`` file's folder. hlssim
translates a model in its cache (never beside the user's file), so the files the model names must
be copied there too, and the cache entry must be keyed by their content as well as the model's:
change ``input.xls`` and the model translates (and loads) afresh.

:func:`data_files` reads the file names from the model's own text (the first, quoted argument of
every ``GET XLS/XLSX/DIRECT`` function), resolves each from the model's folder (as Vensim and
PySD do) and says in one line, by the **user's** path, when one is missing.
:func:`content_digest` is the digest of the model and every file it reads.

>>> from pathlib import Path
>>> suite = Path(__file__).parents[2] / "tests/sd_test_models/suite"
>>> [f.name for f in data_files(suite / "get_lookups_subscripted_args/test_get_lookups_subscripted_args.mdl")]
['input.xls']
>>> data_files(suite / "abs/test_abs.mdl")
[]
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from hlssim.errors import HlssimError

#: A Vensim data function and its first argument, the quoted file name (``'?name'`` is a tab
#: reference to the model's settings, not a file). Vensim allows runs of spaces or underscores in
#: function names and a line continuation (``\``) between arguments.
_GET = re.compile(r"GET[\s_]+(?:XLSX?|DIRECT|123|DATA)[\s_]+[A-Z]+\s*\(\s*(?:\\\s*)*'([^'?][^']*)'",
                  re.IGNORECASE)


@dataclass(frozen=True)
class DataFile:
    """One file a model reads: as the model names it, and where it is on the user's disk."""

    ref: str  # as written in the model, e.g. "input.xls" or "../data/in.xlsx"
    path: Path  # the user's file: the model's folder joined with ref

    @property
    def name(self) -> str:
        return self.path.name

    def up_levels(self) -> int:
        """How many folders above the model's folder a relative ref reaches (``../x`` -> 1)."""
        if Path(self.ref).is_absolute():
            return 0
        parts = posixpath.normpath(self.ref.replace("\\", "/")).split("/")
        return sum(1 for p in parts if p == "..")


def references(text: str) -> list[str]:
    """The file names a model's text reads through ``GET ...`` functions, each once, in order."""
    return list(dict.fromkeys(m.group(1).strip() for m in _GET.finditer(text)))


def data_files(model: Path) -> list[DataFile]:
    """The data files ``model`` reads, resolved from its folder; one line (the user's path) if one
    is missing."""
    text = model.read_bytes().decode("utf-8", errors="replace")
    out = []
    for ref in references(text):
        path = Path(posixpath.normpath(str(model.parent / ref.replace("\\", "/"))))
        if not path.is_file():
            raise HlssimError(f"model '{model}': reads the data file '{ref}', but '{path}' does not "
                              "exist; expected it beside the model, where the model names it")
        out.append(DataFile(ref, path))
    return out


def content_digest(model: Path, files: list[DataFile]) -> str:
    """The first 16 hex digits of a SHA-256 over the model's bytes and, if it reads data files,
    each file's name (as the model writes it) and bytes; a model without data files: its own
    file's digest."""
    h = hashlib.sha256(model.read_bytes())
    if not files:
        return h.hexdigest()[:16]
    for f in sorted(files, key=lambda f: f.ref):
        h.update(b"\0" + f.ref.encode() + b"\0")
        h.update(hashlib.sha256(f.path.read_bytes()).digest())
    return h.hexdigest()[:16]


def placed(work: Path, files: list[DataFile]) -> Path:
    """The folder inside ``work`` where the model's copy goes so that every relative data file
    (``../data/x.xlsx`` included) lands inside ``work`` at the place the model names."""
    depth = max((f.up_levels() for f in files), default=0)
    return work.joinpath(*[f"d{i}" for i in range(depth)]) if depth else work


def copy_beside(model_dir: Path, files: list[DataFile]) -> None:
    """Copy each relative data file to ``model_dir / ref`` (absolute refs are read in place)."""
    import shutil

    for f in files:
        if Path(f.ref).is_absolute():
            continue
        dest = Path(posixpath.normpath(str(model_dir / f.ref.replace("\\", "/"))))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.path, dest)
