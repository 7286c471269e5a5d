"""Progress of long builds: a one-line bar on a terminal, plain periodic lines in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work done; prints at most every `every` seconds (and at the end)."""

    def __init__(self, stage: str, *, total: float | None = None, unit: str = "articles",
                 stream: TextIO | None = None, enabled: bool = True, every: float = 2.0) -> None:
        self.stage, self.total, self.unit = stage, total, unit
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.every = every if not self.stream.isatty() else 0.2
        self.done = 0.0
        self.mb = 0.0
        self.t0 = self._last = time.monotonic()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.t0, 1e-9)
        rate = self.done / elapsed
        text = f"{self.stage}: {self.done:,.0f}"
        if self.total:
            pct = 100 * self.done / self.total
            left = (self.total - self.done) / rate if rate else 0
            text += f"/{self.total:,.0f} {self.unit} ({pct:.0f}%, ~{left:.0f}s left)"
        else:
            text += f" {self.unit}"
        if self.mb:
            text += f", {self.mb:,.1f} MB at {self.mb / elapsed:.1f} MB/s"
        return text + f", {rate:,.0f} {self.unit}/s, {elapsed:.0f}s"

    def update(self, n: float = 1, *, mb: float = 0.0) -> None:
        self.done += n
        self.mb += mb
        now = time.monotonic()
        if self.enabled and now - self._last >= self.every:
            self._emit()
            self._last = now

    def close(self) -> None:
        if self.enabled:
            self._emit(final=True)

    def _emit(self, *, final: bool = False) -> None:
        if self.stream.isatty():
            self.stream.write("\r\033[K" + self.line() + ("\n" if final else ""))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()
