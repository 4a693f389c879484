"""Long one-time work (downloads, preparation, the referential's first validation) said as it goes: a line per
step, and while a step runs, on a terminal, a spinner with the elapsed time (rich draws nothing live elsewhere,
so logs keep the lines only)."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Steps:
    """`with Steps(console) as step: step("téléchargement… / downloading…"); ...`: each call ends the step before."""

    def __init__(self, console: Console):
        self.console = console
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=console, transient=True)
        self._started: float | None = None

    def __enter__(self) -> Steps:
        self._progress.__enter__()
        return self

    def __call__(self, text: str) -> None:
        self._done()
        self.console.print(f"• {text}", highlight=False)
        self._progress.add_task(text, total=None)
        self._started = time.monotonic()

    def _done(self) -> None:
        if self._started is not None:
            for task in self._progress.task_ids:
                self._progress.remove_task(task)
            self.console.print(f"  fait / done ({time.monotonic() - self._started:.0f} s)", style="dim", highlight=False)
            self._started = None

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self._done()
        self._progress.__exit__(exc_type, *_exc)
