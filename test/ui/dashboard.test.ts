/**
 * The dashboard in real headless Chromium against a real server whose pool has real local nodes: a job's
 * progress while it runs (and as it changes, over live updates), and a failed task's stderr and failure info.
 * Chromium is Debian's (/usr/bin/chromium), driven by playwright-core; it is never downloaded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RUN_TIMEOUT_MS, sh, withRunner } from '../execution/helpers.js';
import { waitFor } from '../support/wait.js';
import { openBrowser, PAGE_TIMEOUT_MS, type BrowserSession } from './browser.js';

const JOB = 'dashjob';
const FAILURE_TEXT = 'boom: input.csv line 3 is malformed';

describe('dashboard in headless Chromium', () => {
  let browser: BrowserSession | undefined;
  let page: Page;

  before(async () => {
    browser = await openBrowser();
    page = browser.page;
  });

  const runner = withRunner({ nodes: 2, slots: 2 });

  before(async () => {
    const { client, poolId, scratch } = runner;
    await client.job.add({ id: JOB, poolInfo: { poolId } });
    await client.task.addCollection(JOB, [
      {
        id: 'broken',
        commandLine: sh(`echo reading input.csv; echo "${FAILURE_TEXT}" >&2; exit 3`),
        constraints: { maxTaskRetryCount: 0 },
      },
      { id: 'ok-1', commandLine: sh('echo fine') },
      { id: 'ok-2', commandLine: sh('echo fine') },
      // Four slots: four of these run until their gate opens, the fifth waits (NodesBusy).
      ...[1, 2, 3, 4, 5].map((n) => ({ id: `long-${n}`, commandLine: scratch.gated(`long-${n}`) })),
    ]);
    let last: unknown;
    await waitFor(
      async () => {
        const { taskCounts } = await client.job.getTaskCounts(JOB);
        last = taskCounts;
        return taskCounts.completed === 3 && taskCounts.running === 4 && taskCounts.active === 1;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: '3 completed, 4 running, 1 waiting', lastSeen: () => last },
    );
  });

  after(async () => {
    await browser?.close();
  });

  const screenshot = (name: string) => browser!.screenshot(name);

  const progressOf = (jobId: string) => page.locator(`tr[data-job="${jobId}"] .progress-text`);

  it('without the token: the page asks for a credential and shows no data; the token entered there works', async () => {
    const stranger = await browser!.context.newPage();
    try {
      stranger.setDefaultTimeout(PAGE_TIMEOUT_MS);
      await stranger.goto(`${runner.server.url}/ui`);
      await stranger.locator('form.auth').waitFor();
      await stranger
        .locator('#live-text')
        .filter({ hasText: /^credential needed/ })
        .waitFor();
      assert.equal(await stranger.locator(`tr[data-job="${JOB}"]`).count(), 0);
      await stranger.fill('form.auth input', runner.server.dashboardToken);
      await stranger.click('form.auth button');
      await stranger.waitForSelector(`tr[data-job="${JOB}"]`);
    } finally {
      await stranger.close();
    }
  });

  it("shows a running job's progress on the overview, with the pool's nodes", async (t) => {
    // The address `batchite serve` prints: the page keeps the token and takes it out of the address bar.
    await page.goto(runner.server.dashboardUrl);
    await page.waitForSelector(`tr[data-job="${JOB}"]`);
    assert.equal(page.url(), `${runner.server.url}/ui#/`);
    assert.equal(await progressOf(JOB).textContent(), '3/8 done · 4 running · 1 failed · 1 waiting');
    assert.equal(await page.locator(`tr[data-job="${JOB}"] .badge`).textContent(), 'active');
    const pool = page.locator(`[data-pool="${runner.poolId}"]`);
    assert.equal(await pool.locator('.heatmap .tile').count(), 2);
    // Node documents may trail the task counts by a heartbeat; the page follows them live.
    await pool.locator('.slot-use').filter({ hasText: '4 busy · 0 free slots' }).waitFor();
    assert.notEqual(await page.locator('[data-metric="requests"] .metric-value').textContent(), '0');
    await page.locator('#live-text').filter({ hasText: /^live/ }).waitFor();
    t.diagnostic(`screenshot: ${await screenshot('overview')}`);
  });

  it('follows the job live: a finished task moves the progress without a reload', async () => {
    await runner.scratch.open('long-1');
    await progressOf(JOB).filter({ hasText: '4/8 done · 4 running · 1 failed · 0 waiting' }).waitFor();
  });

  it('job page: counts, why the waiting task waits, and the failed filter', async () => {
    await page.locator(`tr[data-job="${JOB}"] a`).click();
    await page.waitForSelector('[data-count="failed"]');
    assert.equal(await page.locator('[data-count="running"] .count-value').textContent(), '4');
    assert.equal(await page.locator('[data-count="failed"] .count-value').textContent(), '1');
    assert.equal(await page.locator('[data-count="succeeded"] .count-value').textContent(), '3');
    // The task that waited runs since long-1 finished: the panel says nothing waits.
    await page.locator('.waiting .empty').filter({ hasText: 'No waiting tasks.' }).waitFor();
    await page.selectOption('select[aria-label="Filter by state"]', 'failed');
    await page.waitForSelector('tr[data-task="broken"]');
    assert.equal(await page.locator('.tasks tbody tr').count(), 1);
    // The row shows the task's first stderr line, not the generic failure text.
    const row = (await page.locator('tr[data-task="broken"]').textContent()) ?? '';
    assert.ok(row.includes(FAILURE_TEXT), row);
    assert.doesNotMatch(row, /exit code representing a failure/);
  });

  it("task page: the failed task's stderr and failure info", async (t) => {
    await page.locator('tr[data-task="broken"] a').click();
    await page.locator('pre.log').filter({ hasText: FAILURE_TEXT }).waitFor();
    assert.match((await page.locator('.failure').textContent()) ?? '', /FailureExitCode/);
    assert.match((await page.locator('.execution').textContent()) ?? '', /Exit code3/);
    const stderrTab = page.locator('[data-file="stderr.txt"]');
    assert.equal(await stderrTab.getAttribute('aria-selected'), 'true');
    assert.match((await stderrTab.textContent()) ?? '', /stderr\.txt · \d+ B/);
    t.diagnostic(`screenshot: ${await screenshot('task')}`);
    await page.locator('[data-file="stdout.txt"]').click();
    await page.locator('pre.log').filter({ hasText: 'reading input.csv' }).waitFor();
    assert.equal(page.url(), `${runner.server.url}/ui#/jobs/${JOB}/tasks/broken`);
  });

  it('job page: every task in the table, in a real screenshot; no script errors', async (t) => {
    await page.goto(`${runner.server.url}/ui#/jobs/${JOB}`);
    await page.waitForSelector('.tasks tbody tr');
    const rows = await page.locator('.tasks tbody tr').count();
    assert.equal(rows, 8);
    t.diagnostic(`screenshot: ${await screenshot('job')} with ${rows} task rows`);
    assert.deepEqual(browser!.pageErrors, []);
  });
});
