/**
 * The retry loop. One call moves through these states, in order, for each attempt:
 *
 *   gate    wait while the host gate for `gateKey` is closed, or while another call probes the host (abortable;
 *           give up `deadline` if it would not open before the deadline)
 *   attempt run the operation with its own signal (per-attempt timeout and deadline armed on it)
 *   decide  success → return; otherwise `decideAfterFailure` (classify, idempotency, attempts, deadline,
 *           budget) → give up, or retry after `delayMs`
 *   notify  record the attempt, close the host gate if the server paced us, call `onRetry` (before sleeping)
 *   sleep   abortable wait, then back to `gate`; after a request that never arrived, only the host's prober
 *           sleeps its backoff, every other call waits at the gate for the probe's outcome
 *
 * The caller's signal stops every state at once: no attempt starts after it aborts, and a pending wait settles
 * in the same tick. Every give-up throws `RetryError` after calling `onGiveUp`.
 */
import { runAttempt } from './attempt.js';
import { decideAfterFailure, type FailureStep } from './decide.js';
import { RetryError } from './errors.js';
import type { HostGate } from './host-gate.js';
import type { ResolvedRetryOptions } from './options.js';
import type { RetryBudget } from './retry-budget.js';
import { emit, giveUpEvent, retryEvent } from './telemetry.js';
import type { AttemptContext, AttemptRecord, GiveUpReason } from './types.js';

/** Why a probe watch is cancelled (one shared reason: no DOMException per attempt). */
const PROBE_SETTLED = Object.freeze(new Error('the probe attempt settled'));

/** The machinery a policy shares between its calls. */
export interface SharedState {
  budget: RetryBudget;
  gate: HostGate;
}

/** A function, not an inline check: TypeScript would keep `aborted` narrowed to false across awaits. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

interface GiveUpDetail {
  /** The error behind the give-up (the abort reason for `aborted`). */
  cause: unknown;
  detail?: string | undefined;
}

class RetryingCall<T> {
  readonly #history: AttemptRecord[] = [];
  readonly #startedAt: number;
  readonly #deadlineAt: number;
  #previousBackoffMs: number | undefined;
  #serverPacedRetries = 0;
  #neverArrivedRetries = 0;
  #lastError: unknown;

  constructor(
    private readonly fn: (ctx: AttemptContext) => Promise<T>,
    private readonly o: ResolvedRetryOptions,
    private readonly shared: SharedState,
  ) {
    this.#startedAt = o.clock.now();
    this.#deadlineAt = this.#startedAt + o.deadlineMs;
  }

  async run(): Promise<T> {
    const { clock, signal } = this.o;
    if (aborted(signal)) throw this.#giveUp('aborted', { cause: signal?.reason });
    this.shared.budget.recordRequest();
    for (let attempt = 1; ; attempt++) {
      const gateWaitMs = await this.#waitAtGate();
      if (aborted(signal)) throw this.#giveUp('aborted', { cause: signal?.reason });
      const startedAt = clock.now();
      const watch = this.#watchProbe();
      const outcome = await runAttempt(this.fn, {
        attempt,
        history: this.#history.slice(),
        clock,
        signal,
        attemptTimeoutMs: this.o.attemptTimeoutMs,
        deadlineMs: this.o.deadlineMs,
        deadlineAt: this.#deadlineAt,
      }).finally(() => watch?.abort(PROBE_SETTLED));
      if (outcome.ok) {
        this.shared.budget.recordAttempt(true);
        this.#endProbe();
        return outcome.value;
      }
      this.#lastError = outcome.error;
      const base = { attempt, startedAt, endedAt: clock.now(), ...(gateWaitMs > 0 ? { gateWaitMs } : {}) };
      if (outcome.abortedBy === 'caller' || aborted(signal)) {
        this.#history.push({ ...base, decision: { kind: 'fatal', reason: 'aborted' } });
        throw this.#giveUp('aborted', { cause: signal?.reason });
      }
      const step = decideAfterFailure({
        error: outcome.error,
        attempt,
        now: base.endedAt,
        deadlineAt: this.#deadlineAt,
        abortedBy: outcome.abortedBy,
        options: this.o,
        previousBackoffMs: this.#previousBackoffMs,
        gateRemainingMs: this.o.hostGate ? this.shared.gate.remainingMs(this.o.gateKey) : 0,
        budget: this.shared.budget,
        serverPacedRetries: this.#serverPacedRetries,
        neverArrivedRetries: this.#neverArrivedRetries,
      });
      await this.#afterFailure(step, base);
    }
  }

  /** Records the failure, then gives up (throws) or notifies and sleeps. */
  async #afterFailure(step: FailureStep, base: Omit<AttemptRecord, 'decision'>): Promise<void> {
    const record: AttemptRecord = { ...base, decision: step.decision };
    if (step.status !== undefined) record.status = step.status;
    if (step.code !== undefined) record.code = step.code;
    if (step.action === 'give-up') {
      this.#history.push(record);
      throw this.#giveUp(step.reason, { cause: this.#lastError, detail: step.detail });
    }
    // Another call already probes the host: wait for its outcome at the gate instead of sleeping.
    const delayMs = step.neverArrived === true && !this.#probe() ? 0 : step.delayMs;
    if (step.neverArrived !== true) this.#endProbe();
    record.delayMs = delayMs;
    if (step.cost > 0) record.budgetCost = step.cost;
    this.#history.push(record);
    if (step.neverArrived === true) this.#neverArrivedRetries++;
    else if (step.backoffMs !== undefined) this.#previousBackoffMs = step.backoffMs;
    else this.#serverPacedRetries++;
    if (step.gatePause !== undefined) {
      this.shared.gate.close(this.o.gateKey, step.gatePause.untilMs, step.gatePause.spreadMs);
    }
    emit(this.o.onRetry, retryEvent(record, this.#lastError, delayMs));
    try {
      if (delayMs > 0) await this.o.clock.sleep(delayMs, this.o.signal);
      else this.o.signal?.throwIfAborted();
    } catch {
      this.shared.budget.refund(step.cost); // the retry was never sent
      throw this.#giveUp('aborted', { cause: this.o.signal?.reason });
    }
  }

  /** Waits for the host gate; returns the time waited. */
  async #waitAtGate(): Promise<number> {
    if (!this.o.hostGate) return 0;
    const { clock, signal, gateKey } = this.o;
    const start = clock.now();
    let open: boolean;
    try {
      open = await this.shared.gate.wait(gateKey, {
        signal,
        maxWaitMs: this.#deadlineAt - start,
        caller: this,
      });
    } catch {
      throw this.#giveUp('aborted', { cause: signal?.reason });
    }
    if (!open) {
      const detail = this.shared.gate.probing(gateKey)
        ? `the host '${gateKey}' does not accept connections (another call probes it) past the deadline`
        : `the host gate '${gateKey}' stays closed past the deadline`;
      throw this.#giveUp('deadline', { cause: this.#lastError, detail });
    }
    return clock.now() - start;
  }

  /** Claims (or keeps) the host's probe; true when this call is the prober (always, without a host gate). */
  #probe(): boolean {
    return !this.o.hostGate || this.shared.gate.claimProbe(this.o.gateKey, this);
  }

  /**
   * While this call's probe attempt runs: a refused connection fails within milliseconds, so an attempt still
   * running after `neverArrivedMaxDelayMs` has reached the server (a long poll, a slow answer). Release the waiters
   * then rather than holding them for the whole answer. Returns the controller that cancels the watch.
   */
  #watchProbe(): AbortController | undefined {
    if (!this.o.hostGate || !this.shared.gate.probedBy(this.o.gateKey, this)) return undefined;
    const watch = new AbortController();
    this.o.clock.sleep(this.o.neverArrivedMaxDelayMs, watch.signal).then(
      () => this.#endProbe(),
      () => undefined, // the attempt settled first
    );
    return watch;
  }

  /** This call's probe (if it holds one) ended: its request reached the server, or the call stops. */
  #endProbe(): void {
    if (this.o.hostGate) this.shared.gate.endProbe(this.o.gateKey, this);
  }

  #giveUp(reason: GiveUpReason, { cause, detail }: GiveUpDetail): RetryError {
    this.#endProbe();
    const history = this.#history.slice();
    emit(this.o.onGiveUp, giveUpEvent(reason, cause, history));
    return new RetryError({
      reason,
      attempts: history.length,
      history,
      cause,
      lastError: this.#lastError,
      elapsedMs: this.o.clock.now() - this.#startedAt,
      ...(detail === undefined ? {} : { detail }),
    });
  }
}

/** Runs `fn` under fully resolved options with the given shared budget and gate. */
export function executeWithRetry<T>(
  fn: (ctx: AttemptContext) => Promise<T>,
  options: ResolvedRetryOptions,
  shared: SharedState,
): Promise<T> {
  return new RetryingCall(fn, options, shared).run();
}
