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

    /** The `$/codegen/finished` handler. */
    finished(outcome: JobOutcome): void {
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

    /** The server stopped: no outcome will come for what it was doing. */
    abandon(message: string): void {
        for (const [token, resolve] of this.waiting) {
            resolve({ token, message });
        }
        this.waiting.clear();
        this.early.clear();
    }
}
