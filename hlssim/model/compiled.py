"""numba's settings for the model's compiled code, and a disk cache that knows what it depends on.

Compiled functions (:func:`jit`) are cached on disk (``cache=True``: in ``__pycache__`` or numba's
user-wide cache). numba keys a cached function on its own file only, but the batch engine's
months call rule functions from other files (``register_jitable``): an edited rule would run
stale code. So the cache's freshness stamp here covers every file compiled code reads
(:data:`STAMPED`: the rules, draws, stream, metrics and this file, and the batch engine's
compiled phases, named by path: nothing is imported), and editing any of them recompiles.

Imported only where compiled code is about to run (it imports numba), never by ``import hlssim``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import warnings
from pathlib import Path

import numba
from numba.core import caching
from numba.core.errors import NumbaExperimentalFeatureWarning
from numba.extending import register_jitable

# The rules' scalar-or-array test (isinstance) is an experimental numba feature; it is resolved at
# compile time here, which is all we use it for.
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)

_PACKAGE = Path(__file__).resolve().parent.parent
#: The files compiled code reads, relative to the package; their bytes are the cache's stamp.
STAMPED: tuple[str, ...] = ("model/compiled.py", "model/rules.py", "model/draws.py",
                            "model/stream.py", "model/metrics.py", "engines/batch/*.py")


def _stamped_files() -> list[Path]:
    files: list[Path] = []
    for pattern in STAMPED:
        files.extend(sorted(_PACKAGE.glob(pattern)))
    return files


@functools.lru_cache(maxsize=1)
def sources_stamp() -> str:
    """A digest of every file in :data:`STAMPED` (read once per process)."""
    digest = hashlib.sha256()
    for path in _stamped_files():
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stamped_locator(base):
    """A numba cache locator for functions defined in :data:`STAMPED` files, whose freshness stamp
    covers all of them (numba's own covers only the file that defines the function)."""
    covered = {p.resolve() for p in _stamped_files()}

    class Locator(base):
        def get_source_stamp(self):
            return sources_stamp()

        @classmethod
        def from_function(cls, py_func, py_file):
            if Path(py_file).resolve() not in covered:
                return None
            return super().from_function(py_func, py_file)

    Locator.__name__ = f"Stamped{base.__name__}"
    return Locator


def _install_locators() -> bool:
    def find(*names):
        for name in names:
            if hasattr(caching, name):
                return getattr(caching, name)
        raise AttributeError(names[0])

    try:
        classes = find("CacheImpl", "_CacheImpl")._locator_classes
        bases = (find("InTreeCacheLocator", "_InTreeCacheLocator"),
                 find("UserWideCacheLocator", "_UserWideCacheLocator"))
    except AttributeError:  # numba's internals changed: compile without a disk cache
        return False
    if not any(getattr(c, "__name__", "").startswith("Stamped") for c in classes):
        classes[:0] = [_stamped_locator(b) for b in bases]
    return True


#: Whether compiled code is cached on disk (False if numba's internals changed).
CACHED = _install_locators()
#: The decorator for the model's compiled entry points.
jit = numba.njit(cache=CACHED, error_model="numpy", nogil=True)


def register_module(module, names=None) -> None:
    """Make ``module``'s functions (or only ``names``) callable from compiled code, compiling the
    very source the Python engine runs (numba's ``register_jitable``)."""
    if names is None:
        names = [name for name, fn in inspect.getmembers(module, inspect.isfunction)
                 if fn.__module__ == module.__name__]
    for name in names:
        register_jitable(getattr(module, name))


def on_disk(function) -> bool:
    """Whether ``function``'s compiled code is on disk and fresh (so a run starts at once); True
    when numba's cache cannot be read this way (its internals changed): better no notice than a
    false one."""
    try:
        return bool(function._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 (any failure here means: cannot tell)
        return True
