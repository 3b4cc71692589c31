// Live progress: a slowly streaming model's reply shows a growing token count in the status bar.
import { changeSettings, keepScreenshot, pause, startLoopbackModel, waitFor } from '../harness.mjs';
import { clearNotifications, editorText, generateIn, statusBarTexts } from '../workbench.mjs';

// The language client shows the server's work-done progress in the status bar (window progress).
const PROGRESS = /Generating [^:]+: (\d+) tokens, (\d+) s/;

/** @type {import('../harness.mjs').Check} */
export const streamedProgress = {
    name: 'during a slow streamed reply the progress in the status bar shows a growing token count and the elapsed time',
    critical: false,
    run: async ({ page }) => {
        const slowModel = await startLoopbackModel('slow-model.log', ['--piece-delay', '0.15']);
        await changeSettings({ 'codegen.baseUrl': slowModel });
        await page.keyboard.press('Escape');
        await clearNotifications(page);
        await generateIn(page, 'slow.py');
        const shown = async () => (await statusBarTexts(page)).map((t) => t.match(PROGRESS)).find(Boolean);
        const first = await waitFor('"N tokens, T s" in the status bar', shown, 30000, 100);
        const later = await waitFor('a larger token count', async () => {
            const now = await shown();
            return now && Number(now[1]) > Number(first[1]) && Number(now[2]) > Number(first[2]) && now;
        }, 10000, 200);
        // The item is cut to the status bar's width: its hover shows the whole message.
        await page.locator('.statusbar-item', { hasText: 'tokens' }).first().hover().catch(() => undefined);
        await pause(1200);
        await keepScreenshot('e2e-progress.png');
        await waitFor('the generation to finish', async () => /def moving_average/.test(await editorText(page)), 90000);
        return `${first[0]} then ${later[0]}`;
    },
};
