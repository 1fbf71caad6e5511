"""What every stock-flow module needs of PySD: a quiet import, the translation cache, Vensim's
rule for names, and a seed for PySD's random functions.

PySD translates a model file into Python once per content (:func:`translate`, into
:func:`cache_root`, with the data files the model reads copied beside it); its own code warns
under pandas 3 (:func:`quiet`). Its ``RANDOM ...`` functions draw from numpy's global generator
(:func:`seeded`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from hlssim.errors import HlssimError
from hlssim.stockflow.data_files import DataFile, copy_beside, placed

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
