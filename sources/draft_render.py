"""Write a drafted entry as commented YAML: values through yaml.safe_dump, comments by field.

Comments are keyed by dotted field path ("parse.region"); a comment whose field is not in the
entry (a default the draft kept, such as `decimal: comma`) is written at the end of its parent.
"""

from __future__ import annotations

import yaml

# Mappings written on one line, as the hand-written catalog entries do (when they fit).
FLOW = {"agency", "parse.region", "parse.period", "parse.status"}
WRAP = 96  # comment lines are wrapped below the ruff line length the repo uses


def render(entry: dict, comments: dict[str, list[str]], preamble: list[str] = ()) -> str:
    """The entry as YAML with `preamble` lines and `comments` (field path -> lines) as `#`
    comments; raises AssertionError if the text would not read back as `entry`."""
    lines = [f"# {line}" if line else "#" for line in preamble]
    _mapping(entry, "", 0, comments, lines)
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != entry:  # a rendering bug must not write a different entry
        raise AssertionError("the drafted YAML does not read back as the drafted entry")
    return text


def _mapping(data: dict, prefix: str, indent: int, comments, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        path = f"{prefix}{key}"
        _comments(comments.get(path, []), pad, lines)
        head = f"{pad}{_scalar(key)}:"
        flow = path in FLOW and len(head) + len(_scalar(value)) < WRAP
        if isinstance(value, dict) and value and not flow:
            lines.append(head)
            _mapping(value, f"{path}.", indent + 2, comments, lines)
        elif isinstance(value, list) and value and (_long(value) or _has_mapping(value)):
            lines.append(head)
            for item in value:
                if isinstance(item, dict):
                    _item(item, f"{path}.", indent + 2, comments, lines)
                else:
                    lines.append(f"{pad}  - {_scalar(item)}")
        else:
            lines.append(f"{head} {_scalar(value)}")
    for path, texts in comments.items():  # about fields left at their default
        parent, _, key = path.rpartition(".")
        if parent == prefix.rstrip(".") and key not in data:
            _comments(texts, pad, lines)


def _item(item: dict, prefix: str, indent: int, comments, lines: list[str]) -> None:
    inner: list[str] = []
    _mapping(item, prefix, indent + 2, {}, inner)
    first = inner[0]
    lines.append(" " * indent + "- " + first[indent + 2 :])
    lines.extend(inner[1:])


def _comments(texts: list[str], pad: str, lines: list[str]) -> None:
    for text in texts:
        words, line = text.split(), ""
        for word in words:
            if line and len(pad) + 2 + len(line) + 1 + len(word) > WRAP:
                lines.append(f"{pad}# {line}")
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(f"{pad}# {line}")


def _has_mapping(values: list) -> bool:
    return any(isinstance(v, dict) for v in values)


def _long(values: list) -> bool:
    return sum(len(str(v)) for v in values) > 60


def _scalar(value: object) -> str:
    if isinstance(value, dict | list):
        text = yaml.safe_dump(
            value, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False
        )
    else:
        text = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    text = text.strip()
    return text[: -len("...")].strip() if text.endswith("\n...") or text.endswith("...") else text
