"""Run leases: a run that is not finished is held by one process at a time.

Without them two processes could run calls of one run at once (an operator's ``attach``
while the process that resumed the run is still using it, a job redelivered after a stall),
numbering their calls from the same count; and a run whose process died could not be told
from one in use. The process that starts, attaches or wins the resume of a run holds it: a
row ``(run_id, holder, expires_at)``, taken and checked in the transaction that locks the
run. The holder renews it as it refreshes the run from the store (every ``refresh_interval``
while it makes calls; a refresh with more than half the lease left only reads that the lease
is still its own, ``RunRecord.held_by``) and its fast path stops at the lease's end by
its own monotonic clock (a wall clock stepped back would stretch it), measured from before
the renewal began, hence never later than the store's ``expires_at``. Another process may take a lease past its end (the holder died or stalled:
its next call finds the new holder and is refused). The winning resume of a paused run
takes the lease whatever its state (the answer hands the run to it). Pausing keeps it;
putting the run aside (``ScopeGuard.release``) and finishing end it.
"""

from __future__ import annotations

import os
import socket
import uuid

from sqlalchemy import Connection, delete, insert, select, update

from scopecast.exceptions import RunHeldError
from scopecast.runtime import _schema as t
from scopecast.runtime._db_clock import db_now
from scopecast.runtime._store_rows import malformed

__all__ = ["Holder", "drop_lease", "take_lease"]


def take_lease(
    conn: Connection, run_id: str, holder: str, lease: float, *, force: bool = False
) -> None:
    """Hold ``run_id`` for ``holder`` until ``lease`` seconds from now (the store's clock).

    Call it in a transaction that holds the run's row lock.

    Raises
    ------
    RunHeldError
        If another holder's lease has not ended (unless ``force``).
    """
    now = db_now(conn)
    row = conn.execute(select(t.run_leases).where(t.run_leases.c.run_id == run_id)).first()
    if row is None:
        conn.execute(
            insert(t.run_leases).values(run_id=run_id, holder=holder, expires_at=now + lease)
        )
        return
    try:
        expires_at = float(row.expires_at)
    except (ValueError, TypeError) as err:
        raise malformed(run_id, "lease", err) from err
    if row.holder != holder and expires_at > now and not force:
        raise RunHeldError(run_id, row.holder, expires_at - now)
    conn.execute(
        update(t.run_leases)
        .where(t.run_leases.c.run_id == run_id)
        .values(holder=holder, expires_at=now + lease)
    )


def drop_lease(conn: Connection, run_id: str, holder: str | None = None) -> None:
    """End the lease on ``run_id`` (only ``holder``'s, if given)."""
    query = delete(t.run_leases).where(t.run_leases.c.run_id == run_id)
    if holder is not None:
        query = query.where(t.run_leases.c.holder == holder)
    conn.execute(query)


class Holder:
    """The name under which one guard holds runs: ``host:pid:random``, new in a forked child."""

    def __init__(self) -> None:
        self._pid = -1
        self._name = ""

    @property
    def name(self) -> str:
        pid = os.getpid()
        if pid != self._pid:  # a forked child must not share its parent's leases
            self._pid = pid
            self._name = f"{socket.gethostname()[:64]}:{pid}:{uuid.uuid4().hex[:12]}"
        return self._name
