"""Run the command line on mimalloc where the machine has it (Debian: ``libmimalloc2.0``).

Building the corpus is mostly allocating and freeing: Python objects by the thousand per report,
lxml's nodes, pdfium's buffers.  Python's own allocator serves small objects; everything larger goes
to the C library's ``malloc``, and mimalloc serves those calls with fewer instructions than glibc:
the build's worker step over 550 synthetic reports ran 6.4 % fewer instructions (callgrind), and a
10,000-report build took 6 % less CPU (docs/scale.md, "Eleventh session").

The allocator of a process is fixed when it starts, so :func:`use_mimalloc` starts the same command
again with the library preloaded; the build's workers are forked from it and share it.  The programs
the command starts in turn (LibreOffice, tesseract, a crawl) get the environment it had before.
``XXGKNB_MALLOC=system`` keeps the C library's ``malloc``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

LIBRARY = "libmimalloc.so.2"
OPT_OUT = "XXGKNB_MALLOC"
#: Set by the restart to what LD_PRELOAD was before it ("" when unset): also says the restart happened.
_PRELOAD_BEFORE = "XXGKNB_PRELOAD_BEFORE"


def mimalloc_library() -> str | None:
    """Path of the mimalloc shared library, if installed."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for directory in (f"/usr/lib/{multiarch}", "/usr/lib", "/usr/local/lib"):
        candidate = Path(directory, LIBRARY)
        if candidate.is_file():
            return str(candidate)
    return None


def use_mimalloc() -> None:
    """Restart this process on mimalloc (the same command line, the library preloaded), unless it
    cannot or has (no library, opted out); after the restart, make what it starts get the
    LD_PRELOAD this process had before."""
    if _PRELOAD_BEFORE in os.environ:
        before = os.environ.pop(_PRELOAD_BEFORE)
        if before:
            os.environ["LD_PRELOAD"] = before
        else:
            del os.environ["LD_PRELOAD"]
        return
    library = mimalloc_library()
    if library is None or os.environ.get(OPT_OUT) == "system" or not sys.executable or not sys.orig_argv:
        return
    before = os.environ.get("LD_PRELOAD", "")
    environment = {**os.environ, _PRELOAD_BEFORE: before, "LD_PRELOAD": f"{library} {before}".strip()}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, sys.orig_argv, environment)
    except OSError:
        return  # carry on with the C library's malloc


def allocator_in_use() -> str:
    """``mimalloc`` when this process has it loaded, else ``system``."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return "system"
    return "mimalloc" if "libmimalloc" in maps else "system"
