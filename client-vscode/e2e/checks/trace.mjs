// "Show Trace": the last generation's trace page in a webview.
import { keepScreenshot, waitFor } from '../harness.mjs';
import { clearNotifications, runCommand } from '../workbench.mjs';

// What an editor run's trace holds: its steps with timings, the model calls' inputs and outputs.
// (Its test results and scores are on the page too; tests/lsp/test_traced_runs.py checks them.)
const TRACE_PARTS = [
    ['the prompt in the title', /Trace: .*moving average/],
    ['the total duration', /[0-9.]+ s\s+duration/],
    ['the steps table', /step\s+start \(s\)\s+time \(s\)/],
    ['the model calls', /openai\.chat\.completions\.create\s+\d+\.\d{3}\s+\d+\.\d{3}/],
    ['the inputs and outputs', /Inputs and outputs/],
    ['the generated function', /def moving_average/],
];

/** The text of the webview frame that holds the trace page, once it is there. */
async function tracePageText(page) {
    for (const frame of page.frames()) {
        const body = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
        if (/Trace:/.test(body) && /Steps/.test(body)) {
            return body;
        }
    }
    return false;
}

/** @type {import('../harness.mjs').Check} */
export const showTrace = {
    name: '"Show Trace" opens the last generation\'s trace in a webview with its steps, timings, inputs and outputs',
    critical: false,
    run: async ({ page }) => {
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await runCommand(page, 'Codegen: Show Where the Last Trace Went');
        const tab = await waitFor('a "Codegen trace" editor tab', async () => (await page.locator('.tab', { hasText: 'Codegen trace' }).allInnerTexts())[0], 30000);
        // The page is inside the webview's nested frames: read the frame that holds the trace.
        const text = await waitFor('the trace page in the webview', () => tracePageText(page), 30000);
        for (const [what, pattern] of TRACE_PARTS) {
            if (!pattern.test(text)) {
                throw new Error(`the trace page lacks ${what} (${pattern}):\n${text.slice(0, 1500)}`);
            }
        }
        await keepScreenshot('e2e-trace.png');
        await runCommand(page, 'View: Close Editor');  // the webview tab
        return `${tab.trim()}: ${(text.match(/\n\s*\S+\.\S+\s+\d/g) ?? []).length} steps, ${text.match(/[0-9.]+ s(?=\s+duration)/)[0]}`;
    },
};
