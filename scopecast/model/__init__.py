"""The scope model: a calibrated multi-label scikit-learn estimator, its training and its files.

Heavy (scikit-learn, SciPy, pandas): import it by name, never from ``scopecast`` itself. It
needs ``scopecast[train]``; without it, importing it raises ``MissingExtraError`` naming the extra.
"""

from scopecast._training_stack import needs_training_stack

with needs_training_stack("Training or loading a full model (scopecast.model)"):
    from scopecast.model._bounded import BoundedSample, sample_traces, train_bounded
    from scopecast.model._export import can_export_compact, export_compact
    from scopecast.model._grouping import WORKBENCH_TEMPLATE, group_of, task_template
    from scopecast.model._metrics import (
        brier_score,
        evaluate_traces,
        expected_calibration_error,
        probability_metrics,
    )
    from scopecast.model._persistence import (
        TRUSTED_TYPES,
        ModelBundle,
        load_bundle,
        load_model,
        load_scorer,
        read_metadata,
        save_model,
    )
    from scopecast.model._predictor import ScopePredictor
    from scopecast.model._served_output import SERVED_RESULT_TYPE
    from scopecast.model._training import (
        check_trainable,
        data_hash,
        train_predictor,
        training_catalogue,
        training_rows,
    )
    from scopecast.model._workflow import (
        TrainingResult,
        score_model_directory,
        train_stream_to_directory,
        train_to_directory,
    )

__all__ = [
    "SERVED_RESULT_TYPE",
    "TRUSTED_TYPES",
    "WORKBENCH_TEMPLATE",
    "BoundedSample",
    "ModelBundle",
    "ScopePredictor",
    "TrainingResult",
    "brier_score",
    "can_export_compact",
    "check_trainable",
    "data_hash",
    "evaluate_traces",
    "expected_calibration_error",
    "export_compact",
    "group_of",
    "load_bundle",
    "load_model",
    "load_scorer",
    "probability_metrics",
    "read_metadata",
    "sample_traces",
    "save_model",
    "score_model_directory",
    "task_template",
    "train_bounded",
    "train_predictor",
    "train_stream_to_directory",
    "train_to_directory",
    "training_catalogue",
    "training_rows",
]
