// The dashboard shell: hash routes (#/, #/jobs/J, #/jobs/J?state=failed, #/jobs/J/tasks/T), live updates over
// SSE with "updated Xs ago", one Refresh button that reloads everything on the page, and the metrics strip.
import { AuthNeeded, listen, setKey } from './api.js';
import { h, replaceChildren } from './dom.js';
import { MetricsStrip } from './metrics-strip.js';
import { mountJob } from './view-job.js';
import { mountOverview } from './view-overview.js';
import { mountTask } from './view-task.js';

const viewElement = document.getElementById('view');
const crumbsElement = document.getElementById('crumbs');
const problemElement = document.getElementById('problem');
const liveDot = document.getElementById('live-dot');
const liveText = document.getElementById('live-text');
const metrics = new MetricsStrip(document.getElementById('metrics'));
const METRICS_POLL_MS = 5000;

let current;
let updatedAt;
let liveStatus = 'connecting';
let refreshing = false;
let refreshAgain = false;
let stopListening;

function parseRoute(hash) {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: 'overview' };
  }
  const params = new URLSearchParams(query);
  if (parts[0] === 'jobs' && parts.length === 2) {
    return { name: 'job', jobId: parts[1], state: params.get('state') ?? 'all' };
  }
  if (parts[0] === 'jobs' && parts[2] === 'tasks' && parts.length === 4) {
    return { name: 'task', jobId: parts[1], taskId: parts[3] };
  }
  return { name: 'overview' };
}

function ago(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 2) return 'just now';
  if (s < 120) return `${s}s ago`;
  return `${Math.floor(s / 60)}m ago`;
}

function renderLive() {
  const label = {
    live: 'live',
    connecting: 'connecting…',
    reconnecting: 'reconnecting…',
    auth: 'credential needed',
  };
  liveDot.className = `dot dot-${liveStatus}`;
  liveText.textContent = `${label[liveStatus] ?? liveStatus}${updatedAt ? ` · updated ${ago(Date.now() - updatedAt)}` : ''}`;
}

function hideProblem() {
  problemElement.hidden = true;
  problemElement.replaceChildren();
}

function showAuth() {
  const input = h('input', {
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    'aria-label': 'Dashboard token or account key',
  });
  const form = h(
    'form',
    {
      class: 'auth',
      onsubmit: (event) => {
        event.preventDefault();
        setKey(input.value.trim());
        hideProblem();
        startListening();
        void refreshAll();
      },
    },
    h(
      'p',
      {},
      'The dashboard needs a credential: open the dashboard address `batchite serve` printed ' +
        '(…/ui/#token=…), or enter its token or the account key here; it is kept for this tab only.',
    ),
    input,
    h('button', { type: 'submit' }, 'Use credential'),
  );
  replaceChildren(problemElement, form);
  problemElement.hidden = false;
}

function showError(error) {
  if (error instanceof AuthNeeded) return showAuth();
  const code = error?.code ? `${error.code}: ` : '';
  replaceChildren(problemElement, h('div', { class: 'banner error' }, `${code}${error?.message ?? error}`));
  problemElement.hidden = false;
}

const ctx = { reload: () => void refreshAll(), showError };

/** Re-reads the current view and the metrics; overlapping calls collapse into one more run. */
async function refreshAll() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    await Promise.all([current.refresh(), metrics.refresh()]);
    updatedAt = Date.now();
    hideProblem();
  } catch (error) {
    showError(error);
  } finally {
    refreshing = false;
    renderLive();
    if (refreshAgain) {
      refreshAgain = false;
      void refreshAll();
    }
  }
}

function renderCrumbs(crumbs) {
  const items = [['#/', 'Overview'], ...crumbs];
  replaceChildren(
    crumbsElement,
    items.map(([href, label], index) =>
      index === items.length - 1
        ? h('span', { class: 'crumb current', 'aria-current': 'page' }, label)
        : [h('a', { class: 'crumb', href }, label), h('span', { class: 'sep' }, '/')],
    ),
  );
}

function mount() {
  current?.dispose();
  hideProblem();
  const route = parseRoute(location.hash);
  const container = h('div', { class: `view view-${route.name}` });
  replaceChildren(viewElement, container);
  if (route.name === 'job') current = mountJob(container, route, ctx);
  else if (route.name === 'task') current = mountTask(container, route, ctx);
  else current = mountOverview(container, ctx);
  renderCrumbs(current.crumbs);
  document.title = `${current.title} · Batchite`;
  void refreshAll();
}

function startListening() {
  stopListening?.();
  stopListening = listen(
    () => void refreshAll(),
    (status) => {
      liveStatus = status;
      renderLive();
      if (status === 'auth') showAuth();
    },
  );
}

/**
 * The banner's address carries the dashboard token in its fragment (`#token=…`; a fragment never reaches the
 * server or its logs). Keep it for this tab and take it out of the address bar and history.
 */
function takeTokenFromAddress() {
  const match = /^#token=([^&/]+)/.exec(location.hash);
  if (!match) return;
  setKey(decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

takeTokenFromAddress();
document.getElementById('refresh').addEventListener('click', () => void refreshAll());
window.addEventListener('hashchange', mount);
setInterval(renderLive, 1000);
setInterval(() => void metrics.refresh().catch(() => undefined), METRICS_POLL_MS);
mount();
startListening();
