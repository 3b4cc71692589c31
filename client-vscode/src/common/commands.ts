/** The palette commands that forward to the server with the current editor's file and function. */

import * as vscode from 'vscode';
import { API_KEY_SECRET, ServerCommands } from './constants';
import { Actions, showProblem } from './notifications';
import { enclosingFunction } from './scores';
import type { CodegenServer } from './server';

function pythonEditor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
        void vscode.window.showWarningMessage('Codegen: open a Python file first.');
        return undefined;
    }
    return editor;
}

/** Runs a server command; long ones answer at once and work on (the server shows progress and the result),
 *  so this resolves with their outcome once it arrives, as it did when the request stayed open. */
async function executeOnServer(server: CodegenServer, command: string, args: unknown[]): Promise<unknown> {
    const client = server.languageClient;
    if (!client || server.state !== 'running') {
        void showProblem(`Codegen: the server is not running (${server.state}).`, [Actions.restart, Actions.showOutput, Actions.checkSetup]);
        return undefined;
    }
    return server.outcomes.outcomeOf(await vscode.commands.executeCommand(command, ...args));
}

/** Tests for the function under the cursor, or for every untested function in the file. */
export async function generateTests(server: CodegenServer): Promise<unknown> {
    const editor = pythonEditor();
    if (!editor) {
        return undefined;
    }
    const lines = editor.document.getText().split(/\r?\n/);
    const name = enclosingFunction(lines, editor.selection.active.line);
    const uri = editor.document.uri.toString();
    return executeOnServer(server, ServerCommands.generateTests, name ? [uri, name] : [uri]);
}

export async function runTests(server: CodegenServer): Promise<unknown> {
    const editor = pythonEditor();
    if (!editor) {
        return undefined;
    }
    return executeOnServer(server, ServerCommands.runTests, [editor.document.uri.toString()]);
}

/** The last generation's trace as a page in a webview (scripts off; the page needs none), else the server's message. */
export async function showTrace(server: CodegenServer): Promise<unknown> {
    const answer = await executeOnServer(server, ServerCommands.showTrace, [{ webview: true }]) as
        { html?: string; message?: string; callId?: string } | undefined;
    if (answer?.html) {
        const panel = vscode.window.createWebviewPanel('codegen.trace', `Codegen trace ${answer.callId?.slice(0, 8) ?? ''}`,
            vscode.ViewColumn.Beside, { enableScripts: false });
        panel.webview.html = answer.html;
    } else if (answer?.message) {
        void vscode.window.showInformationMessage(answer.message);
    }
    return answer;
}

/** Stores the key in SecretStorage (the OS keychain), never in a setting; restarts the server to use it. */
export async function setApiKey(secrets: vscode.SecretStorage, restart: () => unknown): Promise<void> {
    const value = await vscode.window.showInputBox({
        title: 'Codegen: API key',
        prompt: 'Stored in VS Code\'s secret storage and given to the server as OPENAI_API_KEY (an OPENAI_API_KEY in the environment takes precedence).',
        password: true,
        ignoreFocusOut: true,
    });
    if (!value?.trim()) {
        return;
    }
    await secrets.store(API_KEY_SECRET, value.trim());
    await restart();
    void vscode.window.showInformationMessage('Codegen: API key stored; the server restarted to use it.');
}

export async function clearApiKey(secrets: vscode.SecretStorage, restart: () => unknown): Promise<void> {
    await secrets.delete(API_KEY_SECRET);
    await restart();
    void vscode.window.showInformationMessage('Codegen: stored API key removed.');
}
