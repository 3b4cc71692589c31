/** Finds the interpreter, checks the server package is there, then starts the server or says why not. */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveApiKey, serverEnvironment } from './apiKey';
import { CONFIGURATION_SECTION, PYPI_PACKAGE } from './constants';
import { Actions, showProblem } from './notifications';
import {
    chooseInterpreter,
    installCommand,
    installInvocation,
    installSource,
    type Interpreter,
    type Probe,
    probeMessage,
    probeServer,
    refuseUntrusted,
} from './python';
import { selectedInterpreter } from './pythonExtension';
import { type CodegenServer } from './server';
import { initializationOptions, type InterpreterFor, readSettings, type ServerSettings, withInterpreter } from './settings';

export interface Facts {
    settings: ServerSettings;
    interpreter: Interpreter;
    probe: Probe;
    install: string;
    /** What `install` installs: a checkout's folder or the package name. */
    installSource: string;
}

/** The folder the server runs for (its root; the first of several), whose settings start it. */
function serverFolder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
}

/** The interpreter a folder chose: its own `codegen.interpreter` (expanded), else its Python extension interpreter. */
async function folderInterpreter(folder: vscode.WorkspaceFolder | undefined, configured: unknown): Promise<Interpreter> {
    return chooseInterpreter(configured as string | null, await selectedInterpreter(folder?.uri), folder?.uri.fsPath);
}

/**
 * Resolves the test interpreter for each scope the server asks settings for, in the folder holding it;
 * `fallback` (the server's own) when the folder chose none. Nothing in an untrusted workspace: the server
 * runs no tests there and refuses an interpreter, and a mistyped setting is left for the server to report.
 */
function interpreterFor(fallback: string): InterpreterFor {
    return async (scopeUri, configured) => {
        if (!vscode.workspace.isTrusted || (configured !== null && configured !== undefined && typeof configured !== 'string')) {
            return undefined;
        }
        const folder = scopeUri ? vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(scopeUri)) : serverFolder();
        const chosen = await folderInterpreter(folder, configured);
        return chosen.source === 'default' ? fallback : chosen.path;
    };
}

/** Everything needed to decide whether and how the server can start. An untrusted workspace's own
 * interpreter is never run, and the Install button installs from the registry, never from its folders. */
export async function gatherFacts(settingNames: readonly string[]): Promise<Facts> {
    const folder = serverFolder();
    const settings = readSettings(settingNames, vscode.workspace.getConfiguration(CONFIGURATION_SECTION, folder?.uri));
    const interpreter = await folderInterpreter(folder, settings.interpreter);
    const trusted = vscode.workspace.isTrusted;
    const workspacePaths = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const probe = refuseUntrusted(interpreter.path, trusted ? [] : workspacePaths) ?? await probeServer(interpreter.path);
    const folders = await Promise.all(
        (trusted ? workspacePaths : []).map(async (fsPath) => ({
            path: fsPath,
            pyproject: await fs.readFile(path.join(fsPath, 'pyproject.toml'), 'utf8').catch(() => undefined),
        })),
    );
    const source = installSource(folders, PYPI_PACKAGE);
    return { settings, interpreter, probe, install: installCommand(interpreter.path, source), installSource: source };
}

/** Starts the server when the interpreter can run it; otherwise shows what is wrong and how to fix it. */
export async function startServer(
    server: CodegenServer,
    settingNames: readonly string[],
    secrets: vscode.SecretStorage,
    log: vscode.LogOutputChannel,
): Promise<boolean> {
    const facts = await gatherFacts(settingNames);
    log.info(`Interpreter: ${facts.interpreter.path} (from ${facts.interpreter.source})`);
    if (!facts.probe.ok) {
        server.markFailed();
        const message = probeMessage(facts.interpreter, facts.probe, facts.install);
        log.error(message);
        const extra: Record<string, () => unknown> =
            facts.probe.problem === 'missing-package'
                ? { 'Install': () => installServer(facts, log, () => restart(server, settingNames, secrets, log)) }
                : {};
        void showProblem(message, [Actions.openSettings, Actions.showOutput], 'error', extra);
        return false;
    }
    const key = await resolveApiKey(process.env, secrets);
    log.info(`Server package ${facts.probe.version}; API key from ${key.source}`);
    const trusted = vscode.workspace.isTrusted;
    // An untrusted workspace runs no tests, and the server rejects an interpreter sent for one.
    const settings = withInterpreter(facts.settings, trusted ? facts.interpreter.path : undefined);
    try {
        await server.start(
            {
                python: facts.interpreter.path,
                env: serverEnvironment(process.env, key),
                initializationOptions: initializationOptions(settings, trusted),
                interpreterFor: interpreterFor(facts.interpreter.path),
            },
            () => void showProblem('The Codegen server keeps crashing, so it was stopped. The output shows why.',
                [Actions.showOutput, Actions.restart]),
        );
        return true;
    } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log.error(`The server did not start: ${reason}`);
        void showProblem(`The Codegen server stopped while starting with ${facts.interpreter.path}. The output shows why.`,
            [Actions.showOutput, Actions.restart, Actions.checkSetup]);
        return false;
    }
}

export async function restart(
    server: CodegenServer,
    settingNames: readonly string[],
    secrets: vscode.SecretStorage,
    log: vscode.LogOutputChannel,
): Promise<boolean> {
    log.info('Restarting the server');
    await server.stop();
    return startServer(server, settingNames, secrets, log);
}

/** Runs the install command the user was shown, after they asked for it, then calls `done`. */
async function installServer(facts: Facts, log: vscode.LogOutputChannel, done: () => unknown): Promise<void> {
    log.info(`Running: ${facts.install}`);
    log.show(true);
    const ok = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Codegen: ${facts.install}` },
        () => new Promise<boolean>((resolve) => {
            const { args, cwd } = installInvocation(facts.installSource);
            const child = execFile(facts.interpreter.path, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error) => resolve(!error));
            child.stdout?.on('data', (chunk) => log.info(String(chunk).trimEnd()));
            child.stderr?.on('data', (chunk) => log.warn(String(chunk).trimEnd()));
        }),
    );
    if (ok) {
        await done();
    } else {
        void showProblem(`Installing the Codegen server failed: ${facts.install}. The output shows why.`, [Actions.showOutput]);
    }
}
