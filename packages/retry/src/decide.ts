/**
 * What to do after a failed attempt: the single decision path shared by real execution (`engine.ts`) and the
 * retry-plan preview (`plan.ts`). Checks run in this order, and the first that stops wins:
 * classify → non-retryable → not idempotent and maybe applied → attempts exhausted → deadline → budget.
 *
 * Attempts come in two kinds. Retries the server paced (it said when to come back with Retry-After) are counted
 * against `maxServerPacedRetries`, not `maxAttempts`: under honest throttling the right move is to keep
 * coming back when told, and the deadline still bounds the call. Every other retry counts against `maxAttempts`.
 * Retries of requests that never arrived (connection refused, DNS, connect timeout) count against neither and
 * cost no budget: the server never saw them. They wait a full-jitter backoff capped at `neverArrivedMaxDelayMs`
 * and only the deadline ends them.
 * The budget comes last so that a retry we would not make anyway never spends a token.
 * Every failure that reached the server is also recorded in the budget's window (accepted when it was a 4xx).
 */
import { backoffDelay } from './backoff.js';
import { classifyWith } from './classify.js';
import { codeOf, statusOf } from './error-facts.js';
import type { ResolvedRetryOptions } from './options.js';
import { retryAfterWait, retryAfterWindow } from './retry-after.js';
import type { RetryBudget } from './retry-budget.js';
import type { GiveUpReason, RetryDecision } from './types.js';

export interface FailureInput {
  error: unknown;
  /** The attempt that failed (1-based). */
  attempt: number;
  now: number;
  /** Absolute time of the call's deadline (Infinity when off). */
  deadlineAt: number;
  /** Set when one of the engine's own timers aborted the attempt. */
  abortedBy?: 'attempt-timeout' | 'deadline' | undefined;
  options: ResolvedRetryOptions;
  /** The previous computed backoff of this call (for decorrelated jitter). */
  previousBackoffMs: number | undefined;
  /** How long the host gate for this call's key stays closed from `now` (0 when open). */
  gateRemainingMs: number;
  budget: RetryBudget;
  /** Retries of this call so far whose wait the server set with Retry-After. */
  serverPacedRetries: number;
  /** Retries of this call so far after a request that never arrived. */
  neverArrivedRetries: number;
}

interface StepFacts {
  decision: RetryDecision;
  status?: number;
  code?: string;
}

export type FailureStep =
  | (StepFacts & {
      action: 'retry';
      delayMs: number;
      /** Tokens withdrawn from the budget for this retry (refund them if the wait is aborted). */
      cost: number;
      /** Set when the delay is a computed backoff (decorrelated jitter's state). */
      backoffMs?: number;
      /** Set when the server paced us and the host gate should close: [now, untilMs] plus a release spread. */
      gatePause?: { untilMs: number; spreadMs: number };
      /** Set when the request never arrived: the host's probe, not `maxAttempts` or the budget, governs it. */
      neverArrived?: true;
    })
  | (StepFacts & { action: 'give-up'; reason: GiveUpReason; detail?: string });

function decisionFor(input: FailureInput): RetryDecision {
  if (input.abortedBy === 'attempt-timeout') return { kind: 'retry', reason: 'attempt-timeout' };
  if (input.abortedBy === 'deadline') return { kind: 'fatal', reason: 'deadline' };
  return classifyWith(input.options.classifiers, input.error, { attempt: input.attempt, now: input.now });
}

type RetryStep = Extract<FailureStep, { action: 'retry' }>;
type Wait = { delayMs: number; serverPaced: boolean; backoffMs?: number; gatePause?: RetryStep['gatePause'] };

function waitFor(input: FailureInput, decision: RetryDecision & { kind: 'retry' | 'throttled' }): Wait {
  const o = input.options;
  if (o.respectRetryAfter && decision.retryAfterMs !== undefined) {
    const delayMs = retryAfterWait(decision.retryAfterMs, o.retryAfterJitter, o.maxRetryAfterMs, o.random);
    const { lowerMs, upperMs } = retryAfterWindow(
      decision.retryAfterMs,
      o.retryAfterJitter,
      o.maxRetryAfterMs,
    );
    const pause = { untilMs: input.now + lowerMs, spreadMs: upperMs - lowerMs };
    return decision.kind === 'throttled' && o.hostGate
      ? { delayMs, serverPaced: true, gatePause: pause }
      : { delayMs, serverPaced: true };
  }
  const backoffMs = backoffDelay({
    mode: o.jitter,
    retry: input.attempt,
    baseMs: decision.kind === 'throttled' ? o.throttleBaseDelayMs : o.baseDelayMs,
    capMs: o.maxDelayMs,
    previousMs: input.previousBackoffMs,
    random: o.random,
  });
  return { delayMs: backoffMs, serverPaced: false, backoffMs };
}

/** A retry of a request that never arrived: capped full-jitter backoff, free, bounded by the deadline only. */
function neverArrivedStep(input: FailureInput, facts: StepFacts): FailureStep {
  const o = input.options;
  const delayMs = backoffDelay({
    mode: o.jitter === 'none' ? 'none' : 'full',
    retry: input.neverArrivedRetries + 1,
    baseMs: o.baseDelayMs,
    capMs: Math.min(o.maxDelayMs, o.neverArrivedMaxDelayMs),
    previousMs: undefined,
    random: o.random,
  });
  const startsIn = Math.max(delayMs, input.gateRemainingMs);
  if (input.now + startsIn >= input.deadlineAt) {
    const left = Math.max(0, input.deadlineAt - input.now);
    const detail = `the request never arrived, and waiting ${startsIn} ms would pass the deadline (${left} ms left)`;
    return { ...facts, action: 'give-up', reason: 'deadline', detail };
  }
  return { ...facts, action: 'retry', delayMs, cost: 0, neverArrived: true };
}

/** Decides whether to retry after a failure, and how long to wait. Withdraws budget tokens when it retries. */
export function decideAfterFailure(input: FailureInput): FailureStep {
  const decision = decisionFor(input);
  const facts: StepFacts = { decision };
  const status = statusOf(input.error);
  const code = codeOf(input.error);
  if (status !== undefined) facts.status = status;
  if (code !== undefined) facts.code = code;
  if (decision.kind === 'retry' && decision.neverArrived === true) return neverArrivedStep(input, facts);
  // The adaptive budget's window: a 4xx answer is an accept, a retryable failure a rejection.
  if (decision.kind !== 'fatal') input.budget.recordAttempt(false);
  else if (status !== undefined) input.budget.recordAttempt(true);
  const stop = (reason: GiveUpReason, detail?: string): FailureStep =>
    detail === undefined
      ? { ...facts, action: 'give-up', reason }
      : { ...facts, action: 'give-up', reason, detail };

  if (decision.kind === 'fatal') {
    return decision.reason === 'deadline'
      ? stop('deadline')
      : stop('non-retryable', `not retryable (${decision.reason})`);
  }
  if (!input.options.idempotent && decision.unprocessed !== true) {
    return stop('non-retryable', `${decision.reason} may have been applied, and the call is not idempotent`);
  }
  const o = input.options;
  if (o.respectRetryAfter && decision.retryAfterMs !== undefined) {
    if (input.serverPacedRetries >= o.maxServerPacedRetries) {
      return stop(
        'attempts-exhausted',
        `${input.serverPacedRetries} retries at the server's pace (maxServerPacedRetries)`,
      );
    }
  } else if (input.attempt - input.serverPacedRetries - input.neverArrivedRetries >= o.maxAttempts) {
    return stop('attempts-exhausted');
  }
  const wait = waitFor(input, decision);
  const startsIn = Math.max(wait.delayMs, input.gateRemainingMs);
  if (input.now + startsIn >= input.deadlineAt) {
    const left = Math.max(0, input.deadlineAt - input.now);
    return stop('deadline', `waiting ${startsIn} ms would pass the deadline (${left} ms left)`);
  }
  const cost = input.budget.withdraw(input.budget.costOf(wait.serverPaced));
  if (cost === undefined) return stop('budget-empty');
  const step: FailureStep = { ...facts, action: 'retry', delayMs: wait.delayMs, cost };
  if (wait.backoffMs !== undefined) step.backoffMs = wait.backoffMs;
  if (wait.gatePause !== undefined) step.gatePause = wait.gatePause;
  return step;
}
