"""Natural phrasing: templates with inline alternatives and entity slots, rendered with one RNG.

A template is text with two kinds of holes: ``[a|b|c]`` picks one alternative uniformly
(an empty alternative makes the words optional: ``[quickly |]``), and ``{slot}`` inserts
an entity (a person, a topic, a date, a channel...). Alternatives may hold slots but do not
nest. A task is assembled from several such parts (an opener, the family's core, optional
clauses, a closer), so one family has thousands of surface forms rather than one template
string. Templates are parsed once into tokens; rendering is a loop over tokens.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CLOSERS", "OPENERS", "Template", "capitalise", "parse_template"]

_TOKEN = re.compile(r"\[([^\[\]]*)\]|\{([a-z_]+)\}")

# A flat token is a literal string or a slot name wrapped in a 1-tuple; a token is a flat
# token or alternatives (a list of flat-token lists).
FlatToken = str | tuple[str]
Token = FlatToken | list[list[FlatToken]]


def _parse_flat(text: str) -> list[FlatToken]:
    tokens: list[FlatToken] = []
    position = 0
    for match in re.finditer(r"\{([a-z_]+)\}", text):
        if match.start() > position:
            tokens.append(text[position : match.start()])
        tokens.append((match.group(1),))
        position = match.end()
    if position < len(text):
        tokens.append(text[position:])
    return tokens


@dataclass(frozen=True)
class Template:
    """A parsed template: render it with :meth:`render`.

    Attributes
    ----------
    source : str
        The template text as written.
    slots : frozenset[str]
        Every slot the template may use (in any alternative).
    """

    source: str
    tokens: tuple[Token, ...]
    slots: frozenset[str]

    def render(self, rng: random.Random, values: Mapping[str, str]) -> str:
        """Return one surface form: pick an alternative in every ``[...]``, fill every slot."""
        parts: list[str] = []
        for token in self.tokens:
            if isinstance(token, str):
                parts.append(token)
            elif isinstance(token, tuple):
                parts.append(values[token[0]])
            else:
                for sub in token[int(rng.random() * len(token))]:
                    parts.append(sub if isinstance(sub, str) else values[sub[0]])
        return "".join(parts)


def parse_template(text: str) -> Template:
    """Parse ``text`` into a :class:`Template`.

    Examples
    --------
    >>> import random
    >>> parse_template("[send|email] {person} a note").render(random.Random(0), {"person": "Ana"})
    'email Ana a note'
    """
    if text.count("[") != text.count("]"):
        raise ValueError(f"Template {text!r} has unbalanced brackets; alternatives are [a|b].")
    tokens: list[Token] = []
    slots: set[str] = set()
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            tokens.append(text[position : match.start()])
        if match.group(1) is not None:
            alternatives = [_parse_flat(alt) for alt in match.group(1).split("|")]
            tokens.append(alternatives)
            slots.update(re.findall(r"\{([a-z_]+)\}", match.group(1)))
        else:
            tokens.append((match.group(2),))
            slots.add(match.group(2))
        position = match.end()
    if position < len(text):
        tokens.append(text[position:])
    return Template(source=text, tokens=tuple(tokens), slots=frozenset(slots))


def capitalise(text: str) -> str:
    """Upper-case the first character only (``'iPhone'`` stays as is after it)."""
    return text[:1].upper() + text[1:] if text else text


OPENERS: tuple[tuple[str, bool], ...] = (
    ("", False),
    ("", False),
    ("please ", False),
    ("can you ", True),
    ("could you ", True),
    ("hey, can you ", True),
    ("I need you to ", False),
    ("quick one: ", False),
    ("when you get a chance, ", False),
    ("pls ", False),
    ("would you ", True),
    ("go ahead and ", False),
)
"""Sentence openers and whether they make the request a question."""

CLOSERS: tuple[str, ...] = (
    "",
    "",
    "",
    " please",
    ", thanks",
    " asap",
    " today",
    " before {deadline}",
    " by end of day",
    " - thx",
)
"""Endings appended after the last clause (before the final punctuation)."""
