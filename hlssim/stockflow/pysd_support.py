"""What every stock-flow module needs of PySD: a quiet import, the translation cache, Vensim's
rule for names, and a seed for PySD's random functions.

PySD translates a model file into Python once per content (:func:`translate`, into
:func:`cache_root`, with the data files the model reads copied beside it); its own code warns
under pandas 3 (:func:`quiet`). Its ``RANDOM ...`` functions draw from numpy's global generator
(:func:`seeded`).

A model may read data files (``GET XLS ...``, ``GET DIRECT ...``), which PySD resolves relative to
the translated ``.py`` file's folder: :func:`data_files` finds them in the model's own text,
resolved from the model's folder (as Vensim and PySD do; a missing one named by the user's path),
:func:`translate` copies them beside the model's copy in the cache, and :func:`content_digest`
keys the cache entry by their content as well as the model's.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hlssim.errors import HlssimError

VENSIM_SUFFIXES = (".mdl",)


def cache_root() -> Path:
    """Where translated models live: ``$HLSSIM_CACHE/models`` or the system temp folder."""
    base = os.environ.get("HLSSIM_CACHE")
    return Path(base) / "models" if base else Path(tempfile.gettempdir()) / "hlssim-models"


def vensim_name(name: str) -> str:
    """Vensim's rule for names: case does not matter, runs of spaces and underscores are one space."""
    return re.sub(r"[\s_]+", " ", str(name)).strip().lower()


def quiet() -> warnings.catch_warnings:
    """Hide the deprecation warnings PySD's own code raises under pandas 3 (by name, not all)."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    try:
        from pandas.errors import Pandas4Warning
        warnings.filterwarnings("ignore", category=Pandas4Warning)
    except ImportError:  # pandas < 3
        pass
    for module in (r"pysd(\.|$)", r"chardet(\.|$)", r"parsimonious(\.|$)"):
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=module)
        warnings.filterwarnings("ignore", category=FutureWarning, module=module)
    return ctx


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def import_pysd():
    """PySD, imported with its dependencies' warnings hidden."""
    ctx = quiet()
    try:
        import pysd
    finally:
        ctx.__exit__(None, None, None)
    return pysd


def translate(src: Path, digest: str, files: Sequence[DataFile] = ()) -> Path:
    """The translated ``.py`` of ``src``: made once per content (the model's and its data
    files', ``digest``) and PySD version, in ``cache_root()/DIGEST-pysdVERSION/``.

    PySD writes its translation beside the model file and resolves the data files a model reads
    (``GET XLS ...``) from there, so the model and its data files (``files``, at the places the
    model names them) are copied into a private temporary folder, translated there, and the folder
    renamed into place (atomic; if another process got there first, its copy is used and ours
    discarded).
    """
    import pysd

    final = cache_root() / f"{digest}-pysd{pysd.__version__}"  # a new PySD translates afresh
    stem = f"m_{digest}"  # named by content alone: the same model under two file names is one entry
    inner = placed(Path("."), list(files))  # deeper when a data file is named as ../x.xlsx
    py_file = final / inner / f"{stem}.py"
    if py_file.is_file():
        return py_file
    cache_root().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=cache_root()))
    try:
        (work / inner).mkdir(parents=True, exist_ok=True)
        copy = work / inner / f"{stem}{src.suffix.lower()}"
        shutil.copyfile(src, copy)
        copy_beside(copy.parent, list(files))

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if src.suffix.lower() in VENSIM_SUFFIXES:
                    model = pysd.read_vensim(str(copy), initialize=False)
                else:
                    model = pysd.read_xmile(str(copy), initialize=False)
            except Exception as err:  # noqa: BLE001 - PySD's parser raises many types: all mean 'cannot translate'
                text = user_paths(one_line(err), copy.parent, src.parent)
                raise HlssimError(f"model '{src}': PySD cannot translate it ({text})") from None
        missing = sorted({m.group(1) for w in caught
                          if (m := re.search(r"translate '([^']+)' which it is not implemented",
                                             str(w.message)))})
        if missing:
            raise HlssimError(f"model '{src}': uses {', '.join(missing)}, which PySD does not implement; "
                              "the model cannot run here")
        translated = Path(model.py_model_file)
        if translated.parent != copy.parent:
            raise HlssimError(f"model '{src}': PySD wrote its translation to an unexpected place")
        try:
            os.rename(work, final)
        except OSError:  # another process finished first: use its translation
            if not py_file.is_file():
                raise HlssimError(f"model '{src}': the translation cache {final} is incomplete; "
                                  "delete that folder and try again") from None
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return py_file


def user_paths(text: str, cache_dir: Path, user_dir: Path) -> str:
    """``text`` (a PySD message) with the cache folder a translation runs in replaced by the user's
    model folder: a missing file is named where the user keeps it, not where hlssim copied it."""
    for folder in {str(cache_dir), str(cache_dir.resolve())}:
        text = text.replace(folder, str(user_dir))
    return text


def is_stochastic(py_file: Path) -> bool:
    """Whether a translated model draws random numbers: PySD writes its ``RANDOM ...`` functions as
    ``np.random.*`` or ``scipy.stats`` ``.rvs(...)`` calls (pysd/builders/python/python_functions.py)."""
    text = Path(py_file).read_text(encoding="utf-8", errors="replace")
    return bool(re.search(r"\bnp\.random\.|\.rvs\(", text))


def seed_state(seed: int) -> dict:
    """The state of a legacy numpy ``RandomState`` (MT19937) seeded from ``SeedSequence(seed)``."""
    return np.random.RandomState(np.random.MT19937(np.random.SeedSequence(seed))).get_state(legacy=False)


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run PySD's random functions from ``seed``, leaving numpy's global generator as it was.

    PySD translates ``RANDOM UNIFORM``, ``RANDOM 0 1``, ``RANDOM NORMAL`` and ``RANDOM EXPONENTIAL``
    into ``np.random.uniform(...)`` and ``scipy.stats.trunc*.rvs(...)`` with no ``random_state``,
    so both draw from numpy's global ``RandomState``; PySD has no seed of its own. Inside this
    block that generator starts from ``SeedSequence(seed)`` (one seed, one result, bit for bit),
    and its previous state is restored afterwards, so a run alters no global random state.
    ``None``: nothing is changed (a deterministic model).
    """
    if seed is None:
        yield
        return
    before = np.random.get_state(legacy=False)
    np.random.set_state(seed_state(seed))
    try:
        yield
    finally:
        np.random.set_state(before)


# --- the data files a model reads ------------------------------------------------------------------

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
