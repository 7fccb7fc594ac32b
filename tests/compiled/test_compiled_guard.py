"""parsers._compiled on real Cython-compiled modules: a .so runs only if built from the .py beside it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import parsers

PROJECT = Path(parsers.__file__).parent.parent
GUARDED_PACKAGE = """
from pathlib import Path

from parsers._compiled import use_compiled_modules_only_if_current

use_compiled_modules_only_if_current(Path(__file__).parent)
"""
REPORT_MODULES = """
import sys
import guarded.kept, guarded.edited, guarded.unrecorded
for module in (guarded.kept, guarded.edited, guarded.unrecorded):
    print(module.__name__, module.VERSION, "compiled" if module.__file__.endswith(".so") else "source")
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": f"{cwd}{os.pathsep}{PROJECT}"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=True
    )


def record(package: Path, names: list[str]) -> None:
    """The manifest setup.py writes: the sha256 of each compiled source, by path from the project."""
    manifest = {
        f"guarded/{name}.py": hashlib.sha256((package / f"{name}.py").read_bytes()).hexdigest() for name in names
    }
    (package / "_compiled.json").write_text(json.dumps(manifest))


def imported(result: subprocess.CompletedProcess) -> dict[str, tuple[str, str]]:
    return {name: (version, kind) for name, version, kind in (line.split() for line in result.stdout.splitlines())}


@pytest.fixture(scope="module")
def compiled_package(tmp_path_factory) -> Path:
    """A package ``guarded`` with three modules compiled by Cython beside their sources."""
    pytest.importorskip("Cython", reason="the guard is tested on modules compiled by Cython")
    root = tmp_path_factory.mktemp("compiled")
    package = root / "guarded"
    package.mkdir()
    (package / "__init__.py").write_text(GUARDED_PACKAGE)
    for name in ("kept", "edited", "unrecorded"):
        (package / f"{name}.py").write_text('VERSION = "built"\n')
    build = textwrap.dedent("""
        from setuptools import setup
        from Cython.Build import cythonize
        setup(ext_modules=cythonize(["guarded/kept.py", "guarded/edited.py", "guarded/unrecorded.py"],
                                    build_dir="build/cython", quiet=True),
              script_args=["build_ext", "--inplace", "-j", "2"])
    """)
    run(["-c", build], root)
    assert len(list(package.glob("*.so"))) == 3
    return package


def test_modules_compiled_from_their_sources_run_compiled_without_warning(compiled_package):
    (compiled_package / "edited.py").write_text('VERSION = "built"\n')
    record(compiled_package, ["kept", "edited", "unrecorded"])
    result = run(["-W", "default", "-c", REPORT_MODULES], compiled_package.parent)
    assert imported(result) == {
        "guarded.kept": ("built", "compiled"),
        "guarded.edited": ("built", "compiled"),
        "guarded.unrecorded": ("built", "compiled"),
    }
    assert "StaleCompiledModule" not in result.stderr


def test_an_edited_or_unrecorded_source_runs_instead_of_its_compiled_module_with_one_warning(compiled_package):
    record(compiled_package, ["kept", "edited"])
    (compiled_package / "edited.py").write_text('VERSION = "edited"\n')
    result = run(["-W", "default", "-c", REPORT_MODULES], compiled_package.parent)
    assert imported(result) == {
        "guarded.kept": ("built", "compiled"),
        "guarded.edited": ("edited", "source"),
        "guarded.unrecorded": ("built", "source"),
    }
    warnings = [line for line in result.stderr.splitlines() if "StaleCompiledModule" in line]
    assert len(warnings) == 1
    assert "guarded/edited.py, guarded/unrecorded.py: changed since compiled" in warnings[0]
    assert "recompile with pip install -e ." in warnings[0]


def test_without_a_manifest_no_compiled_module_runs(compiled_package):
    (compiled_package / "_compiled.json").unlink(missing_ok=True)
    result = run(["-W", "default", "-c", REPORT_MODULES], compiled_package.parent)
    assert {kind for _, kind in imported(result).values()} == {"source"}
