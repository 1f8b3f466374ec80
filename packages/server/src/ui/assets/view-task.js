// Task: execution and failure info, retries and requeues, the node, the Why card, and its stdout/stderr.
import { postAction, getJson } from './api.js';
import {
  badge,
  between,
  facts,
  fmtDuration,
  fmtTime,
  h,
  jobHref,
  replaceChildren,
  taskHref,
  taskKind,
} from './dom.js';
import { LogViewer } from './log-viewer.js';

function executionCard(task) {
  const info = task.executionInfo ?? { retryCount: 0, requeueCount: 0 };
  const maxRetries = task.constraints?.maxTaskRetryCount;
  const retries =
    maxRetries === undefined
      ? `${info.retryCount}`
      : `${info.retryCount} of ${maxRetries === -1 ? '∞' : maxRetries}`;
  return h(
    'section',
    { class: 'card execution' },
    h('h3', {}, 'Execution'),
    facts([
      [
        'State',
        `${task.state}${task.stateTransitionTime ? ` since ${fmtTime(task.stateTransitionTime)}` : ''}`,
      ],
      ['Started', fmtTime(info.startTime)],
      ['Ended', fmtTime(info.endTime)],
      ['Ran for', fmtDuration(between(info.startTime, info.endTime))],
      ['Exit code', info.exitCode],
      ['Result', info.result],
      ['Retries', retries],
      ['Last retry', fmtTime(info.lastRetryTime)],
      ['Requeues', `${info.requeueCount}`],
      ['Last requeue', fmtTime(info.lastRequeueTime)],
      ['Node', task.nodeInfo?.nodeId ? `${task.nodeInfo.nodeId} (pool ${task.nodeInfo.poolId})` : undefined],
      ['Created', fmtTime(task.creationTime)],
    ]),
  );
}

function failureBanner(task) {
  const failure = task.executionInfo?.failureInfo;
  if (!failure) return undefined;
  return h(
    'section',
    { class: 'banner error failure' },
    h('strong', {}, `${failure.code ?? 'Failure'} (${failure.category})`),
    failure.message && h('div', { class: 'failure-message' }, failure.message),
    (failure.details ?? []).length > 0 &&
      h(
        'ul',
        { class: 'details' },
        failure.details.map((pair) => h('li', {}, `${pair.name} = ${pair.value}`)),
      ),
  );
}

function whyCard(why) {
  const wait = why.waitInfo;
  if (!wait) {
    return h('section', { class: 'card why' }, h('h3', {}, 'Status'), h('p', {}, why.summary));
  }
  return h(
    'section',
    { class: 'card why' },
    h('h3', {}, 'Why it is waiting'),
    h(
      'div',
      { class: 'why-head' },
      badge(wait.code, `outlook-${wait.outlook}`),
      h('span', { class: 'muted' }, wait.outlook),
    ),
    h('p', { class: 'why-message' }, wait.message),
    facts([
      ['Waiting since', fmtTime(wait.since)],
      ['Next change', fmtTime(wait.nextChangeAt)],
      ['Evaluated', fmtTime(wait.evaluatedAt)],
    ]),
    wait.blockers.length > 1 &&
      h(
        'div',
        {},
        h('h4', {}, 'All blockers'),
        h(
          'ul',
          { class: 'blockers' },
          wait.blockers.map((blocker) =>
            h('li', {}, h('span', { class: 'code' }, blocker.code), ` ${blocker.message}`),
          ),
        ),
      ),
    wait.action && h('p', {}, 'Next step: ', h('code', { class: 'action' }, wait.action)),
  );
}

function preferredFile(view) {
  const stderr = view.files.find((file) => file.name === 'stderr.txt');
  const failed = view.task.executionInfo?.result === 'failure';
  return failed && (stderr?.size ?? 0) > 0 ? 'stderr.txt' : 'stdout.txt';
}

export function mountTask(container, route, ctx) {
  const { jobId, taskId } = route;
  const head = h('div');
  const cards = h('div', { class: 'cards task-cards' });
  const viewer = new LogViewer(jobId, taskId, (error) => ctx.showError(error));
  replaceChildren(container, head, cards, h('h3', {}, 'Output'), viewer.element);

  const act = (verb) => async () => {
    if (!confirm(`${verb[0].toUpperCase()}${verb.slice(1)} task ${taskId}?`)) return;
    try {
      await postAction(`/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}/${verb}`);
    } catch (error) {
      ctx.showError(error);
    }
    ctx.reload();
  };

  return {
    title: `Task ${taskId}`,
    crumbs: [
      [jobHref(jobId), `Job ${jobId}`],
      [taskHref(jobId, taskId), `Task ${taskId}`],
    ],
    async refresh() {
      const view = await getJson(`/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}`);
      const task = view.task;
      const kind = taskKind(task.state, task.executionInfo?.result);
      replaceChildren(
        head,
        h(
          'div',
          { class: 'title' },
          h('h2', {}, `Task ${task.id}`),
          badge(kind),
          h('span', { class: 'muted' }, 'in job ', h('a', { href: jobHref(view.jobId) }, view.jobId)),
          h(
            'span',
            { class: 'actions' },
            view.actions.terminate && h('button', { type: 'button', onclick: act('terminate') }, 'Terminate'),
            view.actions.reactivate &&
              h('button', { type: 'button', onclick: act('reactivate') }, 'Reactivate'),
          ),
        ),
        h('p', { class: 'command' }, h('code', {}, task.commandLine ?? '')),
        failureBanner(task),
      );
      replaceChildren(cards, whyCard(view.why), executionCard(task));
      viewer.update(view.files, task.state === 'running' || task.state === 'preparing', preferredFile(view));
    },
    dispose() {
      viewer.dispose();
    },
  };
}
