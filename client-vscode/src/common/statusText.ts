/** What the status-bar item and the Python language status item say for a server state and a file's scores. */

import { ClientCommands } from './constants';
import { type SeedScores, scoreText } from './scores';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

const ICONS: Record<ServerState, string> = {
    starting: '$(sync~spin)',
    running: '$(beaker)',
    stopped: '$(circle-slash)',
    failed: '$(error)',
};

const STATE_TEXT: Record<ServerState, string> = {
    starting: 'starting',
    running: 'running',
    stopped: 'stopped',
    failed: 'failed to start',
};

/** The command a click runs: the setup check when the server failed, else the output. */
export function statusCommand(state: ServerState): { command: string; title: string } {
    return state === 'failed'
        ? { command: ClientCommands.checkSetup, title: 'Check Setup' }
        : { command: ClientCommands.showOutput, title: 'Show Output' };
}

/** The status-bar item's text and tooltip. */
export function statusText(state: ServerState, scores: SeedScores | undefined): { text: string; tooltip: string } {
    const overall = scores === undefined ? undefined : scoreText(scores.overall_score);
    const text = `${ICONS[state]} Codegen${state === 'running' && overall !== undefined ? ` ${overall}` : ''}`;
    const scoreLine = overall === undefined ? 'No score for this file yet.' : `Overall score of this file: ${overall} (mean of quality and test coverage).`;
    const action = state === 'failed' ? 'Click to check the setup.' : 'Click to show the output.';
    return { text, tooltip: `Codegen server: ${state}. ${scoreLine} ${action}` };
}

export type Severity = 'information' | 'warning' | 'error';

/** The language status item: the server's state, and the file's scores while it runs. */
export function languageStatus(state: ServerState, scores: SeedScores | undefined): {
    text: string;
    detail: string;
    severity: Severity;
    busy: boolean;
} {
    const severity: Severity = state === 'failed' ? 'error' : state === 'stopped' ? 'warning' : 'information';
    const busy = state === 'starting';
    if (state !== 'running') {
        return { text: `Codegen ${STATE_TEXT[state]}`, detail: 'Scores appear once the server runs.', severity, busy };
    }
    if (scores === undefined) {
        return { text: 'Codegen', detail: 'No score for this file yet.', severity, busy };
    }
    return {
        text: `Codegen ${scoreText(scores.overall_score)}`,
        detail: `quality ${scoreText(scores.code_quality_score)} · test coverage ${scoreText(scores.test_coverage_score)}`,
        severity,
        busy,
    };
}
