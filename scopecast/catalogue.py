"""The scope catalogue: which scopes each tool needs, and each scope's risk, ``jit_only`` and ``implies``.

The catalogue is what the guard consults at the point of execution (a tool not in it is
refused: fail closed) and what the policy weighs (risk of holding a scope unused, scopes
never to be asked before the start, hierarchies such as ``gmail.modify`` granting
``gmail.readonly``). A catalogue can be derived from traces and merged with a written one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scopecast._issues import issues_from_validation, short_repr
from scopecast._types import Scope, ToolName, provider_of
from scopecast._unique_keys import DuplicateKeyError, loads_unique, safe_load_unique
from scopecast.exceptions import CatalogueError, DataValidationError
from scopecast.traces import Trace

__all__ = [
    "DEFAULT_RISK",
    "Catalogue",
    "CatalogueConflict",
    "ScopeSpec",
    "ToolSpec",
    "catalogue_from_mapping",
    "derive_catalogue",
    "load_catalogue",
    "merge_catalogues",
    "save_catalogue",
]

DEFAULT_RISK = 0.5
"""Risk of a scope the catalogue does not describe (the format's default)."""

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class ToolSpec(BaseModel):
    """A tool and the scopes every call of it needs."""

    model_config = _STRICT

    name: ToolName = Field(description="Tool name as the agent's toolset names it.")
    scopes: tuple[Scope, ...] = Field(description="Scopes the tool needs (may be empty).")
    description: str | None = Field(default=None, description="What the tool does.")


class ScopeSpec(BaseModel):
    """A scope and what holding it costs."""

    model_config = _STRICT

    name: Scope = Field(description="Scope string 'provider:name'.")
    risk: float = Field(
        default=DEFAULT_RISK, ge=0.0, le=1.0, description="Cost of holding it unused, in [0, 1]."
    )
    jit_only: bool = Field(
        default=False, description="Never requested before the agent starts; only at first use."
    )
    implies: tuple[Scope, ...] = Field(
        default=(), description="Scopes that holding this one also grants."
    )
    description: str | None = Field(default=None, description="What the scope allows.")

    @property
    def provider(self) -> str:
        """The provider (one consent screen) this scope belongs to."""
        return provider_of(self.name)


class Catalogue(BaseModel):
    """Tools and scopes, with lookups and the ``implies`` closure.

    Tool names and scope names must be unique, and ``implies`` must not form a cycle.
    A scope used by a tool but not described in ``scopes`` gets the defaults
    (risk 0.5, not ``jit_only``, implies nothing).
    """

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, ignored_types=(cached_property,)
    )

    tools: tuple[ToolSpec, ...] = Field(default=(), description="Known tools.")
    scopes: tuple[ScopeSpec, ...] = Field(default=(), description="Described scopes.")

    @model_validator(mode="after")
    def _check_consistent(self) -> Catalogue:
        for kind, names in (
            ("tool", [t.name for t in self.tools]),
            ("scope", [s.name for s in self.scopes]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(
                        f"{kind} {name!r} is listed twice; each {kind} may appear once"
                    )
                seen.add(name)
        self._implies_closure_map()  # raises on a cycle
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, a new catalogue validated as any other.

        pydantic's copy does not validate and would keep this catalogue's cached lookups
        (its scopes' risks, ``jit_only`` and ``implies`` closure), so a copy with new
        ``scopes`` would answer with the old ones: a scope newly marked ``jit_only`` could be
        asked up front.
        """
        if not update:
            return super().model_copy(deep=deep)
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate({**fields, **update})

    @cached_property
    def _tools_by_name(self) -> dict[str, ToolSpec]:
        return {tool.name: tool for tool in self.tools}

    @cached_property
    def _scopes_by_name(self) -> dict[str, ScopeSpec]:
        return {scope.name: scope for scope in self.scopes}

    @cached_property
    def _closure(self) -> dict[str, frozenset[str]]:
        return self._implies_closure_map()

    def _implies_closure_map(self) -> dict[str, frozenset[str]]:
        direct = {scope.name: tuple(scope.implies) for scope in self.scopes}
        closure: dict[str, frozenset[str]] = {}

        def visit(name: str, path: tuple[str, ...]) -> frozenset[str]:
            if name in path:
                cycle = " -> ".join((*path[path.index(name) :], name))
                raise CatalogueError(
                    f"The catalogue's 'implies' relation has a cycle: {cycle}. A scope cannot "
                    f"imply itself, directly or through others; remove one of these links."
                )
            if name in closure:
                return closure[name]
            result = {name}
            for implied in direct.get(name, ()):
                result |= visit(implied, (*path, name))
            closure[name] = frozenset(result)
            return closure[name]

        for name in direct:
            visit(name, ())
        return closure

    # -- lookups -------------------------------------------------------------------------

    def tool(self, name: str) -> ToolSpec | None:
        """Return the tool called ``name``, or ``None`` if the catalogue does not know it."""
        return self._tools_by_name.get(name)

    def scope(self, name: str) -> ScopeSpec:
        """Return the description of scope ``name`` (defaults if it is not described)."""
        spec = self._scopes_by_name.get(name)
        return spec if spec is not None else ScopeSpec(name=name)

    def has_scope(self, name: str) -> bool:
        """Whether ``name`` is described in ``scopes`` or needed by a tool."""
        return name in self._scopes_by_name or name in self.all_scopes

    def risk(self, name: str) -> float:
        """Cost of holding ``name`` unused (0.5 when it is not described)."""
        return self.scope(name).risk

    def is_jit_only(self, name: str) -> bool:
        """Whether ``name`` may only be asked at the point of execution."""
        return self.scope(name).jit_only

    def implies_jit_only(self, name: str) -> bool:
        """Whether ``name`` is ``jit_only`` or implies a ``jit_only`` scope: granting it
        ahead of a call would grant that scope, so it too waits for its point of execution."""
        return any(map(self.is_jit_only, self.closure((name,))))

    @cached_property
    def all_scopes(self) -> frozenset[str]:
        """Every scope the catalogue describes or a tool needs, and every implied scope."""
        names = {scope.name for scope in self.scopes}
        names.update(s for tool in self.tools for s in tool.scopes)
        names.update(s for scope in self.scopes for s in scope.implies)
        return frozenset(names)

    @cached_property
    def providers(self) -> frozenset[str]:
        """Every provider with at least one scope in the catalogue."""
        return frozenset(provider_of(name) for name in self.all_scopes)

    @cached_property
    def cross_provider_implications(self) -> tuple[tuple[str, str], ...]:
        """``(scope, implied)`` pairs, sorted, where ``scope`` implies (directly) a scope of
        another provider. The format allows them; an OAuth token covers only its own
        provider's scopes, so :class:`~scopecast.runtime.ScopeGuard` warns about them."""
        return tuple(
            sorted(
                (scope.name, implied)
                for scope in self.scopes
                for implied in scope.implies
                if provider_of(implied) != provider_of(scope.name)
            )
        )

    def closure(self, scopes: Iterable[str]) -> frozenset[str]:
        """Return ``scopes`` plus everything they imply, transitively."""
        result: set[str] = set()
        for name in scopes:
            result |= self._closure.get(name, frozenset((name,)))
        return frozenset(result)

    def covers(self, granted: Iterable[str], needed: Iterable[str]) -> bool:
        """Whether ``granted`` (closed under ``implies``) contains every scope in ``needed``."""
        return frozenset(needed) <= self.closure(granted)

    def missing(self, granted: Iterable[str], needed: Iterable[str]) -> frozenset[str]:
        """The scopes of ``needed`` that ``granted`` does not cover."""
        return frozenset(needed) - self.closure(granted)


class CatalogueConflict(BaseModel):
    """A disagreement between a written catalogue and one derived from traces (the written wins)."""

    model_config = ConfigDict(frozen=True)

    tool: str
    written: tuple[str, ...]
    derived: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"tool {self.tool!r}: the written catalogue says {list(self.written)}, the traces "
            f"show {list(self.derived)}; keeping the written one"
        )


def derive_catalogue(traces: Iterable[Trace]) -> Catalogue:
    """Derive a catalogue from traces: each tool needs the union of the scopes seen on its calls.

    Calls with status ``error`` and no scopes (tools the agent invented) are not added
    as tools. Risk, ``jit_only`` and ``implies`` get the defaults; merge with a written
    catalogue to set them.
    """
    tool_scopes: dict[str, set[str]] = {}
    for trace in traces:
        if not isinstance(trace, Trace):
            raise TypeError(f"derive_catalogue expects Trace objects, got {type(trace).__name__}")
        for call in trace.calls:
            if call.status == "error" and not call.scopes:
                continue
            tool_scopes.setdefault(call.tool, set()).update(call.scopes)
    all_scopes = sorted({s for scopes in tool_scopes.values() for s in scopes})
    return Catalogue(
        tools=tuple(
            ToolSpec(name=name, scopes=tuple(sorted(s))) for name, s in sorted(tool_scopes.items())
        ),
        scopes=tuple(ScopeSpec(name=name) for name in all_scopes),
    )


def merge_catalogues(
    written: Catalogue, derived: Catalogue
) -> tuple[Catalogue, list[CatalogueConflict]]:
    """Merge a derived catalogue into a written one; the written one wins every conflict.

    Returns the merged catalogue and the list of tools whose scopes disagree.
    """
    conflicts: list[CatalogueConflict] = []
    tools = list(written.tools)
    for tool in derived.tools:
        known = written.tool(tool.name)
        if known is None:
            tools.append(tool)
        elif set(known.scopes) != set(tool.scopes):
            conflicts.append(
                CatalogueConflict(tool=tool.name, written=known.scopes, derived=tool.scopes)
            )
    described = {scope.name for scope in written.scopes}
    scopes = list(written.scopes) + [s for s in derived.scopes if s.name not in described]
    return Catalogue(tools=tuple(tools), scopes=tuple(scopes)), conflicts


def _first_not_json(data: object, field: str = "") -> tuple[str, object] | None:
    """The dotted field of the first value JSON cannot hold (YAML's ``.nan``, a date), if any."""
    if isinstance(data, dict):
        items: list[tuple[object, object]] = list(data.items())
    elif isinstance(data, list | tuple):
        items = list(enumerate(data))
    else:
        plain = data is None or isinstance(data, str | bool | int)
        finite = isinstance(data, float) and math.isfinite(data)
        return None if plain or finite else (field, data)
    for key, value in items:
        found = _first_not_json(value, f"{field}.{key}" if field else str(key))
        if found is not None:
            return found
    return None


def catalogue_from_mapping(data: object, source: str = "<memory>") -> Catalogue:
    """Validate a parsed JSON/YAML object as a catalogue, with errors naming ``source``.

    Raises
    ------
    DataValidationError
        If ``data`` does not follow the catalogue format (every problem, with its field).
    CatalogueError
        If the catalogue is well-formed but its ``implies`` relation has a cycle.
    """
    # Validated through JSON so that strict mode accepts arrays as tuples for JSON and YAML alike.
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as err:
        found = _first_not_json(data)
        if found is None:
            raise DataValidationError.single(
                source, None, "", f"holds a value that is not plain JSON data: {err}"
            ) from err
        field, value = found
        raise DataValidationError.single(
            source,
            None,
            field,
            "expected plain JSON data: a finite number, text (quote a YAML date), true/false",
            got=short_repr(value),
        ) from err
    try:
        return Catalogue.model_validate_json(text)
    except ValidationError as err:
        for detail in err.errors(include_url=False):
            cause = detail.get("ctx", {}).get("error")
            if isinstance(cause, CatalogueError):
                raise CatalogueError(f"{source}: {cause}") from err
        raise DataValidationError(
            issues_from_validation(err, source, None, model=Catalogue)
        ) from err


def load_catalogue(path: str | Path) -> Catalogue:
    """Load a catalogue from JSON (``.json``) or YAML (``.yaml``/``.yml``).

    Raises
    ------
    DataValidationError
        If the file cannot be read or parsed, or does not follow the catalogue format.
    CatalogueError
        If ``implies`` has a cycle.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is not content
    except (OSError, UnicodeDecodeError) as err:
        raise DataValidationError.single(source, None, "", f"cannot be read: {err}") from err
    import yaml  # only YAML needs it, but its error type is caught below for both

    is_yaml = Path(path).suffix.lower() in {".yaml", ".yml"}
    try:
        data = safe_load_unique(text) if is_yaml else loads_unique(text)
    except DuplicateKeyError as err:
        raise DataValidationError.single(source, None, "", str(err)) from err
    except (ValueError, yaml.YAMLError) as err:
        kind = "YAML (by its .yaml/.yml suffix)" if is_yaml else "JSON (by its suffix)"
        hint = "Fix the syntax and retry."
        if not is_yaml and _is_yaml_mapping(text):
            hint = "It reads as YAML: rename it to .yaml, or write it as JSON."
        raise DataValidationError.single(
            source, None, "", f"is not valid {kind}: {err}. {hint}"
        ) from err
    return catalogue_from_mapping(data, source)


def _is_yaml_mapping(text: str) -> bool:
    """Whether ``text`` parses as a YAML mapping (a catalogue written as YAML, named .json)."""
    import yaml

    try:
        return isinstance(yaml.safe_load(text), dict)
    except yaml.YAMLError:
        return False


def save_catalogue(catalogue: Catalogue, path: str | Path) -> None:
    """Write a catalogue as JSON (or YAML when ``path`` ends in ``.yaml``/``.yml``)."""
    data: Mapping[str, object] = catalogue.model_dump(mode="json", exclude_none=True)
    suffix = Path(path).suffix.lower()
    if suffix in {".yaml", ".yml"}:
        import yaml

        text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")
