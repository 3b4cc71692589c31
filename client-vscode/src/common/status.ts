/** The status-bar item: the server's state and the current file's overall score. */

import * as vscode from 'vscode';
import { ClientCommands } from './constants';
import { overallScore } from './scores';
import type { ServerState } from './server';

const ICONS: Record<ServerState, string> = {
    starting: '$(sync~spin)',
    running: '$(beaker)',
    stopped: '$(circle-slash)',
    failed: '$(error)',
};

/** The item's text and tooltip for a state and a score; pure, so it can be tested. */
export function statusText(state: ServerState, score: number | undefined): { text: string; tooltip: string } {
    const scoreText = score === undefined ? '' : ` ${score.toFixed(2).replace(/\.?0+$/, '') || '0'}`;
    const text = `${ICONS[state]} Codegen${state === 'running' ? scoreText : ''}`;
    const scoreLine = score === undefined ? 'No score for this file yet.' : `Overall score of this file: ${scoreText.trim()} (mean of quality and test coverage).`;
    const action = state === 'failed' ? 'Click to check the setup.' : 'Click to show the output.';
    return { text, tooltip: `Codegen server: ${state}. ${scoreLine} ${action}` };
}

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('codegen.status', vscode.StatusBarAlignment.Right, 100);
    private readonly subscriptions: vscode.Disposable[] = [];
    private state: ServerState = 'stopped';

    constructor() {
        this.item.name = 'Codegen';
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
        const score = document ? overallScore(vscode.languages.getDiagnostics(document.uri)) : undefined;
        const { text, tooltip } = statusText(this.state, score);
        this.item.text = text;
        this.item.tooltip = tooltip;
        this.item.command = this.state === 'failed' ? ClientCommands.checkSetup : ClientCommands.showOutput;
        this.item.backgroundColor = this.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
        if (document?.languageId === 'python' || this.state === 'failed') {
            this.item.show();
        } else {
            this.item.hide();
        }
    }

    dispose(): void {
        this.subscriptions.forEach((subscription) => subscription.dispose());
        this.item.dispose();
    }
}
