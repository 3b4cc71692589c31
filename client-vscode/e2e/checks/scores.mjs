// What the generation on moving.py shows once its tests ran: the score hint, diagnostics, the status bar.
import { waitFor } from '../harness.mjs';
import { editorText, openFile, statusBarTexts } from '../workbench.mjs';

/** @type {import('../harness.mjs').Check} */
export const scoreHint = {
    name: 'an inline score hint is shown on the def line',
    run: async ({ page }) => {
        await openFile(page, 'moving.py');
        return await waitFor('an inlay hint with a quality score',
            async () => (await editorText(page)).match(/quality [0-9.]+ · tests \d+\/\d+[^\n]*/)?.[0], 60000);
    },
};

/** @type {import('../harness.mjs').Check} */
export const diagnostic = {
    name: 'a codegen diagnostic is shown in the editor',
    run: async ({ page }) => {
        const squiggles = page.locator('.editor-group-container.active [class*="squiggly-"]');
        await waitFor('a squiggle', async () => (await squiggles.count()) > 0, 60000);
        return `${await squiggles.count()} squiggles`;
    },
};

/** @type {import('../harness.mjs').Check} */
export const statusBarScore = {
    name: 'the status bar shows the file\'s overall score',
    run: async ({ page }) => {
        return await waitFor('the Codegen status item with a score',
            async () => (await statusBarTexts(page)).find((t) => /Codegen [0-9.]+/.test(t)), 30000);
    },
};
