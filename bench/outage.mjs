/**
 * Item 6a of issue 8: retry load during a sustained outage. A fault rule answers every `GET task` with
 * 503 ServerBusy (no Retry-After) while three clients each start R logical `getTask` calls per second for W
 * seconds (open loop, so a slow client does not lower its own load), all at once against the same server:
 *
 *   ours      `BatchClient` with its defaults (10 attempts, full jitter, adaptive retry budget with a 10 % floor)
 *   no budget the same engine with `retry: { budget: false, maxAttempts: 4 }` (plain exponential with jitter,
 *             4 attempts: the baseline of the earlier runs, kept comparable)
 *   SDK       the official `@azure/batch` 10.2.0 with its default pipeline (ExponentialRetryPolicy, 3 retries);
 *             small size: its intervals shortened to `exponentialRetryPolicy(3, 200, 100, 2000)` — the same
 *             number of attempts, only sooner — so that its calls settle in seconds, not ~3.5 minutes
 *
 * Figures: requests per logical call once the budget has drained — the calls started after the first
 * `DRAINED_AFTER_MS` (the 10-token bucket is empty within the first second), each counted with its own
 * attempts (the client's per-call `onRetry`); for the SDK, whose retries cannot be attributed to a call, the
 * requests sent in that part of the window / the calls started there — and over the whole run once every call
 * has settled.
 *
 *   node bench/outage.mjs [--full] [--rate R] [--seconds W]
 */
import { performance } from 'node:perf_hooks';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { RequestPolicyOptions, exponentialRetryPolicy } from '@azure/ms-rest-js';
import { Wire } from './lib/counting.mjs';
import { benchArgs, fmt, record, sized } from './lib/report.mjs';
import { ACCOUNT, newClient, startServer } from './lib/server.mjs';
import { sleep } from './lib/stats.mjs';

const RULES = {
  seed: 8,
  rules: [
    {
      id: 'outage',
      match: { method: 'GET', path: '/jobs/{jobId}/tasks/{taskId}' },
      action: { type: 'error', status: 503, code: 'ServerBusy' },
    },
  ],
};

/** Calls started after this are "once drained": the budget's 10 tokens go within the first second. */
const DRAINED_AFTER_MS = 5_000;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

const PROBE = { sendRequest: () => Promise.reject(new Error('probe: never sends')) };
const isExponentialRetry = (factory) =>
  factory.create(PROBE, new RequestPolicyOptions()).constructor.name === 'ExponentialRetryPolicy';

function sdkClient(url, wire, fast) {
  return new BatchServiceClient(new BatchSharedKeyCredentials(ACCOUNT.name, ACCOUNT.key), url, {
    requestPolicyFactories: (defaults) => {
      const factories = fast
        ? defaults.map((f) => (isExponentialRetry(f) ? exponentialRetryPolicy(3, 200, 100, 2000) : f))
        : [...defaults];
      if (!factories.some(isExponentialRetry))
        throw new Error('the SDK pipeline has no ExponentialRetryPolicy');
      return [...factories, wire.policy()];
    },
  });
}

/**
 * Starts `call(onRetry)` `rate` times a second for `seconds`; resolves with the start times and each call's
 * attempts (counted through `onRetry`, for clients that take it) once all settled.
 */
async function openLoop(call, rate, seconds) {
  const starts = [];
  const attempts = [];
  const pending = [];
  const t0 = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const index = starts.length;
    starts.push(performance.now());
    attempts.push(1);
    const onRetry = () => {
      attempts[index] += 1;
    };
    pending.push(
      call(onRetry).then(
        () => 'succeeded',
        () => 'failed',
      ),
    );
  }
  const outcomes = await Promise.all(pending);
  return { t0, starts, attempts, outcomes };
}

function figures(name, wire, run, seconds, perCall) {
  const drained = run.t0 + DRAINED_AFTER_MS;
  const end = run.t0 + seconds * 1000;
  const late = run.starts.flatMap((at, index) => (at >= drained ? [index] : []));
  const steady = perCall
    ? late.reduce((sum, index) => sum + run.attempts[index], 0) / late.length
    : wire.sentBetween(drained, end) / late.length;
  const settled = wire.requests / run.starts.length;
  const failed = run.outcomes.filter((outcome) => outcome === 'failed').length;
  return { name, steady, settled, calls: run.starts.length, requests: wire.requests, failed };
}

async function main() {
  const args = benchArgs();
  const rate = Number(option('--rate', 20));
  const seconds = Number(option('--seconds', sized(args, 30, 60)));
  console.log(`# item 6a: 100 % 503 for ${seconds} s, ${rate} getTask calls/s per client`);
  const server = await startServer({ localNodes: false, faults: RULES });
  const results = [];
  try {
    const wires = { ours: new Wire(), plain: new Wire(), sdk: new Wire() };
    const ours = newClient(server.url, { fetch: wires.ours.fetch });
    const plain = newClient(server.url, {
      fetch: wires.plain.fetch,
      retry: { budget: false, maxAttempts: 4 },
    });
    const sdk = sdkClient(server.url, wires.sdk, !args.full);
    const runs = await Promise.all([
      openLoop((onRetry) => ours.getTask('outage', 't1', { retry: { onRetry } }), rate, seconds),
      openLoop((onRetry) => plain.getTask('outage', 't1', { retry: { onRetry } }), rate, seconds),
      openLoop(() => sdk.task.get('outage', 't1'), rate, seconds),
    ]);
    results.push(figures('ours (default budget)', wires.ours, runs[0], seconds, true));
    results.push(figures('exponential, no budget', wires.plain, runs[1], seconds, true));
    const sdkName = `@azure/batch 10.2.0${args.full ? '' : ' (intervals shortened)'}`;
    results.push(figures(sdkName, wires.sdk, runs[2], seconds, false));
  } finally {
    await server.stop();
  }
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(40)} ${fmt(r.steady, 3)} requests/call once drained, ${fmt(r.settled, 3)} overall (${fmt(r.requests)} requests, ${fmt(r.calls)} calls, ${fmt(r.failed)} failed)`,
    );
  }
  const [ours, plain, sdk] = results;
  await record({
    key: `6a ${args.full ? 'full' : 'small'}`,
    name: `Retry load, 100 % 503 for ${seconds} s, ${rate} calls/s per client`,
    command: `node bench/outage.mjs${args.full ? ' --full' : ''}`,
    figure: `${fmt(ours.steady, 3)} requests/call once the budget drained (${fmt(ours.settled, 3)} over the run)`,
    baseline: `no budget: ${fmt(plain.steady, 2)} (${fmt(plain.settled, 2)}); ${sdk.name}: ${fmt(sdk.steady, 2)} (${fmt(sdk.settled, 2)})`,
    ratio: `${fmt(ours.steady / plain.steady, 2)}× no-budget, ${fmt(ours.steady / sdk.steady, 2)}× SDK (steady); ${fmt(ours.settled / sdk.settled, 2)}× SDK (overall)`,
    target: '≤ 1.1 requests/call once drained',
    // Compared at the target's precision: the budget pays exactly 10 % of the calls' retries (retry-budget
    // unit test: 120 retries for 1,200 calls), give or take the under-one token the bucket holds when the
    // window opens — ±1 retry in the 500–1,100 calls counted here, ±0.002 on this figure.
    met: Number(ours.steady.toFixed(2)) <= 1.1 ? 'yes' : `**no** (+${fmt(ours.steady - 1.1, 3)})`,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
