"""Files a user uploads to a hosted explorer, unpacked safely.

A hosted server reads no path a user types (:mod:`hlssim.ui.explorer_state`'s ``Limits``); a
sweep folder comes instead as a zip file. :func:`unpack_sweep` unpacks it into a fresh temporary
folder, refusing anything that could reach outside it (absolute paths, ``..``, links), anything
over the size limit (packed or unpacked) and any kind of file a sweep folder does not hold, and
returns the folder that holds ``manifest.json``. Nothing uploaded as a sweep is ever run. A
Vensim model for the loop diagram (:func:`save_model`) is kept the same way, size-limited, and
is drawn (translated and run) only where the operator allows user models.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from hlssim.errors import HlssimError

#: The kinds of file a sweep folder holds (results, manifest, spec, analysis and its figures).
SWEEP_SUFFIXES = frozenset({".json", ".parquet", ".toml", ".csv", ".png", ".md", ".txt"})


def unpack_sweep(data: bytes, max_mb: int, root: Path | None = None) -> Path:
    """Unpack a zipped sweep folder (``data``) and return the folder holding its manifest.

    The same upload unpacks to the same folder (named by its hash), so re-drawing the page does
    not unpack it again. Raises HlssimError with a plain reason for anything refused.
    """
    limit = max_mb * 1024 * 1024
    if len(data) > limit:
        raise HlssimError(f"the file is {len(data) / 2**20:.0f} MB; at most {max_mb} MB is allowed")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise HlssimError("this is not a zip file") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > 4 * limit:
        raise HlssimError("unpacked, it would be more than four times the size allowed")
    for m in members:
        path = PurePosixPath(m.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in m.filename:
            raise HlssimError(f"it holds a file outside its folder ({m.filename})")
        if (m.external_attr >> 16) & 0o170000 == 0o120000:
            raise HlssimError(f"it holds a link ({m.filename})")
        if path.suffix.lower() not in SWEEP_SUFFIXES:
            raise HlssimError(f"it holds a file a sweep folder does not ({m.filename})")
    manifests = [PurePosixPath(m.filename) for m in members
                 if PurePosixPath(m.filename).name == "manifest.json"]
    if not manifests:
        raise HlssimError("it holds no manifest.json: zip the folder `hlssim sweep` wrote")
    base = Path(root or tempfile.gettempdir()) / "hlssim-uploads"
    target = base / hashlib.sha256(data).hexdigest()[:16]
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix="unpack-", dir=_made(base)))
        for m in members:
            out = staging / Path(*PurePosixPath(m.filename).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(archive.read(m))
        try:
            staging.rename(target)
        except OSError:  # another session unpacked the same upload first
            pass
    shallowest = min(manifests, key=lambda p: len(p.parts))
    return target / Path(*shallowest.parent.parts) if shallowest.parent.parts else target


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: The kinds of model file "your own model" takes (the diagram reads Vensim files).
MODEL_SUFFIXES = frozenset({".mdl"})


def save_model(name: str, data: bytes, max_mb: int, root: Path | None = None) -> Path:
    """Keep an uploaded Vensim model (``data``, uploaded as ``name``) in a fresh folder named by
    its hash, under a plain name, and return its path. Only a server whose operator allows user
    models (``Limits.allow_user_models``) may call this: drawing a model translates it into a
    program and runs it. Raises HlssimError with a plain reason for anything refused."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise HlssimError(f"{name!r} is not a Vensim model (.mdl)")
    if len(data) > max_mb * 1024 * 1024:
        raise HlssimError(f"the file is {len(data) / 2**20:.1f} MB; at most {max_mb} MB is allowed")
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = _made(Path(root or tempfile.gettempdir()) / "hlssim-uploads" / "models" / digest)
    path = folder / f"model{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path
