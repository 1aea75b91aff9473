"""The upfront decision and its explanation, one :class:`ScopeDecision` per candidate scope.

The decision itself (which scopes, grouped by provider) is what an agent start needs; the
explanation (a probability, two expected costs and a sentence per candidate scope) is what
a person reads. :class:`UpfrontDecision` therefore keeps the numbers and writes the
explanation only when :attr:`UpfrontDecision.decisions` is first read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from scopecast.catalogue import Catalogue

__all__ = ["ZERO_PROBABILITY_REASON", "DecisionRows", "Row", "ScopeDecision", "UpfrontDecision"]

ZERO_PROBABILITY_REASON = "deferred: probability 0; the guard asks for it if a call needs it"
"""The explanation of a deferred scope whose probability is exactly 0 (from a trained model,
a scope outside its domain's support; from a mapping of probabilities, a scope it omits)."""


class ScopeDecision(BaseModel):
    """Why one scope is (or is not) asked up front."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: str = Field(description="The scope.")
    provider: str = Field(description="Its provider (one consent screen).")
    probability: float = Field(description="Predicted probability that the run needs it.")
    cost_if_asked: float = Field(description="Expected cost of holding it unused.")
    cost_if_deferred: float = Field(
        description="Expected cost of not asking it (interruptions for it and what it implies)."
    )
    is_upfront: bool = Field(description="Whether it is asked before the start.")
    reason: str = Field(description="The decision in words.")


Row = tuple[str, str, float, float, float, str | None]
"""One candidate: scope, provider, probability, cost if asked, cost if deferred, why blocked."""


class DecisionRows(NamedTuple):
    """The numbers behind an upfront decision, from which its explanation is written.

    The catalogue's scopes are held as arrays in the catalogue's (sorted) order, the scopes
    outside the catalogue as rows; the candidates are merged by name only when the
    explanation is written.

    Attributes
    ----------
    names, providers, blocked : sequence
        The catalogue's scopes (sorted), their providers, and why each can never be asked
        up front (``None`` if it can).
    probabilities, asked, deferred : ndarray of float
        Each catalogue scope's probability and expected costs if asked and if deferred.
    candidate : ndarray of bool
        Which catalogue scopes are candidates.
    extras : tuple of Row
        Candidates outside the catalogue.
    upfront : frozenset of str
        The upfront scopes.
    catalogue : Catalogue
        The catalogue decided with (for what the upfront scopes imply).
    dropped_providers : mapping of str to float
        Providers whose scopes worth asking saved no more than one consent screen (their
        saving).
    consent_screen : float
        The cost of one consent screen.
    """

    names: Sequence[str]
    providers: Sequence[str]
    blocked: Sequence[str | None]
    probabilities: npt.NDArray[np.float64]
    asked: npt.NDArray[np.float64]
    deferred: npt.NDArray[np.float64]
    candidate: npt.NDArray[np.bool_]
    extras: tuple[Row, ...]
    upfront: frozenset[str]
    catalogue: Catalogue
    dropped_providers: Mapping[str, float]
    consent_screen: float

    def rows(self) -> list[Row]:
        """Every candidate, sorted by scope name."""
        p, asked, deferred = (a.tolist() for a in (self.probabilities, self.asked, self.deferred))
        rows = [
            (self.names[i], self.providers[i], p[i], asked[i], deferred[i], self.blocked[i])
            for i in np.flatnonzero(self.candidate).tolist()
        ]
        if self.extras:
            rows.extend(self.extras)
            rows.sort(key=lambda row: row[0])
        return rows

    def reason(self, row: Row, held: frozenset[str] | None = None) -> str:
        """The decision on one candidate, in words (``held``: what the upfront scopes grant)."""
        scope, provider, _, asked, deferred, blocked = row
        if held is None:
            held = self.catalogue.closure(self.upfront)
        if blocked is not None:
            return f"never up front: {blocked}"
        if scope in self.upfront:
            return f"asked: holding it unused costs {asked:.3f} < {deferred:.3f} for deferring"
        if scope in held:
            return "covered: implied by an upfront scope"
        if provider in self.dropped_providers:
            saving = self.dropped_providers[provider]
            return (
                f"deferred: the {provider} scopes worth asking save {saving:.3f}, "
                f"not more than one consent screen ({self.consent_screen:.3f})"
            )
        if row[2] == 0.0:
            return ZERO_PROBABILITY_REASON
        return f"deferred: holding it unused costs {asked:.3f} >= {deferred:.3f} for deferring"

    def decisions(self) -> tuple[ScopeDecision, ...]:
        """One explained decision per candidate, sorted by scope name."""
        held = self.catalogue.closure(self.upfront)
        return tuple(
            ScopeDecision(
                scope=row[0],
                provider=row[1],
                probability=row[2],
                cost_if_asked=row[3],
                cost_if_deferred=row[4],
                is_upfront=row[0] in self.upfront,
                reason=self.reason(row, held),
            )
            for row in self.rows()
        )


class UpfrontDecision:
    """The upfront set, grouped by provider, with one explained decision per scope.

    Immutable. ``decisions`` is written on first access (the decision itself does not need
    it, and writing it costs more than deciding); two decisions are equal when their
    upfront sets, groupings and explanations are.

    Parameters
    ----------
    upfront : iterable of str
        Scopes asked before the start (never ``jit_only``).
    by_provider : mapping of str to iterable of str
        The upfront scopes grouped by provider: one consent screen each.
    decisions : iterable of ScopeDecision
        One decision per candidate scope, sorted by scope name.
    """

    __slots__ = ("_by_provider", "_decisions", "_rows", "_upfront")

    def __init__(
        self,
        *,
        upfront: Iterable[str],
        by_provider: Mapping[str, Iterable[str]],
        decisions: Iterable[ScopeDecision],
    ) -> None:
        self._upfront = frozenset(upfront)
        self._by_provider = {p: frozenset(s) for p, s in by_provider.items()}
        self._decisions: tuple[ScopeDecision, ...] | None = tuple(decisions)
        self._rows: DecisionRows | None = None

    @classmethod
    def from_rows(
        cls, upfront: frozenset[str], by_provider: dict[str, frozenset[str]], rows: DecisionRows
    ) -> UpfrontDecision:
        """A decision whose explanation is written from ``rows`` when first read."""
        decision = cls.__new__(cls)
        decision._upfront = upfront
        decision._by_provider = by_provider
        decision._decisions = None
        decision._rows = rows
        return decision

    @property
    def upfront(self) -> frozenset[str]:
        """Scopes asked before the start (never ``jit_only``)."""
        return self._upfront

    @property
    def by_provider(self) -> dict[str, frozenset[str]]:
        """The upfront scopes grouped by provider (sorted): one consent screen each."""
        return self._by_provider

    @property
    def decisions(self) -> tuple[ScopeDecision, ...]:
        """One decision per candidate scope, sorted by scope name."""
        if self._decisions is None:
            assert self._rows is not None
            self._decisions = self._rows.decisions()
        return self._decisions

    @property
    def rows(self) -> DecisionRows | None:
        """The numbers the explanation is written from (``None`` if built from decisions)."""
        return self._rows

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UpfrontDecision):
            return NotImplemented
        return (
            self.upfront == other.upfront
            and self.by_provider == other.by_provider
            and self.decisions == other.decisions
        )

    __hash__ = None  # type: ignore[assignment]  # equality compares the explanations

    def __repr__(self) -> str:
        return (
            f"UpfrontDecision(upfront={sorted(self.upfront)!r}, by_provider={self.by_provider!r})"
        )
