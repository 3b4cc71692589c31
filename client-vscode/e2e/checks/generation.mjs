// The main flow on moving.py: the lightbulb's generate action writes the function, the runner and a test file.
import * as path from 'node:path';
import { findFiles, readLines, waitFor } from '../harness.mjs';
import { editorText, pickCodeAction } from '../workbench.mjs';

/** @type {import('../harness.mjs').Check} */
export const lightbulbGenerates = {
    name: 'the lightbulb offers and runs "Generate function, runner and tests"',
    run: async ({ page }) => {
        await pickCodeAction(page, 'Generate function, runner and tests', 90000);
    },
};

/** @type {import('../harness.mjs').Check} */
export const codeInEditor = {
    name: 'the function and the runner appear in the editor',
    run: async ({ page }) => {
        const text = await waitFor('the generated code in the editor',
            async () => { const t = await editorText(page); return /def moving_average/.test(t) && /def main\(\)/.test(t) && t; }, 90000);
        return `${text.split('\n').length} lines visible`;
    },
};

/** @type {import('../harness.mjs').Check} */
export const testFileOnDisk = {
    name: 'the test file is created on disk',
    run: async ({ page, workspace }) => {
        const file = await waitFor('test_moving.py', () => findFiles(workspace, /^test_moving\.py$/)[0], 30000);
        await page.keyboard.press('Control+S');
        const content = await waitFor('the test file content on disk', () => /class \w+\(unittest\.TestCase\)/.test(readLines(file)) && readLines(file), 30000);
        if (!/from moving import/.test(content)) {
            throw new Error(`the test file does not import the module:\n${content}`);
        }
        return path.relative(workspace, file);
    },
};
