"""Features of a task for the scope model: text, context, plan, catalogue similarity, progress.

Heavy (scikit-learn, SciPy, pandas): import it by name, never from ``scopecast`` itself.
"""

from scopecast.features._featurizer import TaskFeaturizer, indicator_tokens, scope_documents
from scopecast.features._inputs import TaskInputs, as_task_inputs

__all__ = [
    "TaskFeaturizer",
    "TaskInputs",
    "as_task_inputs",
    "indicator_tokens",
    "scope_documents",
]
