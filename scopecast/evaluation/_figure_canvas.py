"""What every evaluation figure is drawn on: a pyplot-free figure, and text drawn as it is.

matplotlib is imported when a figure is made (through the training stack's check, which
says what to install), never when ``scopecast.evaluation`` is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scopecast._training_stack import needs_training_stack

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["literal_text", "new_figure"]


def literal_text(text: str) -> str:
    """``text`` drawn as it is: a scope name may hold ``$`` (any OAuth scope-token), and two
    of them make matplotlib read what lies between as TeX (``g:x$%#$y`` failed to draw)."""
    return text.replace("$", r"\$")


def new_figure(
    width: float = 7.0, height: float = 5.0, ncols: int = 1
) -> tuple[Figure, list[Axes]]:
    """A figure of ``ncols`` axes side by side, laid out by matplotlib, made without pyplot."""
    with needs_training_stack("Drawing the evaluation's figures (scopecast.evaluation)"):
        from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)
