"""The run store's SQLAlchemy engine: SQLite with WAL, a busy timeout and ``BEGIN IMMEDIATE``.

SQLite serializes writers; ``BEGIN IMMEDIATE`` takes the write lock at the start of a write
transaction (no lock upgrade, so no deadlock between two processes), ``synchronous=FULL``
makes a committed transition survive a crash, and reads use plain ``BEGIN`` (a snapshot in
WAL mode). Other databases (PostgreSQL) get a pre-pinged pool and row locks.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from scopecast.exceptions import RunStoreError

__all__ = ["make_engine", "safe_url"]


def make_engine(url: str) -> Engine:
    """Build the engine; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` writes."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise RunStoreError(
            f"{safe_url(url)!r} is not a SQLAlchemy database URL. Expected e.g. "
            f"'sqlite:///runs.db' or 'postgresql+psycopg://user:password@host:5432/db'."
        ) from None
    try:
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        in_memory = parsed.database in (None, "", ":memory:")
        if in_memory:
            engine = create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            engine = create_engine(url, connect_args={"timeout": 30.0})
    except (SQLAlchemyError, ImportError) as err:
        raise RunStoreError(
            f"Cannot open the run store {safe_url(url)!r}: {err}. "
            f"Install the database driver (e.g. `pip install psycopg[binary]` for PostgreSQL)."
        ) from err
    _configure_sqlite(engine, wal=not in_memory)
    return engine


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:?/*")

# Query parameters that carry a secret: libpq's password and sslpassword, and the like.
_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key$", re.IGNORECASE)
_QUERY_PARAMETER = re.compile(r"([?&])([^=&#]*)=([^&#]*)")


def safe_url(url: str) -> str:
    """``url`` for messages and ``repr``: its password masked, in the authority or the query.

    A password may be a query parameter (libpq reads ``?password=`` and ``?sslpassword=``)
    as well as ``user:password@``; a URL that does not parse is masked as written.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _QUERY_PARAMETER.sub(_masked_parameter, _without_password(url))
    hidden = {k: "***" for k in parsed.query if _SECRET_PARAMETER.search(k)}
    if hidden:
        parsed = parsed.update_query_dict(hidden)
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def _without_password(url: str) -> str:
    """``url`` as written, its password (all before the last ``@`` but the user) masked.

    For a URL that does not parse, so that a mistyped one is shown without its secret.
    """
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme = _SCHEME.match(head)  # 'postgresql+psycopg://' (or '...//' with a typo)
    prefix = scheme.group(0) if scheme and scheme.group(0).endswith("/") else ""
    user, colon, _ = head[len(prefix) :].partition(":")
    return f"{prefix}{user}:***@{tail}" if colon else f"{prefix}***@{tail}"


def _masked_parameter(match: re.Match[str]) -> str:
    """A query parameter ``name=value`` as shown: its value masked if the name is a secret's."""
    separator, name, value = match.groups()
    return f"{separator}{name}={'***' if _SECRET_PARAMETER.search(name) else value}"


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("scopecast_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
