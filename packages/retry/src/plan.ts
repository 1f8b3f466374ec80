/**
 * Retry plans: "given these errors in this order, what would the engine do?" Each error is fed to the same
 * `decideAfterFailure` the engine uses, with the policy's options and random source, on a copy of the budget.
 * Simplifications: attempts take no time, the host gate starts open, and the budget does not refill over time.
 */
import { decideAfterFailure } from './decide.js';
import { isAttemptTimeoutError, isDeadlineExceededError } from './errors.js';
import type { ResolvedRetryOptions } from './options.js';
import type { RetryBudget } from './retry-budget.js';
import type { PlannedRetry } from './types.js';

/** The engine classifies its own aborts without asking classifiers; a plan does the same from the error. */
function abortedBy(error: unknown): 'attempt-timeout' | 'deadline' | undefined {
  if (isAttemptTimeoutError(error)) return 'attempt-timeout';
  if (isDeadlineExceededError(error)) return 'deadline';
  return undefined;
}

/** Plans with resolved options; `budget` is spent, so pass a copy. Stops at the first give-up. */
export function planWith(errors: readonly unknown[], options: ResolvedRetryOptions, budget: RetryBudget) {
  const start = options.clock.now();
  const deadlineAt = start + options.deadlineMs;
  const plan: PlannedRetry[] = [];
  let now = start;
  let previousBackoffMs: number | undefined;
  let serverPacedRetries = 0;
  let neverArrivedRetries = 0;
  budget.recordRequest();
  for (const [index, error] of errors.entries()) {
    const attempt = index + 1;
    const step = decideAfterFailure({
      error,
      attempt,
      now,
      deadlineAt,
      abortedBy: abortedBy(error),
      options,
      previousBackoffMs,
      gateRemainingMs: 0,
      budget,
      serverPacedRetries,
      neverArrivedRetries,
    });
    const entry: PlannedRetry = { attempt, decision: step.decision, action: step.action };
    if (step.status !== undefined) entry.status = step.status;
    if (step.code !== undefined) entry.code = step.code;
    plan.push(entry);
    if (step.action === 'give-up') {
      entry.giveUpReason = step.reason;
      break;
    }
    now += step.delayMs;
    previousBackoffMs = step.backoffMs ?? previousBackoffMs;
    if (step.neverArrived === true) neverArrivedRetries++;
    else if (step.backoffMs === undefined) serverPacedRetries++;
    entry.delayMs = step.delayMs;
    entry.nextAttemptAtMs = now - start;
  }
  return plan;
}
