/**
 * Issue 12, point 4: what Prometheus scraping costs the Batch API. A disabled job holds N tasks; signed
 * `GET /jobs/{job}` calls are made one after another, first on a quiet server, then while 16 clients scrape
 * `/metrics` back to back (each scrape sent with the credential `/metrics` asks for). Printed: the p50/p99 of
 * the signed calls in each phase, and of the scrapes. The floor, in the same run: 16 clients fetching
 * `/.batchite/health` (no store, no rendering) back to back — what any endpoint polled that hard costs.
 *
 *   node bench/metrics-scrape.mjs [--tasks N] [--calls C] [--scrapers S]
 */
import { performance } from 'node:perf_hooks';
import { authorizationHeader } from '@batchite/protocol';
import { disabledJob, ingest } from './ingest.mjs';
import { fmt } from './lib/report.mjs';
import { ACCOUNT, startServer } from './lib/server.mjs';
import { percentile } from './lib/stats.mjs';

const API_VERSION = '2022-10-01.16.0';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return Number(index < 0 ? fallback : process.argv[index + 1]);
}

async function signedGet(url, pathAndQuery) {
  const headers = { 'ocp-date': new Date().toUTCString() };
  headers.authorization = authorizationHeader(
    { method: 'GET', pathAndQuery, headers: { ...headers, 'content-length': '' }, accountName: ACCOUNT.name },
    ACCOUNT.key,
  );
  const started = performance.now();
  const response = await fetch(url + pathAndQuery, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${pathAndQuery}: ${response.status}`);
  return performance.now() - started;
}

/** `calls` signed GETs one after another; their latencies in ms. */
async function calls(url, count) {
  const values = [];
  for (let i = 0; i < count; i++)
    values.push(await signedGet(url, `/jobs/scrape?api-version=${API_VERSION}`));
  return values;
}

/** `count` clients fetching `path` back to back until `stop` is set; their latencies in ms. */
function scrapers(url, count, path = '/metrics') {
  const state = { stop: false, values: [] };
  const one = async () => {
    while (!state.stop) {
      const started = performance.now();
      const response = await fetch(url + path, { headers: { authorization: `Bearer ${ACCOUNT.key}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      state.values.push(performance.now() - started);
    }
  };
  const done = Promise.all(Array.from({ length: count }, one));
  return {
    async stop() {
      state.stop = true;
      await done;
      return state.values;
    },
  };
}

const line = (values) =>
  `p50 ${fmt(percentile(values, 50), 1)} ms, p99 ${fmt(percentile(values, 99), 1)} ms (${values.length} calls)`;

async function main() {
  const tasks = option('--tasks', 20_000);
  const count = option('--calls', 300);
  const scraperCount = option('--scrapers', 16);
  console.log(`# metrics scrape cost: ${fmt(tasks)} tasks stored, ${scraperCount} scrapers`);
  const server = await startServer({ nodes: 0, slots: 1 });
  try {
    await disabledJob(server, 'scrape');
    await ingest(server, 'scrape', tasks);
    await calls(server.url, 20);
    const quiet = await calls(server.url, count);
    console.log(`  signed GET job, no scrapers:        ${line(quiet)}`);
    const scraping = scrapers(server.url, scraperCount);
    const busy = await calls(server.url, count);
    const scrapes = await scraping.stop();
    console.log(`  signed GET job, ${scraperCount} scrapers running: ${line(busy)}`);
    console.log(`  GET /metrics (the scrapes):          ${line(scrapes)}`);
    const polling = scrapers(server.url, scraperCount, '/.batchite/health');
    const floor = await calls(server.url, count);
    const polls = await polling.stop();
    console.log(`  signed GET job, ${scraperCount} health pollers:  ${line(floor)}`);
    console.log(`  GET /.batchite/health (the polls):   ${line(polls)}`);
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
