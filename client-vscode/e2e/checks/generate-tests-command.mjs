// "Codegen: Generate Tests for This File/Function" from the command palette on a module that has tests.
import { clearNotifications, focusEditor, runCommand, waitForToast } from '../workbench.mjs';

/** @type {import('../harness.mjs').Check} */
export const generateTestsCommand = {
    name: '"Codegen: Generate Tests for This File/Function" runs from the command palette',
    run: async ({ page }) => {
        await focusEditor(page);
        await page.keyboard.press('Control+End');
        await clearNotifications(page);
        await runCommand(page, 'Codegen: Generate Tests for This File/Function');
        // Every function already has tests, so the server says so (or adds tests for what has none).
        return await waitForToast(page, 'an answer from the server', (t) => /already has tests|Generated tests/.test(t));
    },
};
