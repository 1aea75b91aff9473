"""Print one benchmark section as a few readable lines (figures and their ratios)."""

from __future__ import annotations


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value == 0 or 1e-3 <= abs(value) < 1e6:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return str(value)


def _lines(prefix: str, data: object) -> list[str]:
    if isinstance(data, dict):
        out: list[str] = []
        for key, value in data.items():
            out.extend(_lines(f"{prefix}.{key}" if prefix else str(key), value))
        return out
    return [f"  {prefix:<58} {_fmt(data)}"]


def print_section(name: str, data: dict[str, object]) -> None:
    """Print every figure of a section, one per line, keys flattened with dots."""
    print(f"-- {name}")
    for line in _lines("", data):
        print(line)
