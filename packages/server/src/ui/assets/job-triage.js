// Triage on the job page: failed tasks grouped by exit code and first stderr line (the grouping `batchite run`
// prints), "Re-run failed" per group or for all, and the job actions — each asks for confirmation first.
import { postAction } from './api.js';
import { empty, fmtNumber, h, link, taskHref } from './dom.js';

const CONSEQUENCES = {
  disable: 'No new task starts; running tasks go back to the queue.',
  enable: 'Its waiting tasks may start again.',
  terminate: 'Running tasks are stopped and the job completes. This cannot be undone.',
  delete: 'The job, its tasks and their files are removed. This cannot be undone.',
};

/** Runs a dashboard action after the user confirmed it; errors go to the page's error banner. */
async function confirmed(question, path, ctx, done = () => ctx.reload()) {
  if (!confirm(question)) return;
  try {
    await postAction(path);
  } catch (error) {
    ctx.showError(error);
    return ctx.reload();
  }
  done();
}

function jobPath(jobId, tail) {
  return `/jobs/${encodeURIComponent(jobId)}/${tail}`;
}

function rerunFailed(job, ctx, group) {
  const code = group?.exitCode;
  const which = group === undefined ? `all ${fmtNumber(job.counts.failed)}` : fmtNumber(group.count);
  const tail = code === undefined || group === undefined ? 'rerun-failed' : `rerun-failed?exitCode=${code}`;
  const scope = group !== undefined && code !== undefined ? ` with exit code ${code}` : '';
  return () =>
    confirmed(`Re-run ${which} failed task(s)${scope} of job ${job.id}?`, jobPath(job.id, tail), ctx);
}

/** The job's action buttons; only those its state allows. */
export function jobActionButtons(job, ctx) {
  const button = (name, label, extra = {}) =>
    job.actions[name] &&
    h(
      'button',
      {
        type: 'button',
        dataset: { action: name },
        onclick: () =>
          confirmed(
            `${label} job ${job.id}?\n${CONSEQUENCES[name]}`,
            jobPath(job.id, name),
            ctx,
            // A deleted job has no page: back to the overview.
            name === 'delete' ? () => (location.hash = '#/') : undefined,
          ),
        ...extra,
      },
      label,
    );
  return h(
    'span',
    { class: 'actions' },
    job.actions.rerunFailed &&
      h(
        'button',
        { type: 'button', dataset: { action: 'rerun-failed' }, onclick: rerunFailed(job, ctx) },
        'Re-run failed',
      ),
    button('disable', 'Disable'),
    button('enable', 'Enable'),
    button('terminate', 'Terminate', { class: 'danger' }),
    button('delete', 'Delete', { class: 'danger' }),
  );
}

function examples(job, group) {
  const more = group.count - group.exampleIds.length;
  return h(
    'span',
    { class: 'examples' },
    group.exampleIds.flatMap((id, index) => [index > 0 && ', ', link(taskHref(job.id, id), id)]),
    more > 0 && h('span', { class: 'muted' }, ` and ${fmtNumber(more)} more`),
  );
}

function groupRow(job, group, ctx) {
  return h(
    'tr',
    { dataset: { group: group.line } },
    h('td', { class: 'num' }, fmtNumber(group.count)),
    h('td', { class: 'num' }, group.exitCode ?? '–'),
    h('td', { class: group.fromStderr ? 'stderr-line' : 'muted' }, h('code', {}, group.line)),
    h('td', {}, examples(job, group)),
    h(
      'td',
      {},
      job.actions.rerunFailed &&
        group.exitCode !== undefined &&
        h('button', { type: 'button', class: 'small', onclick: rerunFailed(job, ctx, group) }, 'Re-run'),
    ),
  );
}

/** Notes that say what the groups do not cover, so nothing is cut silently. */
function coverage(failures) {
  const notes = [];
  if (failures.more.groups > 0)
    notes.push(
      `… and ${fmtNumber(failures.more.groups)} more group(s) of ${fmtNumber(failures.more.tasks)} task(s): ` +
        'filter the table by “failed” to see them.',
    );
  if (failures.stderrRead < failures.failed)
    notes.push(
      `stderr read for the first ${fmtNumber(failures.stderrRead)} failed tasks; ` +
        'the others are grouped by failure code.',
    );
  if (failures.truncated) notes.push('Counted over the first completed tasks only (scan limit).');
  return notes.map((note) => h('p', { class: 'muted' }, note));
}

export function failuresPanel(job, failures, ctx) {
  const heads = ['Tasks', 'Exit', 'First stderr line', 'Examples', ''];
  return h(
    'section',
    { class: 'card failures' },
    h('h3', {}, `Why tasks failed (${fmtNumber(failures.failed)})`),
    failures.groups.length === 0
      ? empty('No failed tasks.')
      : h(
          'table',
          { class: 'table failure-groups' },
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
            failures.groups.map((group) => groupRow(job, group, ctx)),
          ),
        ),
    coverage(failures),
  );
}
