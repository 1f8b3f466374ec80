/**
 * Failure triage in the dashboard, in headless Chromium against a real server with a real local node: failed
 * tasks grouped by exit code and first stderr line, stderr lines in the task table, "Re-run" of a group, and
 * the job actions behind a confirmation (a dismissed one changes nothing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RUN_TIMEOUT_MS, sh, withRunner } from '../execution/helpers.js';
import { waitFor } from '../support/wait.js';
import { openBrowser, type BrowserSession } from './browser.js';

const JOB = 'triage';
const MISSING = 'error: shard.csv not found';
const CRASH = 'Traceback (most recent call last):';

describe('dashboard triage in headless Chromium', () => {
  let browser: BrowserSession | undefined;
  let page: Page;
  const runner = withRunner({ nodes: 1, slots: 4 });
  const dialogs: string[] = [];
  /** Answers the next confirmation and records its text. */
  const answerNext = (accept: boolean) =>
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });

  before(async () => {
    browser = await openBrowser();
    page = browser.page;
    const { client, poolId, scratch } = runner;
    await client.job.add({ id: JOB, poolInfo: { poolId } });
    const failing = (key: string, line: string, code: number) => ({
      id: key,
      commandLine: sh(`${scratch.mark(key)}; echo "${line}" >&2; echo "detail of ${key}" >&2; exit ${code}`),
    });
    await client.task.addCollection(JOB, [
      ...[1, 2, 3, 4, 5, 6].map((n) => failing(`miss-${n}`, MISSING, 2)),
      ...[1, 2, 3].map((n) => failing(`crash-${n}`, CRASH, 1)),
      { id: 'ok-1', commandLine: sh('sleep 1; echo fine') },
    ]);
    let last: unknown;
    await waitFor(
      async () => {
        const { taskCounts } = await client.job.getTaskCounts(JOB);
        last = taskCounts;
        return taskCounts.completed === 10;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'all 10 tasks completed', lastSeen: () => last },
    );
    await page.goto(runner.server.dashboardUrl);
  });

  after(async () => {
    await browser?.close();
  });

  const groupRow = (line: string) => page.locator('.failure-groups tbody tr').filter({ hasText: line });

  it('groups failures by exit code and first stderr line, with counts and example tasks', async (t) => {
    await page.goto(`${runner.server.url}/ui#/jobs/${JOB}`);
    await page.locator('.failures h3').filter({ hasText: 'Why tasks failed (9)' }).waitFor();
    assert.equal(await page.locator('.failure-groups tbody tr').count(), 2);
    const cells = await groupRow(MISSING).locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 4), [
      '6',
      '2',
      MISSING,
      'miss-1, miss-2, miss-3, miss-4, miss-5 and 1 more',
    ]);
    assert.deepEqual((await groupRow(CRASH).locator('td').allTextContents()).slice(0, 3), ['3', '1', CRASH]);
    // The task table: durations, and a failed row's stderr line instead of the generic failure text.
    const row = page.locator('tr[data-task="crash-1"]');
    assert.match((await row.textContent()) ?? '', new RegExp(`\\d+ ms|\\d+s.*${CRASH.slice(0, 9)}`));
    assert.doesNotMatch((await page.locator('.tasks').textContent()) ?? '', /representing a failure/);
    t.diagnostic(`screenshot: ${await browser!.screenshot('triage-job')}`);
    await page.selectOption('select[aria-label="Filter by state"]', 'failed');
    await page.waitForSelector('tr[data-task="miss-6"]');
    assert.equal(await page.locator('.tasks tbody tr').count(), 9);
    t.diagnostic(`screenshot: ${await browser!.screenshot('triage-failed')}`);
  });

  it("re-runs one group after confirmation: the group's tasks run again, the others do not", async () => {
    await page.goto(`${runner.server.url}/ui#/jobs/${JOB}`);
    answerNext(true);
    await groupRow(MISSING).locator('button').click();
    for (let n = 1; n <= 6; n++)
      await runner.scratch.waitForRuns(`miss-${n}`, 2, { timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(dialogs.at(-1), `Re-run 6 failed task(s) with exit code 2 of job ${JOB}?`);
    assert.equal(await runner.scratch.runs('crash-1'), 1);
  });

  it('job actions ask first: dismissed changes nothing; disable, enable, terminate, delete', async (t) => {
    const badge = page.locator('.title .badge');
    const action = (name: string) => page.locator(`button[data-action="${name}"]`);
    await action('disable').waitFor();
    answerNext(false);
    await action('disable').click();
    assert.match(dialogs.at(-1) ?? '', /^Disable job triage\?\nNo new task starts/);
    assert.equal(await badge.textContent(), 'active');

    answerNext(true);
    await action('disable').click();
    await badge.filter({ hasText: 'disabled' }).waitFor();
    await action('enable').waitFor();
    assert.equal(await action('disable').count(), 0);
    t.diagnostic(`screenshot: ${await browser!.screenshot('triage-disabled')}`);
    answerNext(true);
    await action('enable').click();
    await badge.filter({ hasText: 'active' }).waitFor();

    answerNext(true);
    await action('terminate').click();
    await badge.filter({ hasText: 'completed' }).waitFor();
    assert.equal(await action('rerun-failed').count(), 0, 'a completed job cannot reactivate tasks');
    answerNext(true);
    await action('delete').click();
    await page.waitForURL(/#\/$/);
    assert.deepEqual(browser!.pageErrors, []);
  });
});
