"""The run store's database: where it is, its engine and tables, and fail-closed transactions.

:class:`StoreDatabase` is the base of :class:`~scopecast.runtime.RunStore`: it opens the
engine for a SQLAlchemy URL (see ``_engine``), creates the tables, and runs every read and
write of the store in one transaction. A database error rolls the transaction back and
becomes :class:`RunStoreError`, whose message names what the store could not do and the URL
(without its password), never the SQL parameters (they may hold user data): the guard then
refuses the call (fail closed). A transition locks the run's row first
(:meth:`StoreDatabase._lock_run`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scopecast.exceptions import GuardStateError, RunStoreError
from scopecast.runtime import _schema as t
from scopecast.runtime._engine import make_engine, safe_url
from scopecast.runtime._fork import track_store

__all__ = ["DEFAULT_STORE_URL", "StoreDatabase"]

logger = logging.getLogger("scopecast.runtime._store")

DEFAULT_STORE_URL = "sqlite:///scopecast-runs.db"
"""A SQLite file in the working directory."""


def _describe(err: SQLAlchemyError) -> str:
    """The driver's own message without the SQL parameters (they may hold user data)."""
    orig = getattr(err, "orig", None)
    return (
        f"{type(err).__name__}: {orig if orig is not None else err.__class__.__doc__ or ''}".strip()
    )


class StoreDatabase:
    """A run store's database and its transactions (the base of ``RunStore``, which see)."""

    def __init__(self, url: str | Path = DEFAULT_STORE_URL, *, create_tables: bool = True) -> None:
        self.url = f"sqlite:///{url}" if isinstance(url, Path) else url
        self._engine = make_engine(self.url)
        track_store(self)  # a forked child gets connections of its own
        if create_tables:
            try:
                t.metadata.create_all(self._engine)
            except SQLAlchemyError as err:
                raise RunStoreError(
                    f"Cannot create the run store's tables at {self._safe_url()}: "
                    f"{_describe(err)}. Check that the database exists and is writable."
                ) from err

    def _safe_url(self) -> str:
        return safe_url(self.url)

    def _sqlite_file(self) -> str:
        """`` (the file /abs/runs.db)`` for a relative SQLite path, which each process reads
        from its own working directory; else ``""``."""
        url = make_url(self.url)
        name = url.database
        if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
            return ""
        if name.startswith("file:") or Path(name).is_absolute():
            return ""
        return f" (the file {str(Path(name).resolve())!r})"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations and inspection)."""
        return self._engine

    def close(self) -> None:
        """Release the connection pool (open connections are closed)."""
        self._engine.dispose()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def _write(self, what: str, outcome: str) -> Iterator[Connection]:
        """One write transaction; a database error rolls it all back and says so (``outcome``).

        The message says only what the store did (nothing): whether a tool call ran is
        the guard's to say, which adds it where it knows (see ``ScopeGuard``).
        """
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as err:
            logger.error("run store: %s failed (%s)", what, type(err).__name__)
            raise RunStoreError(
                f"The run store could not {what}: {_describe(err)}. {outcome} Check that "
                f"{self._safe_url()} is reachable and writable."
            ) from err

    @contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        options: dict[str, Any] = {"scopecast_read": True}
        if self._engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        try:
            with self._engine.connect().execution_options(**options) as conn, conn.begin():
                yield conn
        except SQLAlchemyError as err:
            logger.error("run store: %s failed (%s)", what, type(err).__name__)
            raise RunStoreError(
                f"The run store could not {what}: {_describe(err)}. Check that "
                f"{self._safe_url()} is reachable."
            ) from err

    @staticmethod
    def _lock_run(conn: Connection, run_id: str) -> Row[Any, Any, Any]:
        # Only the columns transitions read: a malformed JSON column fails in read_run, which
        # says so, rather than in every transition.
        query = select(t.runs.c.id, t.runs.c.status, t.runs.c.pending_request_id)
        row = conn.execute(query.where(t.runs.c.id == run_id).with_for_update()).first()
        if row is None:
            raise GuardStateError(
                f"Run {run_id!r} is not in the run store. Expected the id of a run started with "
                f"ScopeGuard.start() on this store; check the id and the store URL."
            )
        return row
