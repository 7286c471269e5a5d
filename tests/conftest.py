"""Shared fixtures: repository paths, the example article, a scratch warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "articles"
EXAMPLE = SEEDS / "example_north_korea_donetsk.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty warehouse directory; the environment variable points elsewhere on purpose."""
    monkeypatch.setenv("NEWSFACTS_WAREHOUSE", str(tmp_path / "not-this-one"))
    return tmp_path / "wh"


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A folder holding only the example article."""
    folder = tmp_path / "example"
    folder.mkdir()
    (folder / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    return folder


def shared_or_skip(*parts: str) -> Path:
    """A path inside ../shared, or skip the test when the folder is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared ({'/'.join(parts)}), absent in this checkout")
    return path


