// Mutation testing in the editor, on mutants.py: after a generation (codegen.mutation at its default,
// `score`) the def line's hint ends in `mutants N/M`, each surviving mutant is listed in the Problems
// panel, and its quick fix "Generate a test that catches this" adds a test class that catches it.
import * as path from 'node:path';
import { keepScreenshot, pause, paths, readLines, waitFor } from '../harness.mjs';
import {
    clearNotifications, editorText, generateIn, goToPosition, openFile, pickCodeAction, runCommand, showProblems,
} from '../workbench.mjs';

// The survivor the quick fix is asked about: the loopback model's tests never call moving_average with
// a window as long as the series, so `window > len(series)` → `>=` goes unnoticed; its steer answer
// (tests/loopback_model.py, STEER_TESTS) catches it.
const SURVIVOR = '`>` → `>=` here goes unnoticed by the tests';
const CATCHING_CLASS = 'class TestMovingAverageEdges(unittest.TestCase):';

/** The mutation score at the end of the def line's inlay hint, once there is one. */
async function mutantsHint(page) {
    const line = (await editorText(page)).split('\n').find((text) => /def moving_average/.test(text));
    const found = line?.match(/ · mutants (\d+)\/(\d+)\s*$/);
    return found && { caught: Number(found[1]), counted: Number(found[2]), hint: line.slice(line.indexOf('quality')) };
}

/** The rows of the Problems panel. */
async function problems(page) {
    await showProblems(page);
    return await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
}

/** @type {import('../harness.mjs').Check} */
export const survivorsShown = {
    name: 'after a generation the def line\'s hint ends in "mutants N/M" and the Problems panel lists each mutant the tests miss',
    critical: false,
    run: async ({ page }) => {
        // Only mutants.py open: the Problems panel lists the open files' problems.
        await runCommand(page, 'View: Close All Editors');
        await generateIn(page, 'mutants.py');
        const before = await waitFor('"mutants N/M" at the end of the def line\'s hint', () => mutantsHint(page), 120000);
        if (before.caught >= before.counted) {
            throw new Error(`no mutant survives the loopback model's tests: ${before.hint}`);
        }
        const listed = await waitFor(`"${SURVIVOR}" in the Problems panel`,
            async () => (await problems(page)).find((row) => row.includes(SURVIVOR)), 30000);
        // The editor as wide as the window, for the hint to be seen whole beside the def line.
        await clearNotifications(page);
        await runCommand(page, 'View: Close Primary Side Bar');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10000 });
        await pause(500); // the palette fades out
        await keepScreenshot('mutation-editor.png', path.join(paths.repo, 'docs'));
        return `${before.hint}; ${listed.replace(/\s+/g, ' ').trim()}`;
    },
};

/** @type {import('../harness.mjs').Check} */
export const catchSurvivor = {
    name: 'the quick fix "Generate a test that catches this" appends a test class to the test file; the mutant leaves the Problems panel and N rises',
    critical: false,
    run: async ({ page, workspace }) => {
        await openFile(page, 'mutants.py');
        const before = await waitFor('the mutation score in the hint', () => mutantsHint(page), 30000);
        const row = (await problems(page)).find((text) => text.includes(SURVIVOR)) ?? '';
        const [, line, column] = row.match(/\[Ln (\d+), Col (\d+)\]/) ?? [];
        if (!line) {
            throw new Error(`"${SURVIVOR}" is not in the Problems panel with its position: ${row}`);
        }
        await openFile(page, 'mutants.py');
        await goToPosition(page, line, Number(column) + 1);
        await pickCodeAction(page, 'Generate a test that catches this', 30000);
        const after = await waitFor('more mutants caught in the hint', async () => {
            const now = await mutantsHint(page);
            return now && now.caught > before.caught && now;
        }, 120000);
        await waitFor(`"${SURVIVOR}" gone from the Problems panel`,
            async () => !(await problems(page)).some((text) => text.includes(SURVIVOR)), 30000);
        await runCommand(page, 'File: Save All');
        const file = path.join(workspace, 'test_mutants.py');
        const tests = await waitFor('the new test class in test_mutants.py on disk',
            () => readLines(file).includes(CATCHING_CLASS) && readLines(file), 30000);
        if (!/class TestMovingAverage\(unittest\.TestCase\)[\s\S]*class TestMovingAverageEdges/.test(tests)) {
            throw new Error(`the new class was not appended after the tests already there:\n${tests}`);
        }
        return `mutants ${before.caught}/${before.counted} -> ${after.caught}/${after.counted}`;
    },
};
