// Overview: pools as cards (node heatmap, slot use, error banner) and jobs with a progress bar.
import { getJson } from './api.js';
import {
  badge,
  empty,
  fmtNumber,
  fmtTime,
  h,
  jobHref,
  link,
  progressBar,
  progressText,
  replaceChildren,
  taskTotal,
} from './dom.js';

// Batch Explorer's heatmap groups.
const TRANSITIONAL = new Set([
  'creating',
  'starting',
  'waitingforstarttask',
  'rebooting',
  'reimaging',
  'leavingpool',
]);
const ERROR = new Set(['starttaskfailed', 'unusable', 'unknown', 'offline', 'preempted']);

function nodeGroup(node) {
  if (node.state === 'idle') return 'idle';
  if (node.state === 'running') {
    const fill = node.slots === 0 ? 1 : node.busySlots / node.slots;
    return fill >= 1 ? 'run-100' : fill > 0.5 ? 'run-75' : 'run-50';
  }
  if (TRANSITIONAL.has(node.state)) return 'transition';
  if (ERROR.has(node.state)) return 'error';
  return 'other';
}

const LEGEND = [
  ['idle', 'idle'],
  ['run-50', 'running (≤ half the slots)'],
  ['run-75', 'running (> half)'],
  ['run-100', 'running (full)'],
  ['transition', 'starting / leaving'],
  ['error', 'unusable / offline / start task failed'],
  ['other', 'other'],
];

function heatmap(pool) {
  const counts = new Map();
  const tiles = pool.nodes.map((node) => {
    const group = nodeGroup(node);
    counts.set(group, (counts.get(group) ?? 0) + 1);
    const disabled = node.schedulingState === 'disabled' ? ' tile-disabled' : '';
    return h('span', {
      class: `tile tile-${group}${disabled}`,
      title: `${node.id}: ${node.state}, ${node.busySlots}/${node.slots} slots busy${disabled ? ', scheduling disabled' : ''}`,
    });
  });
  const legend = LEGEND.filter(([group]) => counts.has(group)).map(([group, label]) =>
    h(
      'span',
      { class: 'legend-item' },
      h('span', { class: `tile tile-${group}` }),
      `${counts.get(group)} ${label}`,
    ),
  );
  return [
    h('div', { class: 'heatmap', 'aria-label': 'Nodes' }, tiles),
    h('div', { class: 'legend' }, legend),
  ];
}

function slotBar(slots) {
  const bar = h('div', { class: 'progress slots', title: `${slots.busy} of ${slots.total} slots busy` });
  const busy = h('span', { class: 'seg seg-running' });
  busy.style.width = slots.total === 0 ? '0%' : `${(100 * slots.busy) / slots.total}%`;
  bar.append(busy);
  return h(
    'div',
    { class: 'slot-use' },
    bar,
    h('span', { class: 'muted' }, `${fmtNumber(slots.busy)} busy · ${fmtNumber(slots.free)} free slots`),
  );
}

function poolCard(pool) {
  const nodes = pool.nodes.length;
  const body =
    nodes === 0
      ? empty(
          `No nodes in this pool (target ${pool.targetNodes}). Resize it, or start an agent: batchite agent --pool ${pool.id}`,
        )
      : [heatmap(pool), slotBar(pool.slots)];
  return h(
    'article',
    { class: 'card pool', dataset: { pool: pool.id } },
    h(
      'header',
      {},
      h('h3', {}, pool.id),
      badge(pool.allocationState),
      pool.state !== 'active' && badge(pool.state),
    ),
    h(
      'p',
      { class: 'muted' },
      `${fmtNumber(nodes)} node${nodes === 1 ? '' : 's'} (target ${pool.targetNodes}) · ` +
        `${pool.taskSlotsPerNode} slot${pool.taskSlotsPerNode === 1 ? '' : 's'} per node` +
        (pool.vmSize ? ` · ${pool.vmSize}` : ''),
    ),
    pool.errors.length > 0 &&
      h(
        'div',
        { class: 'banner error' },
        pool.errors.map((text) => h('div', {}, text)),
      ),
    body,
    pool.truncatedNodes && h('p', { class: 'muted' }, `Showing the first ${nodes} nodes.`),
  );
}

function jobRow(job) {
  return h(
    'tr',
    { dataset: { job: job.id } },
    h('td', {}, link(jobHref(job.id), job.id)),
    h('td', {}, badge(job.state)),
    h('td', {}, job.poolId),
    h(
      'td',
      { class: 'progress-cell' },
      progressBar(job.counts),
      h('span', { class: 'progress-text' }, progressText(job.counts)),
    ),
    h('td', { class: 'num' }, fmtNumber(taskTotal(job.counts))),
    h('td', { class: 'muted' }, fmtTime(job.creationTime)),
  );
}

function jobsTable(jobs) {
  return h(
    'table',
    { class: 'table jobs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Job', 'State', 'Pool', 'Progress', 'Tasks', 'Created'].map((title) => h('th', {}, title)),
      ),
    ),
    h('tbody', {}, jobs.map(jobRow)),
  );
}

export function mountOverview(container) {
  return {
    title: 'Overview',
    crumbs: [],
    async refresh() {
      const data = await getJson('/overview');
      replaceChildren(
        container,
        h('h2', {}, `Pools (${data.pools.length})`),
        data.pools.length === 0
          ? empty(
              'No pools yet. Create one (batchite pool create) or start the server with --nodes N for a local pool.',
            )
          : h('div', { class: 'cards' }, data.pools.map(poolCard)),
        data.truncatedPools && h('p', { class: 'muted' }, `Showing the first ${data.pools.length} pools.`),
        h('h2', {}, `Jobs (${data.jobs.length})`),
        data.jobs.length === 0
          ? empty('No jobs yet. Submit one with batchite run FILE, or with the client.')
          : jobsTable(data.jobs),
        data.truncatedJobs && h('p', { class: 'muted' }, `Showing the first ${data.jobs.length} jobs.`),
      );
    },
    dispose() {},
  };
}
