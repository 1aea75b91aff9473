"""Claims on a provider's answer: one OAuth callback exchanges it, however often it is delivered.

``ScopeGuard.claim_answer`` checks that an answer is still awaited before
``OAuthAuthorizer.complete`` sends its authorization code to the token endpoint. Two
deliveries of the same redirect at the same instant (a double-submitted page, a job queue
that delivers at least once, two callback servers) could both pass that check and both
exchange the code: the server refuses the second exchange and, as RFC 6749 10.5 suggests,
may revoke the token of the first. A claim closes that window: in the transaction that locks
the run, the first callback records ``(request_id, provider)`` with a random claim id; a
second finds the claim and raises before exchanging anything.

A claim ends when the callback that holds it fails and releases it (the user can then be
asked again for the same request) or when its lease runs out (its process died, or it
succeeded: once ``resume`` has recorded the answer, the answer itself refuses every later
claim). The lease must outlast a token exchange (the token endpoint's timeout, and
``on_token``) and the ``resume`` after it. It is measured by the run store's clock (see
``scopecast.runtime._db_clock``), so callback servers whose clocks disagree still agree on it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, insert, select

from scopecast.exceptions import RunStoreError
from scopecast.runtime import _schema as t

if TYPE_CHECKING:
    from scopecast.runtime._store import RunStore

__all__ = ["AnswerClaim", "release_claim", "take_claim"]

logger = logging.getLogger(__name__)


def take_claim(
    conn: Connection, request_id: str, provider: str, *, lease: float, now: float
) -> str | None:
    """Claim ``provider``'s answer to ``request_id``: a new claim id, or ``None`` if one is held.

    A claim older than ``lease`` seconds is taken over (its holder is presumed dead). Call it
    in a transaction that holds the run's row lock, so that two claimants are serialised.
    Claims past their lease, of any request, are deleted first: they protect nothing (an
    answer recorded since is refused before any claim), so the table holds at most the
    claims of the last ``lease`` seconds.
    """
    key = (t.answer_claims.c.request_id == request_id, t.answer_claims.c.provider == provider)
    conn.execute(delete(t.answer_claims).where(t.answer_claims.c.claimed_at <= now - lease))
    held = conn.execute(select(t.answer_claims.c.claimed_at).where(*key)).first()
    if held is not None:
        return None
    claim_id = uuid.uuid4().hex
    conn.execute(
        insert(t.answer_claims).values(
            request_id=request_id, provider=provider, claim_id=claim_id, claimed_at=now
        )
    )
    return claim_id


def release_claim(conn: Connection, request_id: str, provider: str, claim_id: str) -> None:
    """End the claim ``claim_id`` if it is still the one held (a taken-over claim stays)."""
    conn.execute(
        delete(t.answer_claims).where(
            t.answer_claims.c.request_id == request_id,
            t.answer_claims.c.provider == provider,
            t.answer_claims.c.claim_id == claim_id,
        )
    )


@dataclass(frozen=True)
class AnswerClaim:
    """This callback's right to exchange ``provider``'s answer to consent request ``request_id``.

    Returned by ``ScopeGuard.claim_answer``; ``OAuthAuthorizer.complete`` calls
    :meth:`release` when the consent fails, so that the user can answer again. On success it
    is kept until its lease ends (by then ``resume`` has recorded the answer).
    """

    store: RunStore
    run_id: str
    request_id: str
    provider: str
    claim_id: str

    def release(self) -> None:
        """End the claim; a store error is logged, and the claim then ends with its lease."""
        try:
            self.store.release_answer_claim(self.request_id, self.provider, self.claim_id)
        except RunStoreError as err:
            logger.warning(
                "run %s: the claim on the %s answer to %s was not released (%s); it ends "
                "with its lease",
                self.run_id,
                self.provider,
                self.request_id,
                type(err).__name__,
            )
