"""Refusing JSON and YAML objects that repeat a key.

``json.loads``, pydantic's JSON parser and PyYAML all keep the *last* value of a repeated
key and drop the others without a word: ``{"task": "read my mail", "task": "wire $900"}``
would train on the second task, and a catalogue entry with two ``"jit_only"`` keys would
keep only one of them. Data that says two things at once is an error of the file, so every
loader of traces and catalogues parses with these and names the repeated key.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from scopecast._issues import short_repr

__all__ = ["DuplicateKeyError", "find_repeated_key", "loads_unique", "safe_load_unique"]


class DuplicateKeyError(ValueError):
    """A JSON or YAML object repeats a key (``key``; ``where`` says where, if known).

    The message quotes the key as error messages quote values (:func:`short_repr`: cut to a
    readable length, and not shown if it looks like a secret)."""

    def __init__(self, key: str, where: str = "") -> None:
        self.key = key
        self.where = where
        place = f" ({where})" if where else ""
        super().__init__(
            f"repeats the key {short_repr(key)} in one object{place}; a parser would keep only the "
            f"last value and drop the others: keep one"
        )


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def loads_unique(text: str | bytes) -> Any:
    """``json.loads`` that raises :class:`DuplicateKeyError` on a repeated key in any object."""
    return json.loads(text, object_pairs_hook=_unique_pairs)


def find_repeated_key(text: str | bytes) -> DuplicateKeyError | None:
    """The first repeated key of valid JSON ``text`` as an error, or ``None`` if there is none.

    Meant for text another parser has already accepted; invalid JSON gives ``None``.
    """
    try:
        loads_unique(text)
    except DuplicateKeyError as err:
        return err
    except ValueError:
        return None
    return None


@functools.cache
def _unique_key_loader() -> type[Any]:
    """PyYAML's safe loader, refusing a mapping that repeats a key (PyYAML imported here:
    only YAML catalogues need it)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: the base class reports it
                    break
                if repeated:
                    mark = key_node.start_mark
                    where = f"line {mark.line + 1}, column {mark.column + 1}"
                    raise DuplicateKeyError(str(key), where)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def safe_load_unique(text: str) -> Any:
    """``yaml.safe_load`` that raises :class:`DuplicateKeyError` on a repeated mapping key."""
    import yaml

    return yaml.load(text, Loader=_unique_key_loader())  # a SafeLoader subclass
