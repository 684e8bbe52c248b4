"""How long each lecture demo takes with its default settings (target: under 10 s each),
run as ``micrograd-plus demo NAME`` would, in a fresh process each.

    python benchmarks/demos.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from micrograd_plus.cli import demo_files


def main() -> None:
    print(f"{'demo':<20}{'seconds':>9}")
    slowest = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name in demo_files():
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "micrograd_plus", "demo", name, "--out", f"{folder}/{name}"],
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - start
            slowest = max(slowest, seconds)
            status = "" if done.returncode == 0 else f"  FAILED: {done.stderr.strip()[-200:]}"
            print(f"{name:<20}{seconds:>9.1f}{status}")
    print(f"slowest: {slowest:.1f} s (target: under 10 s)")


if __name__ == "__main__":
    main()
