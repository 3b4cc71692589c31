"""What the server keeps about one open document, in one place: forgetting the document drops it
all."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from codegen.scoring.quality_incremental import IncrementalModule

from .analysis import DocumentAnalysis


@dataclass(eq=False)
class DocumentState:
    """One open document's analysis, caches, locks and pending work (the server's `documents`)."""

    analysis: DocumentAnalysis | None = None
    # The text document its incremental analysis listens to (a reopened document gets a new one)
    module: tuple[object, IncrementalModule] | None = None
    # (version, lines) of a document that is not a LineDocument, split once per version
    lines: tuple[int | None, list[str]] | None = None
    analysis_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Inlay hints were answered from an outdated analysis: refresh them once the current one is out
    stale_hints: bool = False
    # How often the module's test file changed, and which of those changes the last analysis read:
    # an analysis of the current version is outdated when they differ
    test_changes: int = 0
    analysed_with: int = 0
    debounce: asyncio.Task | None = None  # the diagnostics run waiting for the document to settle
    # Edits to one document are computed and applied one at a time
    apply_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Waiting for the client to report a change after an applied edit
    version_waiters: list[asyncio.Future] = field(default_factory=list)

    def cancel_debounce(self) -> None:
        if self.debounce is not None:
            self.debounce.cancel()
            self.debounce = None

    def changed(self) -> None:
        """The client reported a change: whoever waits for one goes on."""
        waiters, self.version_waiters = self.version_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
