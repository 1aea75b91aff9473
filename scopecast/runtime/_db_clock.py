"""The run store's own clock, for leases that processes on several hosts compare.

A lease taken by one process and judged expired by another must be measured by one clock:
with each process's own, a host whose clock runs ahead by more than the lease would take
over a claim that is still held, and one behind would wait that much longer. The store's
clock is the one clock every process shares: PostgreSQL's ``clock_timestamp()``, SQLite's
``julianday('now')`` (the clock of the host whose processes share the file). Other
databases fall back to this process's clock.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, func, select

__all__ = ["db_now"]

_UNIX_EPOCH_JULIAN_DAY = 2440587.5


def db_now(conn: Connection) -> float:
    """The database's time now, in UTC seconds since the epoch (as the store's columns)."""
    name = conn.dialect.name
    if name == "sqlite":
        expr = (func.julianday("now") - _UNIX_EPOCH_JULIAN_DAY) * 86400.0
    elif name == "postgresql":
        expr = func.extract("epoch", func.clock_timestamp())
    else:
        return time.time()
    return float(conn.execute(select(expr)).scalar_one())
