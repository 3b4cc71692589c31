/** "Codegen: Check Setup": what the extension found, then the CLI's own doctor, in the output channel. */

import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { maskKey, resolveApiKey, serverEnvironment } from './apiKey';
import { Actions, showProblem } from './notifications';
import { gatherFacts } from './lifecycle';
import { doctorInvocation, NEUTRAL_FOLDER, probeMessage } from './python';
import type { ServerState } from './statusText';

const DOCTOR_TIMEOUT_MS = 120_000;

export async function checkSetup(
    settingNames: readonly string[],
    secrets: vscode.SecretStorage,
    log: vscode.LogOutputChannel,
    serverState: ServerState,
): Promise<void> {
    log.show(true);
    await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Codegen: checking the setup' },
        async () => {
            const facts = await gatherFacts(settingNames);
            const key = await resolveApiKey(process.env, secrets);
            log.info('--- Codegen: Check Setup ---');
            log.info(probeMessage(facts.interpreter, facts.probe, facts.install));
            log.info(`Server state: ${serverState}; workspace trusted: ${vscode.workspace.isTrusted}`);
            log.info(`API key: ${maskKey(key.value)} (from ${key.source})`);
            log.info(`Settings: ${JSON.stringify(facts.settings)}`);
            if (!facts.probe.ok) {
                void showProblem(probeMessage(facts.interpreter, facts.probe, facts.install), [Actions.openSettings, Actions.showOutput]);
                return;
            }
            const { args, cwd } = doctorInvocation(facts.settings, vscode.workspace.isTrusted,
                vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, NEUTRAL_FOLDER);
            log.info(`Running: ${facts.interpreter.path} ${args.join(' ')}`);
            const ok = await new Promise<boolean>((resolve) => {
                execFile(facts.interpreter.path, args,
                    { env: serverEnvironment(process.env, key), timeout: DOCTOR_TIMEOUT_MS, cwd },
                    (error, stdout, stderr) => {
                        for (const line of `${stdout}${stderr}`.trimEnd().split(/\r?\n/)) {
                            log.info(line);
                        }
                        resolve(!error);
                    });
            });
            if (ok) {
                void vscode.window.showInformationMessage('Codegen: the setup looks good (details in the output).', Actions.showOutput)
                    .then((picked) => picked && log.show());
            } else {
                void showProblem('Codegen: the setup check found a problem; the output says what to fix.', [Actions.showOutput, Actions.openSettings], 'warning');
            }
        },
    );
}
