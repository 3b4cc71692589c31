"""An editor stand-in for end-to-end tests: the real server as a subprocess, driven through
pytest-lsp."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import ClientServerConfig, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features

from tests.loopback_model import PROFILES, LoopbackModel

DATA = Path(__file__).parent.parent / "test_data" / "lsp"


def capabilities(
    *, tags: bool = True, refresh: bool = True, document_changes: bool = True, progress: bool = True
) -> types.ClientCapabilities:
    """VS Code's capabilities, plus what LSP 3.18 clients add (code action tags, inlay hint
    refresh); `progress=False`: a client without window.workDoneProgress, like eglot 1.9."""
    caps = client_capabilities("visual-studio-code")
    caps.window.work_done_progress = progress
    if tags:
        caps.text_document.code_action.tag_support = types.CodeActionTagOptions(
            value_set=[types.CodeActionTag.LlmGenerated]
        )
    caps.text_document.inlay_hint = types.InlayHintClientCapabilities()
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=refresh)
    if not document_changes:
        caps.workspace.workspace_edit = types.WorkspaceEditClientCapabilities(
            document_changes=False
        )
    return caps


class Editor:
    """Keeps the texts of open documents and applies the server's workspace edits like an editor
    would."""

    def __init__(self, client: LanguageClient, root: Path):
        self.client = client
        self.root = root
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.applied_edits: list[types.WorkspaceEdit] = []
        self.rejected_edits: list[types.WorkspaceEdit] = []
        self.accept_edits = True
        self.apply_delay = 0.0
        self.refreshes = 0
        self.progress_log: list[tuple[str, str]] = []  # (token, begin/report/end), in arrival order
        self.model = None
        self._placed = 0
        self.publications: list[types.PublishDiagnosticsParams] = []
        self._published = asyncio.Event()
        self._seen: dict[str, int] = {}
        self.finished: dict[str, dict[str, Any]] = {}  # $/codegen/finished, by token
        self._finished = asyncio.Event()

    # -- sharing one server between tests ------------------------------------------------------
    def reset(self) -> None:
        """Forget what earlier tests saw and did; the model forgets its requests and script."""
        self.applied_edits.clear()
        self.rejected_edits.clear()
        self.accept_edits = True
        self.apply_delay = 0.0
        self.refreshes = 0
        self.progress_log.clear()
        self.client.messages.clear()
        self.client.progress_reports.clear()
        if self.model is not None:
            with self.model._lock:
                self.model.requests.clear()
                self.model._script.clear()
            self.model.delay = 0.0
            self.model.profile = PROFILES["openai"]

    def close_all(self) -> None:
        for uri in list(self.texts):
            self.client.text_document_did_close(
                types.DidCloseTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
        self.texts.clear()
        self.versions.clear()

    def place(self, data_name: str, stem: str | None = None) -> str:
        """Copy a data file into the workspace under a name no other test uses, open it, return its
        URI."""
        self._placed += 1
        name = f"{stem or Path(data_name).stem}_{self._placed}.py"
        shutil.copy(DATA / data_name, self.root / name)
        return self.open(name)

    def test_file(self, uri: str) -> Path:
        """Where the module's test file goes beside it."""
        return self.root / f"test_{Path(to_fs_path(uri)).stem}.py"

    # -- documents -------------------------------------------------------------------------------
    def uri(self, name: str) -> str:
        return from_fs_path(str(self.root / name))

    def open(self, name: str, text: str | None = None) -> str:
        path = self.root / name
        if text is None:
            text = path.read_text(encoding="utf-8")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
        uri = self.uri(name)
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def text(self, uri: str) -> str:
        return self.texts.get(uri) or Path(to_fs_path(uri)).read_text(encoding="utf-8")

    # -- server requests -------------------------------------------------------------------------
    def apply(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        if not self.accept_edits:
            self.rejected_edits.append(edit)
            return types.ApplyWorkspaceEditResult(
                applied=False, failure_reason="rejected by the test editor"
            )
        operations = list(edit.document_changes or [])
        operations += [
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None), edits
            )
            for uri, edits in (edit.changes or {}).items()
        ]
        new_texts: dict[str, str] = {}
        for operation in operations:
            if isinstance(operation, types.CreateFile):
                if Path(to_fs_path(operation.uri)).exists() or operation.uri in new_texts:
                    return types.ApplyWorkspaceEditResult(
                        applied=False, failure_reason="file exists"
                    )
                new_texts[operation.uri] = ""
            elif isinstance(operation, types.TextDocumentEdit):
                uri = operation.text_document.uri
                version = operation.text_document.version
                if version is not None and version != self.versions.get(uri):
                    return types.ApplyWorkspaceEditResult(
                        applied=False, failure_reason="stale version"
                    )
                current = new_texts.get(uri)
                if current is None:
                    current = self.text(uri)
                new_texts[uri] = apply_text_edits(current, operation.edits)
            else:
                return types.ApplyWorkspaceEditResult(
                    applied=False, failure_reason="unsupported operation"
                )
        self.applied_edits.append(edit)
        for uri, text in new_texts.items():
            if uri in self.texts:
                self.change(uri, text)
            else:
                path = Path(to_fs_path(uri))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        return types.ApplyWorkspaceEditResult(applied=True)

    # -- waiting ---------------------------------------------------------------------------------
    def published(self, params: types.PublishDiagnosticsParams) -> None:
        self.publications.append(params)
        self._published.set()

    async def diagnostics(self, uri: str, version: int | None = None, timeout: float = 10.0):
        """The next diagnostics published for `uri` (at `version`, when given) that no call returned
        yet."""

        async def next_publication():
            while True:
                for index in range(self._seen.get(uri, 0), len(self.publications)):
                    params = self.publications[index]
                    if params.uri == uri and (version is None or params.version == version):
                        self._seen[uri] = index + 1
                        return params
                self._published.clear()
                await self._published.wait()

        return await asyncio.wait_for(next_publication(), timeout)

    async def code_actions(self, uri: str, line: int, character: int = 0, only=None):
        return await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(
                    start=types.Position(line=line, character=character),
                    end=types.Position(line=line, character=character),
                ),
                context=types.CodeActionContext(diagnostics=[], only=only),
            )
        )

    async def run(self, action: types.CodeAction, timeout: float = 30.0):
        """Pick a code action: its command's outcome once the background work ended (see
        `command`)."""
        return await self.command(
            action.command.command, *action.command.arguments, timeout=timeout
        )

    async def command(self, name: str, *arguments: Any, timeout: float = 30.0):
        """Run a command; for one that started background work, wait for its outcome, with the
        acknowledgement under "answer"."""
        answer = await self.execute(name, *arguments)
        if not (isinstance(answer, dict) and answer.get("started")):
            return answer
        return {**await self.outcome(answer["token"], timeout), "answer": answer}

    async def execute(self, name: str, *arguments: Any, timeout: float = 10.0):
        """The command's own answer (an acknowledgement for long work), within eglot's 10 s
        timeout."""
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(arguments))
            ),
            timeout,
        )

    async def outcome(self, token: str, timeout: float = 30.0) -> dict[str, Any]:
        """The $/codegen/finished notification of the job with `token`."""

        async def finished():
            while token not in self.finished:
                self._finished.clear()
                await self._finished.wait()
            return self.finished[token]

        return await asyncio.wait_for(finished(), timeout)

    def job_finished(self, params: Any) -> None:
        outcome = params if isinstance(params, dict) else params._asdict()  # pygls: a namedtuple
        self.finished[outcome["token"]] = outcome
        self._finished.set()

    def messages(self, kind: types.MessageType | None = None) -> list[str]:
        return [m.message for m in self.client.messages if kind is None or m.type == kind]


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to text, the way an editor does."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        before = sum(len(line) for line in lines[: position.line])
        line, units, column = lines[position.line].rstrip("\r\n"), 0, 0
        while column < len(line) and units < position.character:
            units += len(line[column].encode("utf-16-le")) // 2
            column += 1
        return before + column

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def _client_converter():
    """lsprotocol's converter takes any object with a `command` key for a Command, even a CodeAction
    whose `command` is an object; editors check whether `command` is a string, and so does this
    one."""
    converter = default_converter()

    def command_or_code_action(value: Any, _: type):
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, command_or_code_action)
    # cattrs keys hooks by the annotation object: lsprotocol's own types spell the union this way.
    converter.register_structure_hook(
        typing.Union[types.Command, types.CodeAction],  # noqa: UP007
        command_or_code_action,
    )
    return converter


def server_environment(base_url: str | None, home: Path, **extra: str) -> dict[str, str]:
    """No real keys, no W&B, tracing off; the loopback model as the endpoint."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "CODEGEN_TRACING": "off",
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_MODE": "disabled",
        "CODEGEN_TEST_REPEATS": "1",
        "CODEGEN_REPAIR_ROUNDS": "0",
        "CODEGEN_MAX_RETRIES": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if base_url:
        env["OPENAI_BASE_URL"] = base_url
    env.update(extra)
    return env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def copy_data(name: str, root: Path, target: str | None = None) -> Path:
    destination = root / (target or name)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / name, destination)
    return destination


def _client_factory(holder: dict[str, Editor]):
    """A pytest-lsp client factory whose handlers report to the Editor put in `holder`."""

    def factory():
        client = LanguageClient(converter_factory=_client_converter)
        features = dict(DEFAULT_CLIENT_FEATURES)
        record_progress = features[types.PROGRESS]

        def progress(ls, params: types.ProgressParams):
            kind = params.value.get("kind") if isinstance(params.value, dict) else None
            holder["editor"].progress_log.append((params.token, kind))
            return record_progress(ls, params)

        features[types.PROGRESS] = progress
        record_diagnostics = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def publish_diagnostics(ls, params: types.PublishDiagnosticsParams):
            record_diagnostics(ls, params)
            holder["editor"].published(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish_diagnostics
        register_lsp_features(client, features)

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        async def apply_edit(ls, params: types.ApplyWorkspaceEditParams):
            if holder["editor"].apply_delay:  # an editor asking the user first, as eglot does
                await asyncio.sleep(holder["editor"].apply_delay)
            return holder["editor"].apply(params.edit)

        @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
        def refresh(ls, params):
            holder["editor"].refreshes += 1

        @client.feature("$/codegen/finished")
        def finished(ls, params):
            holder["editor"].job_finished(params)

        return client

    return factory


def _workspace_folders(folders: dict[Path, Any] | None) -> list[types.WorkspaceFolder] | None:
    if not folders:
        return None
    return [
        types.WorkspaceFolder(uri=from_fs_path(str(folder)), name=folder.name) for folder in folders
    ]


async def launch(
    root: Path,
    home: Path,
    *,
    model=None,
    options: dict | None = None,
    caps: types.ClientCapabilities | None = None,
    env: dict[str, str] | None = None,
    configuration: Any = None,
    folders: dict[Path, Any] | None = None,
    rootless: bool = False,
) -> Editor:
    """Start the server as a subprocess and initialize it, trusted, with a short diagnostics delay.

    `folders`: the workspace folders (the root first) and each one's `codegen` settings (None:
    none); `rootless`: no root and no folder, as when an editor opens a single file."""
    home.mkdir(parents=True, exist_ok=True)
    environment = server_environment(
        model.base_url if model is not None else None, home, **(env or {})
    )
    holder: dict[str, Editor] = {}
    config = ClientServerConfig(
        # as the VS Code extension starts it (client-vscode/src/common/python.ts, serverInvocation)
        server_command=[sys.executable, "-I", "-m", "codegen_lsp"],
        server_env=environment,
        client_factory=_client_factory(holder),
    )
    client = await config.start()
    if configuration is not None:
        client.set_configuration(configuration, section="codegen")
    for folder, settings in (folders or {}).items():
        if settings is not None:
            client.set_configuration(
                settings, section="codegen", scope_uri=from_fs_path(str(folder))
            )
    editor = Editor(client, root)
    editor.model = model
    holder["editor"] = editor
    initialization = {"workspaceTrusted": True, "diagnosticsDelayMs": 20}
    initialization.update(options or {})
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps or capabilities(),
            root_uri=None if rootless else from_fs_path(str(root)),
            workspace_folders=_workspace_folders(folders),
            initialization_options=initialization,
        )
    )
    return editor


async def close(editor: Editor) -> None:
    try:
        await asyncio.wait_for(editor.client.shutdown_session(), 10)
    finally:
        await editor.client.stop()


@pytest_asyncio.fixture
async def start_editor(tmp_path: Path, workspace: Path):
    """`await start_editor(model=..., options=..., caps=...)` -> an Editor on a fresh server; shut
    down after."""
    editors: list[Editor] = []

    async def start(**settings: Any) -> Editor:
        editor = await launch(workspace, tmp_path / "home", **settings)
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        await close(editor)


def shared_editor(**settings: Any):
    """Fixtures `shared_server` (one server and model per test module) and `editor` (it, reset for
    each test).

    Starting a server and importing the pipeline take seconds; tests that need no settings of their
    own share one. A module using them sets `pytestmark = pytest.mark.asyncio(loop_scope="module")`.
    """

    @pytest_asyncio.fixture(scope="module", loop_scope="module", name="shared_server")
    async def shared_server(tmp_path_factory: pytest.TempPathFactory):
        base = tmp_path_factory.mktemp("shared")
        root = base / "project"
        root.mkdir()
        with LoopbackModel() as model:
            editor = await launch(root, base / "home", model=model, **settings)
            yield editor
            await close(editor)

    @pytest.fixture(name="editor")
    def editor(shared_server: Editor):
        shared_server.reset()
        yield shared_server
        shared_server.close_all()

    return shared_server, editor


def action(actions, title):
    """The code action titled `title` (StopIteration when the server offered none)."""
    return next(a for a in actions if a.title == title)


async def wait_for_message(editor, text, timeout=10.0):
    """The messages the server has shown that contain `text`, once there is one."""
    for _ in range(int(timeout / 0.05)):
        matches = [m for m in editor.messages() if text in m]
        if matches:
            return matches
        await asyncio.sleep(0.05)
    raise AssertionError(f"no message containing {text!r}: {editor.messages()}")


def change_range(editor, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> int:
    """Send one ranged change, as editors with incremental sync do; returns the new version."""
    editor.versions[uri] += 1
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=uri, version=editor.versions[uri]
            ),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(*start), end=types.Position(*end)),
                    text=text,
                )
            ],
        )
    )
    return editor.versions[uri]


EVERYTHING = "Generate function, runner and tests"


async def generate_everything(editor) -> types.WorkspaceEdit:
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 4)
    outcome = await editor.run(next(action for action in actions if action.title == EVERYTHING))
    assert outcome["applied"], outcome
    [edit] = editor.applied_edits
    return edit
