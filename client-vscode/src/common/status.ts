/** Shows the server's state and the current file's scores: a status-bar item and a Python language status item. */

import * as vscode from 'vscode';
import { seedScores } from './scores';
import { languageStatus, type ServerState, type Severity, statusCommand, statusText } from './statusText';

const SEVERITY: Record<Severity, vscode.LanguageStatusSeverity> = {
    information: vscode.LanguageStatusSeverity.Information,
    warning: vscode.LanguageStatusSeverity.Warning,
    error: vscode.LanguageStatusSeverity.Error,
};

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('codegen.status', vscode.StatusBarAlignment.Right, 100);
    // VS Code shows it (in the `{}` Python indicator, or pinned) only while a Python file is active.
    private readonly language = vscode.languages.createLanguageStatusItem('codegen.languageStatus', { language: 'python' });
    private readonly subscriptions: vscode.Disposable[] = [];
    private state: ServerState = 'stopped';

    constructor() {
        this.item.name = 'Codegen';
        this.language.name = 'Codegen';
        this.subscriptions.push(
            vscode.window.onDidChangeActiveTextEditor(() => this.update()),
            vscode.languages.onDidChangeDiagnostics((event) => {
                const active = vscode.window.activeTextEditor?.document.uri.toString();
                if (active && event.uris.some((uri) => uri.toString() === active)) {
                    this.update();
                }
            }),
        );
        this.update();
    }

    setState(state: ServerState): void {
        this.state = state;
        this.update();
    }

    private update(): void {
        const document = vscode.window.activeTextEditor?.document;
        const scores = document ? seedScores(vscode.languages.getDiagnostics(document.uri)) : undefined;
        const command = statusCommand(this.state);

        const { text, tooltip } = statusText(this.state, scores);
        this.item.text = text;
        this.item.tooltip = tooltip;
        this.item.command = command.command;
        this.item.backgroundColor = this.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
        if (document?.languageId === 'python' || this.state === 'failed') {
            this.item.show();
        } else {
            this.item.hide();
        }

        const status = languageStatus(this.state, scores);
        this.language.text = status.text;
        this.language.detail = status.detail;
        this.language.severity = SEVERITY[status.severity];
        this.language.busy = status.busy;
        this.language.command = command;
    }

    dispose(): void {
        for (const subscription of this.subscriptions) {
            subscription.dispose();
        }
        this.item.dispose();
        this.language.dispose();
    }
}
