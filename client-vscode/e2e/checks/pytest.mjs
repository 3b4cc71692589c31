// A workspace with pytest configuration: generated tests are pytest functions the Test Explorer runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { changeSettings, keepScreenshot, readLines, waitFor } from '../harness.mjs';
import { clearNotifications, generateIn, runAllTestsToEnd, runCommand, testLabels } from '../workbench.mjs';

// Two of the loopback model's pytest functions for the moving average.
const PYTEST_NAMES = ['test_window_larger_than_series_gives_empty_list', 'test_non_positive_window_is_rejected'];

/** Runs all tests from the Test Explorer and waits for the named ones' results; returns their labels. */
async function runAndWaitForResults(page, names) {
    await runAllTestsToEnd(page, 90000);
    return await waitFor('the pytest functions\' results', async () => {
        const labels = await testLabels(page);
        const done = names.map((name) => labels.find((l) => l.startsWith(name) && /Passed|Failed|Errored/i.test(l)));
        return done.every(Boolean) && done;
    }, 30000);
}

/** @type {import('../harness.mjs').Check} */
export const pytestGeneration = {
    name: 'in a workspace with pytest.ini the generated tests are pytest functions, listed and run in the Test Explorer',
    critical: false,
    run: async ({ page, workspace }) => {
        fs.writeFileSync(path.join(workspace, 'pytest.ini'), '[pytest]\n');
        await changeSettings({ 'codegen.testFramework': 'auto' });
        await clearNotifications(page);
        await generateIn(page, 'series.py');
        const file = path.join(workspace, 'test_series.py');
        const content = await waitFor('test_series.py on disk', () => readLines(file), 60000);
        if (!/^def test_\w+\(/m.test(content) || !/^\s+assert /m.test(content) || /unittest|TestCase/.test(content)) {
            throw new Error(`test_series.py is not pytest style:\n${content}`);
        }
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        await waitFor('test_series.py in the Test Explorer', async () => (await testLabels(page)).some((l) => /test_series\.py/.test(l)), 60000);
        await page.locator('.monaco-list-row', { hasText: 'test_series.py' }).first().click();
        await waitFor('the pytest functions under test_series.py', async () => {
            const labels = await testLabels(page);
            return PYTEST_NAMES.every((name) => labels.some((l) => l.startsWith(name)));
        }, 30000);
        const passed = await runAndWaitForResults(page, PYTEST_NAMES);
        await keepScreenshot('e2e-pytest.png');
        return passed.join('; ');
    },
};
