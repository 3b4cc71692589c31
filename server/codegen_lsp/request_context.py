"""What a request on one document works with, resolved once where the request enters: the
document, its folder's options and trust, its paths and the state the server keeps about it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from pygls.workspace import TextDocument, Workspace

from . import placement
from .config import ServerOptions
from .document_state import DocumentState
from .documents import open_document, text_and_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestContext:
    """One request's view of a document; `current()` reads the document as it is now, since it
    changes while the request waits (the model, the user typing)."""

    uri: str
    document: TextDocument | None  # as open when the request came; None: not open
    module_path: Path | None  # None: not a file:// URI
    folder: Path | None  # its workspace folder (the root folder's for files outside every one)
    options: ServerOptions  # its folder's
    state: DocumentState
    workspace: Workspace | None  # None before `initialize`

    @property
    def trusted(self) -> bool:
        return self.options.workspace_trusted

    @property
    def is_test_file(self) -> bool:
        return self.module_path is not None and placement.is_test_file(self.module_path)

    def current(self) -> TextDocument | None:
        """The document as it is now; None once it was closed."""
        return open_document(self.workspace, self.uri)

    def is_open(self, uri: str) -> bool:
        return open_document(self.workspace, uri) is not None

    def read(self, path: Path) -> tuple[str | None, int | None]:
        """A file's text and version from the editor when it is open, else its text from disk;
        (None, None) when it does not exist."""
        return text_and_version(self.workspace, path)

    def test_file(self) -> Path | None:
        """The module's test file that exists (None for a test file itself)."""
        if self.module_path is None or self.is_test_file:
            return None
        return placement.existing_test_file(
            self.module_path, self.folder, self.options.test_location
        )

    def test_path(self, module_path: Path) -> Path:
        """Where the module's test file is, or would be made."""
        location = self.options.test_location
        return placement.existing_test_file(
            module_path, self.folder, location
        ) or placement.test_file_path(module_path, self.folder, location)

    async def wait_for_change(self, version: int | None, timeout: float) -> None:
        """Wait (briefly) until the client reports the document past `version`, after an applied
        edit."""
        document = self.current()
        if document is None or document.version != version:
            return
        waiter = asyncio.get_running_loop().create_future()
        self.state.version_waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            log.info("The client did not report the edit to %s within %.1f s", self.uri, timeout)
