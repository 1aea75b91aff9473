"""Features of a task for the scope model: text, context, plan, catalogue similarity, progress.

Heavy (scikit-learn, SciPy, pandas): import it by name, never from ``scopecast`` itself. It
needs ``scopecast[train]``; without it, importing it raises ``MissingExtraError`` naming the extra.
"""

from scopecast._training_stack import needs_training_stack

with needs_training_stack("Featurizing tasks (scopecast.features)"):
    from scopecast.features._featurizer import TaskFeaturizer, indicator_tokens, scope_documents
    from scopecast.features._inputs import TaskInputs, as_task_inputs

__all__ = [
    "TaskFeaturizer",
    "TaskInputs",
    "as_task_inputs",
    "indicator_tokens",
    "scope_documents",
]
