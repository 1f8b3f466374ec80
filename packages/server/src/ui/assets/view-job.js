// Job: counts (one snapshot with the Waiting panel), reason histogram, and the task table — filtered by state
// on the server and paged by cursor, so it stays fast at 10k+ tasks.
import { getJson } from './api.js';
import {
  badge,
  between,
  empty,
  fmtDuration,
  fmtNumber,
  fmtTime,
  h,
  jobHref,
  link,
  progressBar,
  progressText,
  replaceChildren,
  taskHref,
  taskKind,
  taskTotal,
} from './dom.js';
import { failuresPanel, jobActionButtons } from './job-triage.js';

const FILTERS = ['all', 'active', 'preparing', 'running', 'completed', 'succeeded', 'failed'];
const FILTER_LABELS = { active: 'waiting', all: 'all' };
const PAGE_SIZE = 50;

function countTiles(jobId, counts, current) {
  const tiles = [
    ['all', 'Total', taskTotal(counts)],
    ['active', 'Waiting', counts.active],
    ['running', 'Running', counts.running],
    ['completed', 'Completed', counts.completed],
    ['succeeded', 'Succeeded', counts.succeeded],
    ['failed', 'Failed', counts.failed],
  ];
  return h(
    'div',
    { class: 'counts' },
    tiles.map(([filter, label, value]) =>
      h(
        'a',
        {
          class: `count count-${filter}${filter === current ? ' selected' : ''}`,
          href: jobHref(jobId, filter),
          dataset: { count: filter },
        },
        h('span', { class: 'count-value' }, fmtNumber(value)),
        h('span', { class: 'count-label' }, label),
      ),
    ),
  );
}

function waitingPanel(job) {
  const why = job.why;
  const rows = why.waiting.map((group) =>
    h(
      'li',
      { class: 'reason' },
      h('a', { href: jobHref(job.id, 'active') }, badge(group.code, `outlook-${group.outlook}`)),
      h('span', { class: 'reason-count' }, fmtNumber(group.count)),
      h('span', { class: 'reason-outlook muted' }, group.outlook),
      h('span', { class: 'reason-message' }, group.example),
    ),
  );
  return h(
    'section',
    { class: 'card waiting' },
    h('h3', {}, 'Why tasks are waiting'),
    rows.length === 0 ? empty('No waiting tasks.') : h('ul', { class: 'reasons' }, rows),
    why.truncated &&
      h('p', { class: 'muted' }, `Counted over the first ${fmtNumber(why.scanned)} waiting tasks.`),
  );
}

/** A failed task's first stderr line says more than "exit code representing a failure". */
function reasonCell(task) {
  const reason = task.reason;
  if (task.stderr !== undefined)
    return h(
      'td',
      { class: 'reason-cell', title: `${reason?.code ?? ''}: ${task.stderr}` },
      h('code', { class: 'stderr-line' }, task.stderr),
    );
  return h(
    'td',
    { class: 'reason-cell', title: reason?.message ?? '' },
    reason && h('span', { class: 'code' }, reason.code),
    reason && h('span', { class: 'muted' }, ` ${reason.message}`),
  );
}

/** The last run's duration; counting while the task runs, none while it waits. */
function duration(task) {
  if (task.state === 'active') return '';
  return fmtDuration(between(task.startTime, task.endTime));
}

function taskRow(jobId, task) {
  const kind = taskKind(task.state, task.result);
  return h(
    'tr',
    { dataset: { task: task.id, state: kind } },
    h('td', {}, link(taskHref(jobId, task.id), task.id)),
    h('td', {}, badge(kind)),
    h('td', { class: 'num' }, task.exitCode ?? ''),
    h('td', { class: 'num' }, task.retryCount),
    h('td', { class: 'num' }, task.requeueCount),
    h('td', { class: 'num' }, duration(task)),
    reasonCell(task),
    h('td', { class: 'muted' }, task.nodeId ?? ''),
    h('td', { class: 'muted' }, fmtTime(task.endTime ?? task.startTime)),
  );
}

function taskTable(jobId, tasks) {
  const heads = [
    'Task',
    'State',
    'Exit',
    'Retries',
    'Requeues',
    'Duration',
    'Reason / stderr',
    'Node',
    'Time',
  ];
  return h(
    'table',
    { class: 'table tasks' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        heads.map((title) => h('th', {}, title)),
      ),
    ),
    h(
      'tbody',
      {},
      tasks.map((task) => taskRow(jobId, task)),
    ),
  );
}

function filterLabel(filter) {
  return FILTER_LABELS[filter] ?? filter;
}

function pageTools(jobId, filter) {
  const select = h(
    'select',
    {
      'aria-label': 'Filter by state',
      onchange: (event) => {
        location.hash = jobHref(jobId, event.target.value);
      },
    },
    FILTERS.map((value) => h('option', { value, selected: value === filter }, filterLabel(value))),
  );
  const goto = h(
    'form',
    {
      class: 'goto',
      onsubmit: (event) => {
        event.preventDefault();
        const id = new FormData(event.target).get('task');
        if (id) location.hash = taskHref(jobId, String(id).trim());
      },
    },
    h('input', { name: 'task', placeholder: 'Go to task id', 'aria-label': 'Task id' }),
  );
  return { select, goto };
}

function jobHeader(job, ctx) {
  return [
    h(
      'div',
      { class: 'title' },
      h('h2', {}, `Job ${job.id}`),
      badge(job.state),
      jobActionButtons(job, ctx),
      h(
        'span',
        { class: 'muted' },
        `pool ${job.poolId} · priority ${job.priority} · created ${fmtTime(job.creationTime)} · ` +
          `on all tasks complete: ${job.onAllTasksComplete} · on task failure: ${job.onTaskFailure}`,
      ),
    ),
    job.terminateReason && h('div', { class: 'banner' }, `Terminated: ${job.terminateReason}`),
  ];
}

export function mountJob(container, route, ctx) {
  const jobId = route.jobId;
  const filter = FILTERS.includes(route.state) ? route.state : 'all';
  // Cursors of the pages before the current one (keyset paging has no "previous" by itself).
  const cursors = [];
  let after;
  let lastPage;
  // Built once, so a refresh never clobbers what someone is typing or choosing.
  const parts = {
    head: h('div'),
    counts: h('div'),
    progress: h('div', { class: 'job-progress' }),
    waiting: h('div'),
    failures: h('div'),
    pager: h('span', { class: 'pager' }),
    table: h('div', { class: 'table-wrap' }),
  };
  const tools = pageTools(jobId, filter);
  replaceChildren(
    container,
    parts.head,
    parts.counts,
    parts.progress,
    parts.waiting,
    parts.failures,
    h('h3', {}, filter === 'all' ? 'Tasks' : `Tasks: ${filterLabel(filter)}`),
    h('div', { class: 'toolbar' }, h('label', {}, 'State ', tools.select), tools.goto, parts.pager),
    parts.table,
  );

  const turn = (direction) => {
    if (direction > 0 && lastPage?.next !== undefined) {
      cursors.push(after);
      after = lastPage.next;
    } else if (direction < 0 && cursors.length > 0) {
      after = cursors.pop();
    }
    ctx.reload();
  };

  const renderPager = () =>
    replaceChildren(
      parts.pager,
      h('button', { type: 'button', disabled: cursors.length === 0, onclick: () => turn(-1) }, '‹ Prev'),
      h('span', { class: 'muted' }, `Page ${cursors.length + 1}`),
      h(
        'button',
        { type: 'button', disabled: lastPage?.next === undefined, onclick: () => turn(1) },
        'Next ›',
      ),
    );

  const view = {
    title: `Job ${jobId}`,
    crumbs: [[jobHref(jobId), `Job ${jobId}`]],
    async refresh() {
      const query = new URLSearchParams({ state: filter, limit: String(PAGE_SIZE) });
      if (after !== undefined) query.set('after', after);
      const base = `/jobs/${encodeURIComponent(jobId)}`;
      const [job, page] = await Promise.all([getJson(base), getJson(`${base}/tasks?${query}`)]);
      // Grouping reads stderr heads (bounded and cached on the server): only when something failed.
      const failures = job.counts.failed > 0 ? await getJson(`${base}/failures`) : undefined;
      lastPage = page;
      const noun = filter === 'all' ? '' : `${filterLabel(filter)} `;
      replaceChildren(parts.head, jobHeader(job, ctx));
      replaceChildren(parts.counts, countTiles(job.id, job.counts, filter));
      replaceChildren(
        parts.progress,
        progressBar(job.counts),
        h('span', { class: 'progress-text' }, progressText(job.counts)),
      );
      replaceChildren(parts.waiting, waitingPanel(job));
      replaceChildren(parts.failures, failures && failuresPanel(job, failures, ctx));
      renderPager();
      replaceChildren(
        parts.table,
        page.tasks.length === 0
          ? empty(
              cursors.length > 0
                ? 'No more tasks.'
                : taskTotal(job.counts) === 0
                  ? 'No tasks in this job yet.'
                  : `No ${noun}tasks in this job.`,
            )
          : taskTable(job.id, page.tasks),
      );
    },
    dispose() {},
  };
  return view;
}
