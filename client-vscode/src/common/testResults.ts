/** The server's test-explorer messages (codegen/testItems, codegen/testResults) and pure helpers on them. */

export const TEST_ITEMS_REQUEST = 'codegen/testItems';
export const TEST_RESULTS_NOTIFICATION = 'codegen/testResults';

export interface TestItemData {
    id: string; // the id runs report: `TestClass.test_x`, `test_f`; a class is its own name
    label: string;
    parent: string | null;
    line: number; // 0-based
}

export interface TestItemsAnswer {
    testUri: string;
    items: TestItemData[];
}

export interface TestMessageData {
    message: string;
    line: number | null; // 0-based line in the test file
}

export interface TestOutcomeData {
    id: string;
    outcome: 'passed' | 'failed' | 'errored' | 'skipped' | 'flaky';
    messages: TestMessageData[];
}

export interface TestResultsPayload {
    uri: string; // the module
    testUri: string;
    tests: TestOutcomeData[];
    coverage: { measured: boolean; statements: number[]; missing: number[] };
    isolation: string;
    problem: string | null;
    mutation: Record<string, MutationScoreData> | null; // per function; null: not mutation tested
}

/** One function's mutation score from the run: a timed-out mutant counts as caught. */
export interface MutationScoreData {
    score: number | null;
    killed: number;
    survived: number;
    timeout: number;
    total: number;
}

export type Verdict = 'passed' | 'failed' | 'errored' | 'skipped';

/** How the Test Explorer shows an outcome: a flaky test fails (it did not pass every time). */
export function verdict(outcome: TestOutcomeData['outcome']): Verdict {
    return outcome === 'flaky' ? 'failed' : outcome;
}

/** Per executable line of the module (0-based): whether a test executed it. */
export function lineCoverage(coverage: TestResultsPayload['coverage']): { line: number; covered: boolean }[] {
    if (!coverage.measured) {
        return [];
    }
    const missing = new Set(coverage.missing);
    return coverage.statements.map((line) => ({ line, covered: !missing.has(line) }));
}

/** The ids to run for the items picked: none means the whole file. */
export function idsToRun(picked: readonly (string | null)[]): string[] {
    return picked.includes(null) ? [] : [...new Set(picked as string[])];
}

/** The run's mutation score of each function, as the Test Explorer shows it with the test file:
 * `moving_average: mutants 8/10 killed`; undefined when the run was not mutation tested or no
 * function had a mutant. */
export function mutationText(mutation: TestResultsPayload['mutation']): string | undefined {
    const parts = Object.entries(mutation ?? {}).flatMap(([name, score]) => {
        const caught = score.killed + score.timeout;
        const counted = caught + score.survived;
        return counted ? [`${name}: mutants ${caught}/${counted} killed`] : [];
    });
    return parts.length ? parts.join(' · ') : undefined;
}

/** A test file's item label: its path, then the mutation score of the functions it tests, if any. */
export function testFileLabel(relativePath: string, mutation: string | undefined): string {
    return mutation ? `${relativePath} · ${mutation}` : relativePath;
}
