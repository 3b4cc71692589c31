/** Reading what the server publishes: the file's overall score, the function under the cursor. */

import { DIAGNOSTIC_SOURCE } from './constants';

export interface DiagnosticLike {
    message: string;
    source?: string;
    code?: string | number | { value: string | number };
}

const OVERALL = /\boverall\s+([0-9]+(?:\.[0-9]+)?)/;

/** The overall score from the server's `seed-scores` diagnostic, or undefined when there is none. */
export function overallScore(diagnostics: readonly DiagnosticLike[]): number | undefined {
    for (const diagnostic of diagnostics) {
        if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
            continue;
        }
        const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
        const match = OVERALL.exec(diagnostic.message);
        if (code === 'seed-scores' && match) {
            return Number(match[1]);
        }
    }
    return undefined;
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
