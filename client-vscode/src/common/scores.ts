/** Reading what the server publishes: the file's seed scores (from `Diagnostic.data`), the function under the cursor. */

import { DIAGNOSTIC_SOURCE } from './constants';

/** The scores the server puts in its `seed-scores` diagnostic's `data.scores`, named as the pipeline names them. */
export interface SeedScores {
    code_quality_score: number;
    test_coverage_score: number;
    overall_score: number;
}

/** What we read of a diagnostic; vscode-languageclient keeps the server's `data` on the ones it converts. */
export interface DiagnosticLike {
    source?: string;
    code?: string | number | { value: string | number };
    data?: unknown;
}

const SCORE_NAMES: readonly (keyof SeedScores)[] = ['code_quality_score', 'test_coverage_score', 'overall_score'];

function isSeedScores(value: unknown): value is SeedScores {
    if (!value || typeof value !== 'object') {
        return false;
    }
    const record = value as Record<string, unknown>;
    return SCORE_NAMES.every((name) => typeof record[name] === 'number' && Number.isFinite(record[name]));
}

/** The scores of the server's `seed-scores` diagnostic, or undefined when it sent none (or a server too old to send data). */
export function seedScores(diagnostics: readonly DiagnosticLike[]): SeedScores | undefined {
    for (const diagnostic of diagnostics) {
        const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
        if (diagnostic.source !== DIAGNOSTIC_SOURCE || code !== 'seed-scores') {
            continue;
        }
        const scores = (diagnostic.data as { scores?: unknown } | undefined)?.scores;
        if (isSeedScores(scores)) {
            return scores;
        }
    }
    return undefined;
}

/** 0.8, 0.53, 1: two decimals at most, no trailing zeros (as the server writes scores). */
export function scoreText(value: number): string {
    return String(Number(value.toFixed(2)));
}

const DEF = /^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/;

/** The top-level function whose body holds `line` (0-based), or undefined at module level. */
export function enclosingFunction(lines: readonly string[], line: number): string | undefined {
    for (let index = Math.min(line, lines.length - 1); index >= 0; index--) {
        const text = lines[index];
        const match = DEF.exec(text);
        if (match) {
            return match[1];
        }
        if (text.trim() === '' || /^\s/.test(text) || text.startsWith('@') || text.startsWith('#')) {
            continue; // still inside a body, a decorator or a comment
        }
        return undefined; // a top-level statement: the cursor is not inside a function
    }
    return undefined;
}
