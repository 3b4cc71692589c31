/** Wires the Codegen extension together: output channel, status bar, server lifecycle and commands. */

import * as vscode from 'vscode';
import * as commands from './common/commands';
import { ClientCommands, CONFIGURATION_SECTION, EXTENSION_NAME } from './common/constants';
import { restart, startServer } from './common/lifecycle';
import { onDidChangeSelectedInterpreter } from './common/pythonExtension';
import { CodegenServer } from './common/server';
import { type PackageJson, RESTART_SETTINGS, settingNames } from './common/settings';
import { checkSetup } from './common/setup';
import { StatusBar } from './common/status';
import { TestExplorer } from './common/testExplorer';

let server: CodegenServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const started = performance.now();
    const log = vscode.window.createOutputChannel(EXTENSION_NAME, { log: true });
    const names = settingNames(context.extension.packageJSON as PackageJson);
    const status = new StatusBar();
    server = new CodegenServer(log);
    const current = server;
    const restartServer = () => restart(current, names, context.secrets, log);

    context.subscriptions.push(
        log,
        status,
        current,
        current.onDidChangeState((state) => status.setState(state)),
        new TestExplorer(current),
        vscode.commands.registerCommand(ClientCommands.generateTests, () => commands.generateTests(current)),
        vscode.commands.registerCommand(ClientCommands.runTests, () => commands.runTests(current)),
        vscode.commands.registerCommand(ClientCommands.showTrace, () => commands.showTrace(current)),
        vscode.commands.registerCommand(ClientCommands.restartServer, restartServer),
        vscode.commands.registerCommand(ClientCommands.showOutput, () => log.show()),
        vscode.commands.registerCommand(ClientCommands.checkSetup, () => checkSetup(names, context.secrets, log, current.state)),
        vscode.commands.registerCommand(ClientCommands.setApiKey, () => commands.setApiKey(context.secrets, restartServer)),
        vscode.commands.registerCommand(ClientCommands.clearApiKey, () => commands.clearApiKey(context.secrets, restartServer)),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(`${CONFIGURATION_SECTION}.${name}`))) {
                void restartServer();
            }
        }),
        vscode.workspace.onDidGrantWorkspaceTrust(() => void restartServer()),
    );
    const pythonListener = await onDidChangeSelectedInterpreter(() => void restartServer());
    if (pythonListener) {
        context.subscriptions.push(pythonListener);
    }
    log.info(`Activated in ${(performance.now() - started).toFixed(0)} ms`);
    // The server starts in the background: activation must not wait for Python.
    void startServer(current, names, context.secrets, log).then((ok) => {
        if (ok) {
            log.info(`Server ready ${(performance.now() - started).toFixed(0)} ms after activation began`);
        }
    });
}

export async function deactivate(): Promise<void> {
    await server?.stop();
}
