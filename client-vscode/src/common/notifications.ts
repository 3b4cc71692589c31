/** Errors the extension shows, each with the actions that help: open the settings, the output, restart. */

import * as vscode from 'vscode';
import { ClientCommands } from './constants';

export const Actions = {
    showOutput: 'Show Output',
    openSettings: 'Open Settings',
    restart: 'Restart Server',
    checkSetup: 'Check Setup',
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];

/** Shows `message` as an error (or warning) and runs whichever action the user picks. */
export async function showProblem(
    message: string,
    actions: Action[],
    severity: 'error' | 'warning' = 'error',
    extra: Record<string, () => unknown> = {},
): Promise<void> {
    const labels = [...Object.keys(extra), ...actions];
    const show = severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const picked = await show(message, ...labels);
    if (!picked) {
        return;
    }
    if (picked in extra) {
        await extra[picked]();
        return;
    }
    switch (picked) {
        case Actions.showOutput:
            await vscode.commands.executeCommand(ClientCommands.showOutput);
            break;
        case Actions.openSettings:
            await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codegen.codegen-vscode');
            break;
        case Actions.restart:
            await vscode.commands.executeCommand(ClientCommands.restartServer);
            break;
        case Actions.checkSetup:
            await vscode.commands.executeCommand(ClientCommands.checkSetup);
            break;
    }
}
