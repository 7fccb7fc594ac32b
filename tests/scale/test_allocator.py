"""xxgknb.allocator: the command line restarts itself on mimalloc; what it starts gets the environment it had."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from xxgknb.allocator import LIBRARY, mimalloc_library

# The restart as main() does it, then what this process and a program it starts see.
PROBE = (
    "import json, os, subprocess, sys\n"
    "from xxgknb.allocator import allocator_in_use, use_mimalloc\n"
    "use_mimalloc()\n"
    "child = subprocess.run([sys.executable, '-c', 'import os; print(os.environ.get(\"LD_PRELOAD\"))'],\n"
    "                       capture_output=True, text=True).stdout.strip()\n"
    "print(json.dumps([allocator_in_use(), os.environ.get('LD_PRELOAD'), child, sys.argv[1:]]))\n"
)


def probe(*args: str, **environment: str) -> list:
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "XXGKNB_MALLOC")} | environment
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_machine_has_mimalloc():
    # run.sh installs Debian's libmimalloc2.0; without it the command line silently keeps glibc's malloc
    assert mimalloc_library() is not None, f"{LIBRARY} not installed (Debian package libmimalloc2.0)"


def test_restart_loads_mimalloc_and_keeps_the_arguments():
    assert probe("build", "--data", "some dir") == ["mimalloc", None, "None", ["build", "--data", "some dir"]]


def test_programs_started_afterwards_get_the_preload_they_had():
    other = "/lib/x86_64-linux-gnu/libz.so.1" if os.path.exists("/lib/x86_64-linux-gnu/libz.so.1") else ""
    in_use, own, child, _ = probe(LD_PRELOAD=other)
    assert in_use == "mimalloc"
    assert own == (other or None)
    assert child == (other or "None")


def test_opting_out_keeps_the_system_malloc():
    assert probe(XXGKNB_MALLOC="system")[:3] == ["system", None, "None"]
