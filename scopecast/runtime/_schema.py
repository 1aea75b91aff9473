"""The run store's tables (SQLAlchemy Core): runs, consent requests, grants, denials, calls, claims.

Times are UTC seconds since the epoch (``Float``), the same on SQLite and PostgreSQL. Unique
constraints make every transition idempotent: a grant is keyed by ``(run_id, scope,
request_id)``, a denial likewise, a call by ``(run_id, seq)``, a request by its id, a claim on a provider's answer by ``(request_id, provider)``, a run's lease by its run. No column
holds a token, an authorization code or a PKCE verifier: only scope names and grant metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "answer_claims",
    "calls",
    "denials",
    "grants",
    "metadata",
    "requests",
    "run_leases",
    "runs",
]

metadata = MetaData()

runs = Table(
    "scopecast_runs",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("task", Text, nullable=False),
    Column("context", JSON, nullable=False),
    Column("plan", JSON, nullable=True),
    Column("status", String(16), nullable=False),  # running | paused | finished
    Column("pending_request_id", String(128), nullable=True),
    Column("started_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("recorded_at", Float, nullable=True),  # the trace recorder wrote the finished run
)

requests = Table(
    "scopecast_requests",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("run_id", String(128), ForeignKey("scopecast_runs.id"), nullable=False),
    Column("tool", String(512), nullable=False),
    Column("missing", JSON, nullable=False),
    Column("requested", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
    Column("granted", JSON, nullable=True),
    Column("answered", JSON, nullable=True),  # providers whose consent is recorded
    Index("ix_scopecast_requests_run", "run_id"),
)

grants = Table(
    "scopecast_grants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(128), ForeignKey("scopecast_runs.id"), nullable=False),
    Column("scope", String(256), nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("granted_at", Float, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
    UniqueConstraint("run_id", "scope", "request_id", name="uq_scopecast_grant"),
    Index("ix_scopecast_grants_run", "run_id"),
)

denials = Table(
    "scopecast_denials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(128), ForeignKey("scopecast_runs.id"), nullable=False),
    Column("scope", String(256), nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("tool", String(512), nullable=False),
    Column("kind", String(16), nullable=False),  # denied (a call needed it) | declined (extra)
    Column("denied_at", Float, nullable=False),
    UniqueConstraint("run_id", "scope", "request_id", name="uq_scopecast_denial"),
)

calls = Table(
    "scopecast_calls",
    metadata,
    Column("run_id", String(128), ForeignKey("scopecast_runs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("tool", String(512), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", Float, nullable=False),
)

answer_claims = Table(
    "scopecast_answer_claims",
    metadata,
    # One OAuth callback's right to exchange a provider's answer to a request (see _answer_claims).
    Column("request_id", String(128), ForeignKey("scopecast_requests.id"), primary_key=True),
    Column("provider", String(128), primary_key=True),
    Column("claim_id", String(64), nullable=False),
    Column("claimed_at", Float, nullable=False),
)

run_leases = Table(
    "scopecast_run_leases",
    metadata,
    # The process holding a run (see _run_leases); expires_at by the store's clock.
    Column("run_id", String(128), ForeignKey("scopecast_runs.id"), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", Float, nullable=False),
)
