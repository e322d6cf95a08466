"""What a draft is building: the `parse` block, the indicators, and the comments that give the
evidence for each field (keyed by dotted field path, e.g. "parse.region")."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Plan:
    parse: dict = field(default_factory=dict)
    indicators: list[dict] = field(default_factory=list)
    comments: dict[str, list[str]] = field(default_factory=dict)
    schedule: str = "tahunan"
    summary: list[str] = field(default_factory=list)  # short lines for the terminal
    value_columns: list[int] = field(default_factory=list)  # the columns the layout reads
    column_codes: dict[int, str] = field(default_factory=dict)  # value column -> indicator

    def say(self, path: str, text: str) -> None:
        """A comment above field `path` ("parse._": at the end of the parse block)."""
        self.comments.setdefault(path, []).append(text)
