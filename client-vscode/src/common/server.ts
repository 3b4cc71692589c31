/** Starts, stops and restarts the language server process (`python -m codegen_lsp`) over stdio. */

import * as vscode from 'vscode';
import {
    CloseAction,
    ErrorAction,
    LanguageClient,
    type LanguageClientOptions,
    RevealOutputChannelOn,
    type ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { CONFIGURATION_SECTION, EXTENSION_NAME, FINISHED_NOTIFICATION } from './constants';
import { type JobOutcome, JobOutcomes } from './jobs';
import { serverInvocation } from './python';
import { type InitializationOptions, type InterpreterFor, withFolderInterpreters } from './settings';
import type { ServerState } from './statusText';

export interface Launch {
    python: string;
    env: NodeJS.ProcessEnv;
    initializationOptions: InitializationOptions;
    /** The interpreter generated tests for a folder's files run with (multi-root: each folder its own). */
    interpreterFor: InterpreterFor;
}


/** Restarts allowed after crashes within CRASH_WINDOW_MS, before we stop and tell the user. */
const MAX_CRASH_RESTARTS = 2;
const CRASH_WINDOW_MS = 3 * 60 * 1000;

export function serverOptions(launch: Launch): ServerOptions {
    // Isolated, from a neutral folder: a `codegen/` or `codegen_lsp/` folder in the workspace is never
    // imported instead of ours (the client would otherwise start us in the workspace).
    const { args, cwd } = serverInvocation();
    return {
        command: launch.python,
        args,
        options: { env: launch.env, cwd },
        // No `transport`: both sides default to stdio (`python -m codegen_lsp` also accepts the `--stdio`
        // that TransportKind.stdio would append).
    };
}

export function clientOptions(
    launch: Launch,
    outputChannel: vscode.LogOutputChannel,
    onCrashLoop: () => void,
): LanguageClientOptions {
    const crashes: number[] = [];
    return {
        documentSelector: [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
        ],
        outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: launch.initializationOptions,
        synchronize: { configurationSection: CONFIGURATION_SECTION },
        initializationFailedHandler: () => false,
        errorHandler: {
            error: (_error, _message, count) => ({
                action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
                handled: true,
            }),
            closed: () => {
                const now = Date.now();
                crashes.push(now);
                while (crashes.length && now - crashes[0] > CRASH_WINDOW_MS) {
                    crashes.shift();
                }
                if (crashes.length <= MAX_CRASH_RESTARTS) {
                    outputChannel.warn('The Codegen server stopped unexpectedly; restarting it.');
                    return { action: CloseAction.Restart, handled: true };
                }
                onCrashLoop();
                return { action: CloseAction.DoNotRestart, handled: true };
            },
        },
        middleware: {
            workspace: {
                // Tests run in the user's interpreter: each folder's answer gets the interpreter chosen for that folder.
                configuration: async (params, token, next) => {
                    const answer = await next(params, token);
                    if (!Array.isArray(answer)) {
                        return answer;
                    }
                    const settings = await withFolderInterpreters(params.items, answer, launch.interpreterFor);
                    outputChannel.info(`Settings sent to the server: ${JSON.stringify(settings)}`);
                    return settings;
                },
            },
        },
    };
}

/** Owns at most one running client; reports its state to whoever listens. */
export class CodegenServer implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
    readonly onDidChangeState = this.stateEmitter.event;
    state: ServerState = 'stopped';
    /** Outcomes of the work the server's commands started in the background. */
    readonly outcomes = new JobOutcomes();

    constructor(private readonly outputChannel: vscode.LogOutputChannel) {}

    get languageClient(): LanguageClient | undefined {
        return this.client;
    }

    /** Starts the server; resolves once it answered `initialize`, rejects if it did not. */
    async start(launch: Launch, onCrashLoop: () => void): Promise<void> {
        await this.stop();
        const client = new LanguageClient(
            CONFIGURATION_SECTION,
            EXTENSION_NAME,
            serverOptions(launch),
            clientOptions(launch, this.outputChannel, () => {
                this.setState('failed');
                onCrashLoop();
            }),
        );
        this.client = client;
        client.onNotification(FINISHED_NOTIFICATION, (outcome: JobOutcome) => this.outcomes.finished(outcome));
        client.onDidChangeState((event) => {
            if (this.client !== client) {
                return;
            }
            if (event.newState === State.Running) {
                this.setState('running');
            } else if (event.newState === State.Starting) {
                this.setState('starting');
            } else if (this.state !== 'failed') {
                this.setState('stopped');
            }
        });
        this.setState('starting');
        this.outputChannel.info(`Starting ${launch.python} ${serverInvocation().args.join(' ')}`);
        try {
            await client.start();
        } catch (error) {
            this.setState('failed');
            throw error;
        }
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        this.outcomes.abandon('Codegen: the server stopped before the work ended.');
        if (client) {
            try {
                await client.stop(5000);
            } catch (error) {
                this.outputChannel.warn(`Stopping the server: ${String(error)}`);
            }
        }
        this.setState('stopped');
    }

    markFailed(): void {
        this.setState('failed');
    }

    private setState(state: ServerState): void {
        if (this.state !== state) {
            this.state = state;
            this.stateEmitter.fire(state);
        }
    }

    async dispose(): Promise<void> {
        await this.stop();
        this.stateEmitter.dispose();
    }
}
