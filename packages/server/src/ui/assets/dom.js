// DOM helpers and formatters. Everything from the server goes in as text (textContent), never as HTML:
// task ids, messages and output are user data.

/** Creates an element: h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replaceChildren(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const number = new Intl.NumberFormat();

export function fmtNumber(n) {
  return number.format(n ?? 0);
}

export function fmtBytes(n) {
  if (n === undefined || n === null) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Local time; the date only when it is not today. */
export function fmtTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export function fmtDuration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  return `${hours}h ${m % 60}m`;
}

export function between(startIso, endIso) {
  if (!startIso) return undefined;
  const end = endIso ? Date.parse(endIso) : Date.now();
  return end - Date.parse(startIso);
}

/** A state badge: the class carries the colour (state-running, state-failed, …). */
export function badge(text, kind = text) {
  return h('span', { class: `badge state-${String(kind).toLowerCase()}` }, text);
}

/** The task's state as users think of it: completed tasks are succeeded or failed. */
export function taskKind(state, result) {
  if (state !== 'completed') return state;
  return result === 'failure' ? 'failed' : 'succeeded';
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function taskTotal(counts) {
  return counts.active + counts.running + counts.completed;
}

/** Stacked progress bar: succeeded, failed, running over the total; what is left is waiting. */
export function progressBar(counts) {
  const total = taskTotal(counts);
  const bar = h('div', {
    class: 'progress',
    role: 'img',
    'aria-label': progressText(counts),
  });
  for (const [kind, value] of [
    ['succeeded', counts.succeeded],
    ['failed', counts.failed],
    ['running', counts.running],
  ]) {
    const segment = h('span', { class: `seg seg-${kind}`, title: `${value} ${kind}` });
    segment.style.width = total === 0 ? '0%' : `${(100 * value) / total}%`;
    bar.append(segment);
  }
  return bar;
}

export function progressText(counts) {
  const total = taskTotal(counts);
  if (total === 0) return 'no tasks';
  return (
    `${fmtNumber(counts.completed)}/${fmtNumber(total)} done · ${fmtNumber(counts.running)} running · ` +
    `${fmtNumber(counts.failed)} failed · ${fmtNumber(counts.active)} waiting`
  );
}

export function link(href, text, attrs = {}) {
  return h('a', { href, ...attrs }, text);
}

export function jobHref(jobId, state) {
  const base = `#/jobs/${encodeURIComponent(jobId)}`;
  return state && state !== 'all' ? `${base}?state=${encodeURIComponent(state)}` : base;
}

export function taskHref(jobId, taskId) {
  return `#/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}`;
}

/** A definition list from [label, value] pairs; empty values are left out. */
export function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, label), h('dd', {}, value));
  }
  return dl;
}
