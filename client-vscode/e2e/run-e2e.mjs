// End-to-end test of the built .vsix in a real VS Code: code-server in headless Chromium, with the
// project's loopback model. Runs the checks of checks/ in order; exits 0 when every check passed, 1
// otherwise; kills everything it started.
//
// Usage: node run-e2e.mjs   (env: CODEGEN_E2E_PYTHON, CODEGEN_E2E_VSIX, CODEGEN_E2E_OUTPUT)
import * as path from 'node:path';
import * as badSetups from './checks/bad-setups.mjs';
import * as generateTestsCommand from './checks/generate-tests-command.mjs';
import * as generation from './checks/generation.mjs';
import * as mutation from './checks/mutation.mjs';
import * as preview from './checks/preview.mjs';
import * as progress from './checks/progress.mjs';
import * as pytest from './checks/pytest.mjs';
import * as scores from './checks/scores.mjs';
import * as testExplorer from './checks/test-explorer.mjs';
import * as trace from './checks/trace.mjs';
import { keepScreenshot, log, paths, runChecks, runE2e, screenshot, startSession, writeFigures } from './harness.mjs';
import { openFile } from './workbench.mjs';

await runE2e(async () => {
    const session = await startSession();
    await openFile(session.page, 'moving.py');
    await session.page.keyboard.press('Control+Home');
    // The main flow on moving.py: each of these checks needs the one before it.
    await runChecks(session, [
        generation.lightbulbGenerates, generation.codeInEditor, generation.testFileOnDisk,
        scores.scoreHint, scores.diagnostic, scores.statusBarScore,
        testExplorer.testsListed, testExplorer.runAllTests, testExplorer.mutationScore, testExplorer.coverage,
        generateTestsCommand.generateTestsCommand,
    ]);
    await keepScreenshot('e2e-final.png');
    log(`screenshot: ${path.join(paths.output, 'e2e-final.png')}`);
    // Each on its own: a failure is recorded and the next one still runs.
    await runChecks(session, [
        trace.showTrace,
        mutation.survivorsShown, mutation.catchSurvivor,
        preview.previewApplyUndo,
        pytest.pytestGeneration,
        progress.streamedProgress,
        badSetups.modelError, badSetups.crashAtStart, badSetups.packageMissing, badSetups.noPython,
    ]);
    await screenshot('e2e-bad-input.png');
    writeFigures();
});
