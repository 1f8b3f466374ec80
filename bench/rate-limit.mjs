/**
 * Item 6b of issue 8: 100 clients against `batchite serve --rate-limit 50` (429 TooManyRequests with
 * Retry-After). Each client is a `BatchClient` of its own (own budget, own host gate) and creates J tasks one
 * after another, all clients starting at once — a thundering-herd model against a token bucket (100 clients × 10 jobs,
 * 50 req/s, ideal ≈ 19 s). A call that gives up is made again by the client's loop, so every strategy does the
 * same work. Figures: rejected calls (429/503) per success, makespan / ideal, where ideal = (work − burst) / rate
 * (the bucket starts full with one second of requests).
 *
 * Compared in the same run, each against a fresh server: our defaults, the same engine honouring Retry-After
 * exactly (`retryAfterJitter: 0`, no host gate, no budget; the "Retry-After exactly" baseline), and our
 * defaults reading only the whole-second `Retry-After` (the server's `retry-after-ms` hidden), as a client that
 * knows only that header would.
 *
 *   node bench/rate-limit.mjs [--full] [--clients C] [--jobs J] [--rate R]
 */
import { performance } from 'node:perf_hooks';
import { Wire } from './lib/counting.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { newClient, startServer } from './lib/server.mjs';
import { sleep } from './lib/stats.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

const STRATEGIES = [
  { name: 'ours (defaults)', retry: undefined },
  {
    name: 'Retry-After exactly (same engine)',
    retry: { retryAfterJitter: 0, hostGate: false, budget: false, maxAttempts: Number.POSITIVE_INFINITY },
  },
  // What a client that reads only the whole-second Retry-After (as the official SDK does) gets.
  { name: 'ours, whole seconds only', retry: undefined, secondsOnly: true },
];

/** A fetch that hides `retry-after-ms`, so the client sees only the whole-second Retry-After. */
function secondsOnly(fetch) {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.headers.has('retry-after-ms')) return response;
    const headers = new Headers(response.headers);
    headers.delete('retry-after-ms');
    return new Response(await response.arrayBuffer(), { status: response.status, headers });
  };
}

async function storm(strategy, { clients, jobs, rate }) {
  const server = await startServer({ localNodes: false, rateLimit: rate });
  try {
    await newClient(server.url).createJob({ id: 'storm', poolInfo: { poolId: 'nowhere' } });
    await sleep(1500); // the bucket is full again
    const wires = Array.from({ length: clients }, () => new Wire());
    let gaveUp = 0;
    const work = async (index) => {
      const fetch = strategy.secondsOnly ? secondsOnly(wires[index].fetch) : wires[index].fetch;
      const options = { fetch, ...(strategy.retry ? { retry: strategy.retry } : {}) };
      const client = newClient(server.url, options);
      for (let j = 0; j < jobs; j++) {
        const task = { id: `c${index}-${j}`, commandLine: '/bin/sh -c "exit 0"' };
        for (;;) {
          try {
            await client.createTask('storm', task);
            break;
          } catch (error) {
            if (error?.kind !== 'throttled') throw error;
            gaveUp += 1;
          }
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, index) => work(index)));
    const makespan = performance.now() - started;
    const sum = (f) => wires.reduce((total, wire) => total + f(wire), 0);
    const successes = sum((w) => w.successes);
    const rejected = sum((w) => w.status(429) + w.status(503));
    const work_ = clients * jobs;
    if (successes !== work_) throw new Error(`${successes} successes for ${work_} tasks`);
    const ideal = ((work_ - rate) / rate) * 1000;
    return {
      name: strategy.name,
      makespan,
      ideal,
      rejected,
      successes,
      gaveUp,
      requests: sum((w) => w.requests),
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  const args = benchArgs();
  const clients = Number(option('--clients', 100));
  const jobs = Number(option('--jobs', sized(args, 4, 10)));
  const rate = Number(option('--rate', 50));
  console.log(`# item 6b: ${clients} clients × ${jobs} createTask against --rate-limit ${rate}`);
  const results = [];
  for (const strategy of STRATEGIES) {
    const r = await storm(strategy, { clients, jobs, rate });
    results.push(r);
    console.log(
      `  ${r.name.padEnd(34)} ${fmt(r.rejected / r.successes, 2)} rejected/success, makespan ${fmt(r.makespan / 1000, 1)} s = ${ratio(r.makespan, r.ideal)} ideal (${fmt(r.ideal / 1000, 1)} s); ${fmt(r.requests)} requests, ${r.gaveUp} calls gave up and were made again`,
    );
  }
  const [ours, exact, seconds] = results;
  const perSuccess = ours.rejected / ours.successes;
  const stretch = ours.makespan / ours.ideal;
  await record({
    key: `6b ${args.full ? 'full' : 'small'}`,
    name: `Retry load, ${clients} clients × ${jobs} calls against --rate-limit ${rate}`,
    command: `node bench/rate-limit.mjs${args.full ? ' --full' : ''}`,
    figure: `${fmt(perSuccess, 2)} rejected/success, makespan ${fmt(ours.makespan / 1000, 1)} s (${ratio(ours.makespan, ours.ideal, 3)} ideal ${fmt(ours.ideal / 1000, 1)} s)${ours.gaveUp ? `, ${ours.gaveUp} calls gave up` : ''}`,
    baseline: `Retry-After exactly: ${fmt(exact.rejected / exact.successes, 2)} rejected/success, ${fmt(exact.makespan / 1000, 1)} s (${ratio(exact.makespan, exact.ideal, 3)} ideal); reading whole seconds only: ${fmt(seconds.rejected / seconds.successes, 2)} rejected/success, ${ratio(seconds.makespan, seconds.ideal, 3)} ideal`,
    ratio: `rejected ${ratio(perSuccess, exact.rejected / exact.successes)}, makespan ${ratio(ours.makespan, exact.makespan)} vs Retry-After exactly`,
    target: '≤ 1.0 rejected/success, ≤ 1.05× ideal',
    met:
      perSuccess <= 1.0 && stretch <= 1.05
        ? 'yes'
        : `**no** (${perSuccess <= 1.0 ? 'rejections met' : 'rejections missed'}, ${stretch <= 1.05 ? 'makespan met' : 'makespan missed'})`,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
