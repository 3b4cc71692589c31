/** VS Code's Test Explorer fed by the server: a module's tests as items, runs through `codegen.runTests`,
 * results, statement coverage and mutation scores from the server's `codegen/testResults` notification. */

import * as vscode from 'vscode';
import { ServerCommands } from './constants';
import type { CodegenServer } from './server';
import {
    idsToRun,
    lineCoverage,
    mutationText,
    testFileLabel,
    TEST_ITEMS_REQUEST,
    TEST_RESULTS_NOTIFICATION,
    type TestItemsAnswer,
    type TestResultsPayload,
    verdict,
} from './testResults';

interface Owner {
    moduleUri: string;
    id: string | null; // null: the test file itself
}

const RESULT_TIMEOUT_MS = 10 * 60 * 1000;

export class TestExplorer implements vscode.Disposable {
    private readonly controller = vscode.tests.createTestController('codegen', 'Codegen');
    private readonly owners = new WeakMap<vscode.TestItem, Owner>();
    private readonly waiting = new Map<string, (payload: TestResultsPayload) => void>();
    private readonly details = new WeakMap<vscode.FileCoverage, vscode.StatementCoverage[]>();
    // The last full run's mutation score per test file URI: the file's item is made again on every
    // refresh, and a run of some tests leaves the score of the whole file as it was. It goes in the
    // item's label: VS Code reads an item's description instead of its label to screen readers.
    private readonly mutationScores = new Map<string, string>();
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly server: CodegenServer) {
        this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run,
            (request, token) => this.run(request, token, false), true);
        const coverage = this.controller.createRunProfile('Run with Coverage', vscode.TestRunProfileKind.Coverage,
            (request, token) => this.run(request, token, true), true);
        coverage.loadDetailedCoverage = (_run, file) => Promise.resolve(this.details.get(file) ?? []);
        this.controller.resolveHandler = async (item) => {
            if (!item) {
                await Promise.all(vscode.workspace.textDocuments.map((document) => this.refresh(document)));
            }
        };
        this.disposables.push(
            this.controller,
            server.onDidChangeState((state) => state === 'running' && this.attach()),
            vscode.workspace.onDidOpenTextDocument((document) => void this.refresh(document)),
            vscode.workspace.onDidSaveTextDocument((document) => void this.refresh(document)),
        );
        // A test file deleted on disk (an undo of the generation that created it, a git checkout, the
        // Explorer) takes its items with it; otherwise they linger, Skipped or spinning on Run All.
        const watcher = vscode.workspace.createFileSystemWatcher('**/*.py', true, true, false);
        this.disposables.push(watcher, watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())));
        if (server.state === 'running') {
            this.attach();
        }
    }

    private attach(): void {
        const client = this.server.languageClient;
        if (!client) {
            return;
        }
        this.disposables.push(client.onNotification(TEST_RESULTS_NOTIFICATION, (payload: TestResultsPayload) => {
            const resolve = this.waiting.get(payload.uri);
            if (resolve) {
                this.waiting.delete(payload.uri);
                resolve(payload);
            } else {
                void this.showUnrequested(payload);
            }
        }));
        void Promise.all(vscode.workspace.textDocuments.map((document) => this.refresh(document)));
    }

    /** Ask the server for the tests of a module (not of a test file: those are the items themselves). */
    async refresh(document: vscode.TextDocument): Promise<vscode.TestItem | undefined> {
        const client = this.server.languageClient;
        if (!client || this.server.state !== 'running' || document.languageId !== 'python' || document.uri.scheme !== 'file') {
            return undefined;
        }
        const moduleUri = document.uri.toString();
        let answer: TestItemsAnswer | null;
        try {
            answer = await client.sendRequest<TestItemsAnswer | null>(TEST_ITEMS_REQUEST, { uri: moduleUri });
        } catch {
            return undefined;
        }
        this.dropItemsOf(moduleUri, answer?.testUri);
        if (!answer) {
            return undefined;
        }
        const testUri = vscode.Uri.parse(answer.testUri);
        const file = this.controller.createTestItem(answer.testUri,
            testFileLabel(vscode.workspace.asRelativePath(testUri), this.mutationScores.get(answer.testUri)), testUri);
        this.owners.set(file, { moduleUri, id: null });
        const parents = new Map<string, vscode.TestItem>();
        for (const data of answer.items) {
            const item = this.controller.createTestItem(`${answer.testUri}::${data.id}`, data.label, testUri);
            item.range = new vscode.Range(data.line, 0, data.line, 0);
            this.owners.set(item, { moduleUri, id: data.id });
            (data.parent ? parents.get(data.parent)?.children ?? file.children : file.children).add(item);
            parents.set(data.id, item);
        }
        this.controller.items.add(file);
        return file;
    }

    private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, coverage: boolean): Promise<void> {
        const picked = request.include ?? [...this.topLevel()];
        const byModule = new Map<string, (string | null)[]>();
        for (const item of picked) {
            const owner = this.owners.get(item);
            if (owner && !request.exclude?.includes(item)) {
                byModule.set(owner.moduleUri, [...(byModule.get(owner.moduleUri) ?? []), owner.id]);
            }
        }
        const run = this.controller.createTestRun(request);
        try {
            for (const [moduleUri, ids] of byModule) {
                if (token.isCancellationRequested) {
                    break;
                }
                const only = idsToRun(ids);
                this.each(moduleUri, only, (item) => run.started(item));
                const payload = await this.resultsOf(moduleUri, only, token);
                if (payload) {
                    this.apply(run, payload, coverage, only.length > 0);
                } else {
                    this.each(moduleUri, only, (item) => run.skipped(item));
                }
            }
        } finally {
            run.end();
        }
    }

    private resultsOf(moduleUri: string, only: string[], token: vscode.CancellationToken): Promise<TestResultsPayload | undefined> {
        return new Promise((resolve) => {
            const timer = setTimeout(() => finish(undefined), RESULT_TIMEOUT_MS);
            const cancel = token.onCancellationRequested(() => finish(undefined));
            let finished = false;
            const finish = (payload: TestResultsPayload | undefined) => {
                if (finished) {
                    return; // the results came, then the running job's end (or the other way round)
                }
                finished = true;
                clearTimeout(timer);
                cancel.dispose();
                this.waiting.delete(moduleUri);
                resolve(payload);
            };
            this.waiting.set(moduleUri, finish);
            void vscode.commands.executeCommand(ServerCommands.runTests, moduleUri, { only }).then(
                (answer) => {
                    const outcome = answer as { ran?: boolean; started?: boolean; running?: unknown } | undefined;
                    if (outcome && outcome.ran === false && outcome.started === false) {
                        finish(undefined); // refused (untrusted workspace, no test file): the server said why
                    } else if (outcome?.started === false && typeof outcome.running === 'string') {
                        // The module's tests are running already (a generation's, another run): their
                        // results answer this run too; if that work ends without any, stop waiting then.
                        void this.server.outcomes.endOf(outcome.running).then(() => finish(undefined));
                    }
                },
                () => finish(undefined),
            );
        });
    }

    private apply(run: vscode.TestRun, payload: TestResultsPayload, coverage: boolean, partial: boolean): void {
        if (!partial) {
            this.showMutationScore(run, payload);
        }
        const testUri = vscode.Uri.parse(payload.testUri);
        for (const result of payload.tests) {
            const item = this.find(payload.testUri, result.id);
            if (!item) {
                continue;
            }
            const messages = result.messages.map((data) => {
                const message = new vscode.TestMessage(data.message);
                if (data.line !== null) {
                    message.location = new vscode.Location(testUri, new vscode.Position(data.line, 0));
                }
                return message;
            });
            const kind = verdict(result.outcome);
            if (kind === 'passed') {
                run.passed(item);
            } else if (kind === 'skipped') {
                run.skipped(item);
            } else if (kind === 'failed') {
                run.failed(item, messages);
            } else {
                run.errored(item, messages);
            }
        }
        const lines = lineCoverage(payload.coverage);
        if (coverage && lines.length) {
            const statements = lines.map(({ line, covered }) => new vscode.StatementCoverage(covered ? 1 : 0,
                new vscode.Position(line, 0)));
            const file = vscode.FileCoverage.fromDetails(vscode.Uri.parse(payload.uri), statements);
            this.details.set(file, statements);
            run.addCoverage(file);
        }
    }

    /** Results of a run the Test Explorer did not start (after a generation, or the palette's Run Tests). */
    private async showUnrequested(payload: TestResultsPayload): Promise<void> {
        const document = vscode.workspace.textDocuments.find((open) => open.uri.toString() === payload.uri);
        const file = this.controller.items.get(payload.testUri) ?? (document && await this.refresh(document));
        if (!file) {
            return;
        }
        const run = this.controller.createTestRun(new vscode.TestRunRequest([file]), undefined, false);
        this.apply(run, payload, false, false);
        run.end();
    }

    /** The run's mutation score in the test file's item and in the run's output; a full run without
     * one (tests failing, `codegen.mutation` off) takes the last one away. */
    private showMutationScore(run: vscode.TestRun, payload: TestResultsPayload): void {
        const text = mutationText(payload.mutation);
        if (text) {
            this.mutationScores.set(payload.testUri, text);
            run.appendOutput(`${text}\r\n`);
        } else {
            this.mutationScores.delete(payload.testUri);
        }
        const file = this.controller.items.get(payload.testUri);
        if (file?.uri) {
            file.label = testFileLabel(vscode.workspace.asRelativePath(file.uri), text);
        }
    }

    /** Remove the test files listed for `moduleUri` other than `keep` (it has none now, or another one). */
    private dropItemsOf(moduleUri: string, keep: string | undefined): void {
        const stale: string[] = [];
        this.controller.items.forEach((item) => {
            if (item.id !== keep && this.owners.get(item)?.moduleUri === moduleUri) {
                stale.push(item.id);
            }
        });
        for (const id of stale) {
            this.controller.items.delete(id);
        }
    }

    private find(testUri: string, id: string): vscode.TestItem | undefined {
        const file = this.controller.items.get(testUri);
        const classId = id.includes('.') ? id.slice(0, id.indexOf('.')) : undefined;
        const parent = classId ? file?.children.get(`${testUri}::${classId}`) : file;
        return parent?.children.get(`${testUri}::${id}`) ?? file?.children.get(`${testUri}::${id}`);
    }

    private each(moduleUri: string, only: string[], visit: (item: vscode.TestItem) => void): void {
        const walk = (item: vscode.TestItem) => {
            const owner = this.owners.get(item);
            if (owner?.moduleUri === moduleUri && owner.id !== null && !item.children.size
                && (!only.length || only.some((id) => owner.id === id || owner.id!.startsWith(`${id}.`)))) {
                visit(item);
            }
            item.children.forEach(walk);
        };
        this.controller.items.forEach(walk);
    }

    private *topLevel(): Iterable<vscode.TestItem> {
        const items: vscode.TestItem[] = [];
        this.controller.items.forEach((item) => items.push(item));
        yield* items;
    }

    dispose(): void {
        for (const disposable of this.disposables) {
            disposable.dispose();
        }
    }
}
