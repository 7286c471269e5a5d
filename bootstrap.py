"""Set up (or refresh) the project's virtual environment from the lock file.

    python3 bootstrap.py

Creates `.venv/` beside this file, installs `requirements.lock` (pinned, with hashes) and the
project itself in editable mode. Re-running is cheap: nothing is reinstalled while the lock file
is unchanged. Only the Python standard library is used here, so a fresh machine with Python 3.11+
and pip is enough.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".lock-sha256"


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (runs before the venv exists)
        print("newsfacts needs Python 3.11 or newer", file=sys.stderr)
        return 2
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return 0
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print("installing pinned dependencies from requirements.lock ...", flush=True)
    subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(digest + "\n")
    print("environment ready: .venv/bin/newsfacts", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
