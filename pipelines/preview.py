"""Markdown previews of frames for Dagster metadata."""

from __future__ import annotations

import polars as pl


def markdown_preview(frame: pl.DataFrame, *, rows: int = 10, width: int = 60) -> str:
    """The first `rows` rows as a Markdown table, long cells cut to `width` characters."""
    if frame.width == 0:
        return "_(no columns)_"
    head = frame.head(rows).with_columns(
        pl.all().cast(pl.String).str.slice(0, width).str.replace_all(r"[|\n]", " ")
    )
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * head.width]
    lines += ["| " + " | ".join("" if v is None else v for v in row) + " |"
              for row in head.iter_rows()]
    if frame.height > rows:
        lines.append(f"\n_{frame.height - rows} more rows_")
    return "\n".join(lines)
