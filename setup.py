"""Build the C extensions: the PDF reader's loops, the HTML reader's cells, and the hot parser
modules compiled by Cython.

The compiled parser modules are the unchanged ``.py`` files turned into C (``CYTHON_MODULES``);
they run the same code ~10 % faster.  Each build records the sha256 of every source it
compiled in ``parsers/_compiled.json``, and ``parsers._compiled`` runs a module's ``.py``
instead of its ``.so`` whenever the two differ, so an edited or pulled ``.py`` is never
shadowed by a stale build.  Without Cython the project installs as pure Python.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The modules a build worker spends its time in (docs/parsing.md, "Compiled parser modules").
CYTHON_MODULES = [
    "parsers/cms/article.py",
    "parsers/cms/base.py",
    "parsers/formats/_limits.py",
    "parsers/formats/docx.py",
    "parsers/formats/html.py",
    "parsers/formats/pdf.py",
    "parsers/formats/text.py",
    "parsers/model.py",
    "parsers/regions.py",
    "parsers/report/labels.py",
    "parsers/report/metadata.py",
    "parsers/report/rules.py",
    "parsers/report/sections.py",
    "parsers/report/tables.py",
]
MANIFEST = "parsers/_compiled.json"
COMPILE_CORES = 2
CYTHON_BUILD_DIR = "build/cython"

# The PDF reader's loops over page objects, characters and table cells (plain C, no library to link).
pdf_loops = Extension("parsers.formats._pdf_loops", ["parsers/formats/_pdf_loops.c"])


def html_cells_extension() -> Extension:
    """The HTML reader's cells read from lxml's tree: compiled against the headers lxml ships (its
    ``etree.h`` and libxml2's), which is why lxml is a build requirement."""
    import lxml

    return Extension(
        "parsers.formats._html_cells", ["parsers/formats/_html_cells.c"], include_dirs=lxml.get_include()
    )


def source_sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cython_extensions() -> tuple[list[Extension], dict[str, str]]:
    """The compiled parser modules, and the sha256 of the source each is compiled from."""
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("Cython is not installed: the parser modules stay pure Python")
        return [], {}
    hashes = {source: source_sha256(source) for source in CYTHON_MODULES}
    # Cython regenerates a .c file only when its .py is newer; one whose source has other
    # contents than last time (a checkout that kept an old timestamp) must be regenerated too.
    for source, sha256 in hashes.items():
        generated = Path(CYTHON_BUILD_DIR, source).with_suffix(".c")
        generated_from = generated.with_suffix(".sha256")
        if generated_from.exists() and generated_from.read_text() != sha256:
            generated.unlink(missing_ok=True)
        generated_from.parent.mkdir(parents=True, exist_ok=True)
        generated_from.write_text(sha256)
    extensions = [Extension(source[:-3].replace("/", "."), [source]) for source in CYTHON_MODULES]
    compiled = cythonize(
        extensions,
        build_dir=CYTHON_BUILD_DIR,
        nthreads=COMPILE_CORES,
        quiet=True,
        # The modules are plain Python: annotations are documentation, not C types.
        compiler_directives={"binding": True, "annotation_typing": False, "language_level": 3},
    )
    return compiled, hashes


cython_modules, compiled_sources = cython_extensions()


class BuildExtRecordingSources(build_ext):
    """build_ext on two cores that writes the sha256 of each source Cython compiled beside the modules."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:
            self.parallel = COMPILE_CORES

    def run(self) -> None:
        super().run()
        if not compiled_sources:
            return
        manifest = Path("." if self.inplace else self.build_lib, MANIFEST)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(compiled_sources, indent=1, sort_keys=True) + "\n")


setup(
    ext_modules=[pdf_loops, html_cells_extension(), *cython_modules],
    cmdclass={"build_ext": BuildExtRecordingSources},
)
