"""scopecast: ask an AI agent's OAuth scopes before it starts, and guard every call.

The public API is re-exported here; ``import scopecast`` stays light (no scikit-learn,
pandas or MLflow): it runs before every agent start.
"""

from scopecast._types import Scope, provider_of
from scopecast._version import __version__
from scopecast.catalogue import (
    Catalogue,
    ScopeSpec,
    ToolSpec,
    derive_catalogue,
    load_catalogue,
    merge_catalogues,
    save_catalogue,
)
from scopecast.exceptions import (
    ArtifactError,
    AuthorizationRequired,
    AuthorizerError,
    CatalogueError,
    ConfigError,
    DataIssue,
    DataValidationError,
    GuardError,
    GuardStateError,
    MissingExtraError,
    ModelError,
    ResumeConflictError,
    RunHeldError,
    RunStoreError,
    ScopecastError,
    ScopeDeniedError,
    ScopeRequestTimeout,
    UnknownToolError,
    UntrustedArtifactError,
)
from scopecast.traces import Call, PlanStep, Trace, iter_traces, read_traces, write_traces

__all__ = [
    "ArtifactError",
    "AuthorizationRequired",
    "AuthorizerError",
    "Call",
    "Catalogue",
    "CatalogueError",
    "ConfigError",
    "DataIssue",
    "DataValidationError",
    "GuardError",
    "GuardStateError",
    "MissingExtraError",
    "ModelError",
    "PlanStep",
    "ResumeConflictError",
    "RunHeldError",
    "RunStoreError",
    "Scope",
    "ScopeDeniedError",
    "ScopeRequestTimeout",
    "ScopeSpec",
    "ScopecastError",
    "ToolSpec",
    "Trace",
    "UnknownToolError",
    "UntrustedArtifactError",
    "__version__",
    "derive_catalogue",
    "iter_traces",
    "load_catalogue",
    "merge_catalogues",
    "provider_of",
    "read_traces",
    "save_catalogue",
    "write_traces",
]
