"""What every stock-flow module needs of PySD: a quiet import, the translation cache, and
Vensim's rule for names.

PySD translates a model file into Python once per content (:func:`translate`, into
:func:`cache_root`); its own code warns under pandas 3 (:func:`quiet`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

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


def translate(src: Path, digest: str) -> Path:
    """The translated ``.py`` of ``src``: made once per content and PySD version, in
    ``cache_root()/DIGEST-pysdVERSION/``.

    PySD writes its translation beside the model file, so the model is copied into a private
    temporary folder, translated there, and the folder renamed into place (atomic; if another
    process got there first, its copy is used and ours discarded).
    """
    import pysd

    final = cache_root() / f"{digest}-pysd{pysd.__version__}"  # a new PySD translates afresh
    stem = f"m_{digest}"  # named by content alone: the same model under two file names is one entry
    py_file = final / f"{stem}.py"
    if py_file.is_file():
        return py_file
    cache_root().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=cache_root()))
    try:
        copy = work / f"{stem}{src.suffix.lower()}"
        shutil.copyfile(src, copy)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if src.suffix.lower() in VENSIM_SUFFIXES:
                    model = pysd.read_vensim(str(copy), initialize=False)
                else:
                    model = pysd.read_xmile(str(copy), initialize=False)
            except Exception as err:  # noqa: BLE001 - PySD's parser raises many types: all mean 'cannot translate'
                raise HlssimError(f"model '{src}': PySD cannot translate it ({one_line(err)})") from None
        missing = sorted({m.group(1) for w in caught
                          if (m := re.search(r"translate '([^']+)' which it is not implemented",
                                             str(w.message)))})
        if missing:
            raise HlssimError(f"model '{src}': uses {', '.join(missing)}, which PySD does not implement; "
                              "the model cannot run here")
        translated = Path(model.py_model_file)
        if translated.parent != work:
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
