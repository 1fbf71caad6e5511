"""Running a model's steps, with an optional progress callback: shared by every engine."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None] | None  # called with (steps done, steps in all)


def run_steps(step: Callable[[], None], total: int, progress: Progress = None) -> None:
    """Call ``step`` ``total`` times, reporting (steps done, total) after each if asked."""
    for done in range(1, total + 1):
        step()
        if progress is not None:
            progress(done, total)
