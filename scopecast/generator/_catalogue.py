"""The generator's catalogue of real providers, and the capability-to-tool index drawn from it.

:func:`default_catalogue` is the bundled catalogue (``data/catalogue.json``): every tool of
:data:`~scopecast.generator._tools.TOOL_TABLE` and the long tail, every scope of
:data:`~scopecast.generator._scopes.SCOPE_TABLE`. :func:`build_tool_index` turns a catalogue
into what generation needs: for each capability and provider, the tool variants the
catalogue knows, with exactly the catalogue's scopes. A caller's own catalogue restricts
the world to the tools it knows (a step with no known tool is skipped) and adds every tool
the generative model does not know to the long tail, phrased from its description.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from scopecast.catalogue import Catalogue, ScopeSpec, ToolSpec
from scopecast.exceptions import CatalogueError, ConfigError
from scopecast.generator._phrasing import Template, parse_template
from scopecast.generator._scopes import SCOPE_TABLE
from scopecast.generator._tools import TAIL_TABLE, TOOL_TABLE

__all__ = ["TailTool", "ToolIndex", "ToolVariant", "build_tool_index", "default_catalogue"]

DENIAL_RISK = 0.6
"""Calls needing a scope at least this risky may be denied by the user."""


@dataclass(frozen=True, slots=True)
class ToolVariant:
    """One tool as generation uses it: its name, scopes and whether a user may deny it."""

    name: str
    scopes: tuple[str, ...]
    deniable: bool


@dataclass(frozen=True, slots=True)
class TailTool:
    """A rare tool reached through an optional clause of the task."""

    variant: ToolVariant
    weight: float
    suite: str | None
    clauses: tuple[Template, ...]


@dataclass(frozen=True)
class ToolIndex:
    """Capability -> provider -> tool variants, plus the long tail, for one catalogue.

    Attributes
    ----------
    variants : dict[str, dict[str, tuple[ToolVariant, ...]]]
        For each capability, the variants each provider offers (in table order).
    tail : tuple[TailTool, ...]
        Rare tools, in table order (then the caller's extra tools, sorted by name).
    """

    variants: dict[str, dict[str, tuple[ToolVariant, ...]]]
    tail: tuple[TailTool, ...]

    def options(self, capability: str, provider: str) -> tuple[ToolVariant, ...]:
        """The variants of ``capability`` on ``provider`` (empty when there are none)."""
        return self.variants.get(capability, {}).get(provider, ())


def _rows(table: str) -> Iterator[list[str]]:
    for line in table.strip().splitlines():
        if line.strip() and not line.startswith("#"):
            yield [part.strip() for part in line.split("|")]


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """Return the generator's catalogue of real providers (tools, scopes, risk, ``jit_only``, ``implies``).

    Examples
    --------
    >>> catalogue = default_catalogue()
    >>> catalogue.tool("gmail.send_message").scopes
    ('google:gmail.send',)
    >>> sorted(catalogue.closure(["google:gmail.modify"]))[:2]
    ['google:gmail.compose', 'google:gmail.labels']
    """
    scopes = [
        ScopeSpec(
            name=name,
            risk=float(risk),
            jit_only=jit == "jit",
            implies=tuple(implies.split()),
            description=description,
        )
        for name, risk, jit, implies, description in _rows(SCOPE_TABLE)
    ]
    tools: dict[str, ToolSpec] = {}
    rows = [(tool, scopes_, desc) for _, _, tool, scopes_, desc in _rows(TOOL_TABLE)]
    rows += [(tool, scopes_, desc) for tool, scopes_, _, _, desc, _ in _rows(TAIL_TABLE)]
    for tool, scope_text, description in rows:
        spec = ToolSpec(name=tool, scopes=tuple(scope_text.split()), description=description)
        known = tools.get(tool)
        if known is not None and known.scopes != spec.scopes:
            raise CatalogueError(
                f"The generator's tool table lists {tool!r} twice with different scopes: "
                f"{list(known.scopes)} and {list(spec.scopes)}. One tool needs one scope set."
            )
        tools.setdefault(tool, spec)
    catalogue = Catalogue(tools=tuple(tools.values()), scopes=tuple(scopes))
    described = {spec.name for spec in catalogue.scopes}
    undescribed = sorted(catalogue.all_scopes - described)
    if undescribed:
        raise CatalogueError(
            f"The generator's tools need scopes its scope table does not describe: {undescribed}. "
            f"Add them to SCOPE_TABLE."
        )
    return catalogue


def _variant(spec: ToolSpec, catalogue: Catalogue) -> ToolVariant:
    deniable = any(catalogue.risk(scope) >= DENIAL_RISK for scope in spec.scopes)
    return ToolVariant(spec.name, tuple(spec.scopes), deniable)


def _tail_clauses(spec: ToolSpec) -> tuple[Template, ...]:
    description = (spec.description or f"use {spec.name}").strip().rstrip(".")
    text = description[:1].lower() + description[1:]
    return (
        parse_template(
            text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
        ),
    )


def build_tool_index(catalogue: Catalogue | None = None) -> ToolIndex:
    """Index ``catalogue`` (default: :func:`default_catalogue`) by capability and provider.

    Raises
    ------
    ConfigError
        If the catalogue knows none of the generator's tools, so no task can be generated.
    """
    catalogue = catalogue if catalogue is not None else default_catalogue()
    variants: dict[str, dict[str, list[ToolVariant]]] = {}
    modelled: set[str] = set()
    for capability, provider, tool, _, _ in _rows(TOOL_TABLE):
        modelled.add(tool)
        spec = catalogue.tool(tool)
        if spec is None:
            continue
        variants.setdefault(capability, {}).setdefault(provider, []).append(
            _variant(spec, catalogue)
        )
    if not variants:
        raise ConfigError(
            "The catalogue given to the generator knows none of its tools (e.g. "
            "'gmail.send_message', 'slack.chat_post_message'), so no task can be generated. "
            "Pass a catalogue that extends the bundled data/catalogue.json, or none."
        )
    tail: list[TailTool] = []
    for tool, _, rank, suite, _, clauses in _rows(TAIL_TABLE):
        modelled.add(tool)
        spec = catalogue.tool(tool)
        if spec is None:
            continue
        tail.append(
            TailTool(
                _variant(spec, catalogue),
                1.0 / float(rank) ** 1.1,
                None if suite == "-" else suite,
                tuple(parse_template(c.strip()) for c in clauses.split(";")),
            )
        )
    extra = sorted(
        (spec for spec in catalogue.tools if spec.name not in modelled), key=lambda s: s.name
    )
    tail.extend(
        TailTool(_variant(spec, catalogue), 0.05, None, _tail_clauses(spec)) for spec in extra
    )
    frozen = {
        cap: {prov: tuple(v) for prov, v in by_provider.items()}
        for cap, by_provider in variants.items()
    }
    return ToolIndex(frozen, tuple(tail))
