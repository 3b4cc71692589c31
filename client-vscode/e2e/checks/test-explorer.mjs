// The generated tests of moving.py in the Test Explorer: listed, run, run with coverage, and their mutation score.
import { pause, waitFor } from '../harness.mjs';
import { openFile, runAllTestsToEnd, runCommand, testLabels } from '../workbench.mjs';

/** @type {import('../harness.mjs').Check} */
export const testsListed = {
    name: 'the Test Explorer lists the generated tests under their file and class',
    run: async ({ page }) => {
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        await waitFor('the test file in the Test Explorer', async () => (await testLabels(page)).some((l) => /test_moving\.py/.test(l)), 60000);
        // Items open with a click (the tree's default single-click expansion): the file, then its class.
        await page.locator('.monaco-list-row', { hasText: 'test_moving.py' }).first().click();
        const classRow = page.locator('.monaco-list-row[aria-label^="Test"]').first();
        await classRow.waitFor({ timeout: 30000 });
        await classRow.click();
        const tests = await waitFor('test items', async () => {
            const found = (await testLabels(page)).filter((l) => /^test_/.test(l) && !/\.py/.test(l));
            return found.length >= 2 && found;
        }, 30000);
        return `${tests.length} tests`;
    },
};

/** @type {import('../harness.mjs').Check} */
export const runAllTests = {
    name: 'running all tests from the Test Explorer shows each one\'s result',
    run: async ({ page }) => {
        await runCommand(page, 'Test: Run All Tests');
        const states = await waitFor('a passed or failed test', async () => {
            const done = (await testLabels(page)).filter((l) => /^test_/.test(l) && !/\.py/.test(l) && /Passed|Failed|Errored/i.test(l));
            return done.length >= 2 && done;
        }, 90000);
        return states.slice(0, 2).join('; ');
    },
};

/** @type {import('../harness.mjs').Check} */
export const coverage = {
    name: 'running with coverage shows the module\'s statement coverage',
    run: async ({ page }) => {
        await runCommand(page, 'Test: Run All Tests with Coverage');
        await openFile(page, 'moving.py');
        return await waitFor('coverage in the gutter or the coverage view', async () => {
            const gutter = await page.locator('[class*="coverage-deco"]').count();
            const rows = (await page.locator('.monaco-list-row').allInnerTexts()).find((t) => /moving\.py[\s\S]*%/.test(t));
            return (gutter > 0 && `${gutter} gutter marks`) || rows;
        }, 90000);
    },
};

/** @type {import('../harness.mjs').Check} */
export const mutationScore = {
    name: 'a run from the Test Explorer shows the function\'s mutation score with its test file',
    critical: false,
    run: async ({ page }) => {
        await runAllTestsToEnd(page, 90000);
        await pause(2000); // the item's new label reaches the tree (a run without a score clears it)
        const label = (await testLabels(page)).find((l) => /^test_moving\.py/.test(l));
        const score = label?.match(/moving_average: mutants \d+\/\d+ killed/)?.[0];
        if (!score) {
            throw new Error(`no mutation score on the test file's item after the run: ${label}`);
        }
        return score;
    },
};
