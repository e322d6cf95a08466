"""A figure's status from words: "Angka sementara", "angka perbaikan", "proyeksi", a lone "*".

Agencies mark status in a remark column or in the header ("2024*", "2024 (Angka Sementara)").
The entry's own `parse.status.words` (regular expression -> status) are tried first, then the
defaults (sources.catalog.DEFAULT_STATUS_WORDS). Text that says nothing about status is final.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sources.catalog import DEFAULT_STATUS_WORDS, ParseSpec


class StatusWords:
    """Reads status words with an entry's rules first, then the defaults."""

    def __init__(self, spec: ParseSpec) -> None:
        own = spec.status.words if spec.status else {}
        rules = {**own, **{k: v for k, v in DEFAULT_STATUS_WORDS.items() if k not in own}}
        self._rules = [(re.compile(p, re.IGNORECASE), status) for p, status in rules.items()]
        self.read = lru_cache(maxsize=4096)(self._read)

    def _read(self, text: str) -> str | None:
        """The status `text` names, or None when it names none."""
        text = text.strip()
        if not text:
            return None
        return next((status for pattern, status in self._rules if pattern.search(text)), None)


def stronger(a: str | None, b: str | None) -> str | None:
    """The status that wins when two sources of status disagree: an estimate stays an estimate,
    a provisional figure stays provisional."""
    return a if _ORDER[a] >= _ORDER[b] else b


_ORDER = {None: 0, "final": 1, "sementara": 2, "perkiraan": 3}
