"""The shape of what a registered scopecast model answers, for clients that need it typed.

``mlflow models serve`` returns JSON, which needs no schema. A Spark UDF does: each row's
answer becomes a struct column, and ``mlflow.pyfunc.spark_udf`` must be told its type (the
pyfunc is logged without a signature, since ``context`` may be a dict or its JSON text).
"""

from __future__ import annotations

__all__ = ["SERVED_RESULT_TYPE"]

SERVED_RESULT_TYPE = (
    "upfront map<string, array<string>>, probabilities map<string, double>, "
    "policy string, planning_scale double"
)
"""Spark DDL of one answer: the upfront scopes per provider, every scope's probability, the
rule that chose them and the planning scale it used (``result_type=`` of ``spark_udf``)."""
