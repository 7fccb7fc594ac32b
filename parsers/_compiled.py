"""Run a compiled parser module only if it was compiled from exactly the ``.py`` beside it.

``setup.py`` compiles the hot parser modules with Cython into ``.so`` files beside their
sources and records each source's sha256 in ``_compiled.json``.  Python would import such a
``.so`` in preference to the ``.py`` even after the ``.py`` was edited or changed by a pull, so
:func:`use_compiled_modules_only_if_current` (called by ``parsers/__init__.py`` before any
other submodule is imported) puts a finder in front of the import system that imports the
``.py`` of every module whose source no longer matches the record, and warns once.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
MANIFEST_NAME = "_compiled.json"
RECOMPILE = "pip install -e . (from the project's directory)"


class StaleCompiledModule(RuntimeWarning):
    """A compiled parser module is older than its source, which is run instead (more slowly)."""


class SourceInsteadOfStaleCompiled(importlib.abc.MetaPathFinder):
    """Finds the ``.py`` of the named modules, whose ``.so`` was compiled from another source."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        source = self.sources.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(
            fullname, source, loader=importlib.machinery.SourceFileLoader(fullname, str(source))
        )


def compiled_sources(package_dir: Path) -> list[Path]:
    """Every ``.py`` in the package that has a compiled module beside it."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = []
    for directory, _, files in os.walk(package_dir):
        for name in files:
            if name.endswith(suffixes):
                source = Path(directory, name.split(".", 1)[0] + ".py")
                if source.exists():
                    found.append(source)
    return sorted(found)


def stale_sources(package_dir: Path) -> list[Path]:
    """The sources whose compiled module was built from other contents, or not recorded."""
    sources = compiled_sources(package_dir)
    if not sources:
        return []
    manifest = package_dir / MANIFEST_NAME
    recorded = json.loads(manifest.read_bytes()) if manifest.exists() else {}
    root = package_dir.parent
    return [
        source
        for source in sources
        if recorded.get(source.relative_to(root).as_posix()) != hashlib.sha256(source.read_bytes()).hexdigest()
    ]


def use_compiled_modules_only_if_current(package_dir: Path = PACKAGE_DIR) -> None:
    """Make the package in ``package_dir`` import the source of every stale compiled module."""
    stale = stale_sources(package_dir)
    if not stale:
        return
    root = package_dir.parent
    names = {".".join(source.relative_to(root).with_suffix("").parts): source for source in stale}
    sys.meta_path.insert(0, SourceInsteadOfStaleCompiled(names))
    listed = ", ".join(source.relative_to(root).as_posix() for source in stale)
    warnings.warn(
        f"{listed}: changed since compiled, so the .py is run (slower); recompile with {RECOMPILE}",
        StaleCompiledModule,
        stacklevel=2,
    )
