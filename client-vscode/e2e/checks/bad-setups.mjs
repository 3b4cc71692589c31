// Bad input: a model that cannot be reached and three broken interpreters, each reported to the user.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionLog, freePort, pause, paths, readLines, waitFor, writeWorkspaceSettings } from '../harness.mjs';
import { clearNotifications, editorText, openFile, pickCodeAction, waitForToast } from '../workbench.mjs';

/** @type {import('../harness.mjs').Check} */
export const modelError = {
    name: 'a model error shows a notification and makes no edit',
    critical: false,
    run: async ({ page, workspace }) => {
        const deadPort = await freePort();
        writeWorkspaceSettings({ 'codegen.baseUrl': `http://127.0.0.1:${deadPort}/v1` });
        // The server has the new settings once it pulled them (the extension logs what it sent).
        await waitFor('the server to pull the new baseUrl', () => extensionLog().includes(`127.0.0.1:${deadPort}`), 30000);
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await openFile(page, 'broken.py');
        await page.keyboard.press('Control+Home');
        await pickCodeAction(page, 'Generate function', 30000);
        const toast = await waitForToast(page, 'an error notification', (t) => /connect|model|reach|error/i.test(t) && !/Generate Tests/.test(t));
        await pause(1000);
        const text = await editorText(page);
        if (/def /.test(text) || readLines(path.join(workspace, 'broken.py')).includes('def ')) {
            throw new Error(`the file was edited:\n${text}`);
        }
        return toast.split('\n').find((line) => /reach|error/i.test(line));
    },
};

/** @type {import('../harness.mjs').Check} */
export const crashAtStart = {
    name: 'a server that crashes at start is reported, and Show Output shows why',
    critical: false,
    run: async ({ page }) => {
        const crashing = path.join(paths.run, 'crashing-python');
        fs.writeFileSync(crashing, `#!/bin/sh\nfor arg; do if [ "$arg" = "codegen_lsp" ]; then echo "simulated crash at start" >&2; exit 1; fi; done\nexec '${paths.python}' "$@"\n`, { mode: 0o755 });
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': crashing });
        const crashed = /stopped while starting|keeps crashing/;
        const toast = await waitForToast(page, 'the crash notification', (t) => crashed.test(t));
        await page.locator('.notification-toast', { hasText: crashed }).first()
            .locator('.monaco-button', { hasText: 'Show Output' }).first().click();
        // The output channel opened (its view scrolls to the end, past the stack traces of the failed restarts).
        await waitFor('the Codegen output channel in the panel', async () => (await page.locator('.monaco-editor .view-lines').allInnerTexts()).join('\n').includes('[error]'), 30000);
        if (!extensionLog().includes('simulated crash at start')) {
            throw new Error('the server\'s stderr is not in the output channel');
        }
        return toast.split('\n').find((line) => crashed.test(line));
    },
};

/** @type {import('../harness.mjs').Check} */
export const packageMissing = {
    name: 'an interpreter without the server package is reported with the install command',
    critical: false,
    run: async ({ page }) => {
        const bare = process.env.CODEGEN_E2E_BARE_PYTHON ?? '/usr/bin/python3';
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': bare });
        const toast = await waitForToast(page, 'the missing-package notification', (t) => /not installed in/.test(t) && /pip install/.test(t));
        if (!/Install/.test(toast)) {
            throw new Error(`no Install action offered: ${toast}`);
        }
        return toast.split('\n').find((line) => /pip install/.test(line));
    },
};

/** @type {import('../harness.mjs').Check} */
export const noPython = {
    name: 'no Python at the configured path is reported',
    critical: false,
    run: async ({ page }) => {
        await clearNotifications(page);
        writeWorkspaceSettings({ 'codegen.interpreter': '/nonexistent/bin/python3' });
        const toast = await waitForToast(page, 'the no-Python notification', (t) => /No Python found/.test(t));
        return toast.split('\n').find((line) => /No Python found/.test(line));
    },
};
