// Driving VS Code's workbench in the page as a user does: quick open, the command palette, the lightbulb,
// and reading back the editor, the notifications, the status bar and the Test Explorer.
import { waitFor } from './harness.mjs';

const ACTIVE_EDITOR_LINES = '.editor-group-container.active .monaco-editor .view-lines';

/** What the user sees of the editors: Monaco renders spaces as U+00A0. */
export async function editorText(page) {
    const texts = await page.locator(ACTIVE_EDITOR_LINES).allInnerTexts();
    return texts.join('\n').replace(/\u00a0/g, ' ');
}

export async function openFile(page, name) {
    await page.keyboard.press('Control+P');
    await page.keyboard.type(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 20000 });
    await focusEditor(page);
}

/** Puts the keyboard focus in the active editor. */
export async function focusEditor(page) {
    await page.locator(ACTIVE_EDITOR_LINES).first().click();
}

export async function runCommand(page, title) {
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type(title);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 20000 });
    await page.keyboard.press('Enter');
}

/** Opens the lightbulb menu at the cursor until it lists `title` (the server may still be starting), then picks it. */
export async function pickCodeAction(page, title, timeoutMs) {
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

/** Opens a module holding only the prompt and picks the generate action on it. */
export async function generateIn(page, name) {
    await page.keyboard.press('Escape');
    await openFile(page, name);
    await page.keyboard.press('Control+Home');
    await pickCodeAction(page, 'Generate function, runner and tests', 60000);
}

export async function clearNotifications(page) {
    await runCommand(page, 'Notifications: Clear All Notifications');
}

/** The text of the first notification for which `matches(text)` holds, once one is shown. */
export function waitForToast(page, description, matches) {
    return waitFor(description, async () => (await page.locator('.notification-toast').allInnerTexts()).find(matches), 60000);
}

export function statusBarTexts(page) {
    return page.locator('.statusbar-item').allInnerTexts();
}

/** The labels of the list rows (the Test Explorer's items once it has the focus), state included. */
export function testLabels(page) {
    return page.locator('.monaco-list-row[aria-label]').evaluateAll(
        (rows) => rows.map((row) => row.getAttribute('aria-label')));
}

/** Runs all tests from the Test Explorer and waits for that run to end (a generation's own run may
 * have marked the items already: the run is seen to start, then to finish). A run still going is
 * waited for first: the server refuses a second run of the same tests. */
export async function runAllTestsToEnd(page, timeoutMs) {
    const running = async () => (await testLabels(page)).some((l) => /Running|Queued/i.test(l));
    await waitFor('the run before to end', async () => !await running(), timeoutMs);
    await runCommand(page, 'Test: Run All Tests');
    await waitFor('the run to start', running, 15000, 100).catch(() => undefined);
    await waitFor('the run to end', async () => !await running(), timeoutMs);
}

/** Opens the Problems panel unless it is showing (its keybinding toggles it). */
export async function showProblems(page) {
    if (!await page.locator('.markers-panel').isVisible()) {
        await page.keyboard.press('Control+Shift+M');
    }
    await page.locator('.markers-panel').waitFor({ timeout: 20000 });
}

/** Puts the cursor at a 1-based line and column of the active editor (Go to Line). */
export async function goToPosition(page, line, column) {
    await page.keyboard.press('Control+G');
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press('Enter');
}
