/** Pairs a server command's acknowledgement ({started, token}) with its outcome, sent when the work ends. */

/** What `$/codegen/finished` carries: the token from the acknowledgement, and what became of the work. */
export interface JobOutcome {
    token: string;
    message: string;
    [field: string]: unknown;
}

interface Acknowledgement {
    started?: boolean;
    token?: string;
}

/** Outcomes kept for acknowledgements not seen yet; older ones are dropped. */
const KEPT = 50;

export class JobOutcomes {
    private readonly early = new Map<string, JobOutcome>();
    private readonly waiting = new Map<string, (outcome: JobOutcome) => void>();
    // Those waiting for the end of work someone else started (`endOf`): any number per token.
    private readonly watching = new Map<string, ((outcome: JobOutcome) => void)[]>();

    /** The `$/codegen/finished` handler. */
    finished(outcome: JobOutcome): void {
        for (const watcher of this.watching.get(outcome.token) ?? []) {
            watcher(outcome);
        }
        this.watching.delete(outcome.token);
        const resolve = this.waiting.get(outcome.token);
        if (resolve) {
            this.waiting.delete(outcome.token);
            resolve(outcome);
            return;
        }
        this.early.set(outcome.token, outcome);
        if (this.early.size > KEPT) {
            this.early.delete(this.early.keys().next().value as string);
        }
    }

    /** The outcome a command's answer stands for: the answer itself when no work started in the background. */
    outcomeOf(answer: unknown): Promise<unknown> {
        const ack = answer as Acknowledgement | undefined;
        if (!ack || ack.started !== true || typeof ack.token !== 'string') {
            return Promise.resolve(answer);
        }
        const token = ack.token;
        const early = this.early.get(token);
        if (early) {
            this.early.delete(token);
            return Promise.resolve(early);
        }
        return new Promise((resolve) => this.waiting.set(token, resolve));
    }

    /** When the background work `token` names ends: for work another request started (a run
     * refused because the module's tests are already running waits for that one). Unlike
     * `outcomeOf`, it takes the outcome from no one else. */
    endOf(token: string): Promise<JobOutcome> {
        const early = this.early.get(token);
        if (early) {
            return Promise.resolve(early);
        }
        return new Promise((resolve) => this.watching.set(token, [...(this.watching.get(token) ?? []), resolve]));
    }

    /** The server stopped: no outcome will come for what it was doing. */
    abandon(message: string): void {
        for (const [token, resolve] of this.waiting) {
            resolve({ token, message });
        }
        for (const [token, watchers] of this.watching) {
            watchers.forEach((watcher) => watcher({ token, message }));
        }
        this.waiting.clear();
        this.watching.clear();
        this.early.clear();
    }
}
