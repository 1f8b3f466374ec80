// Metrics strip: totals from the server's metrics registry, with what changed since this page was opened.
import { getJson } from './api.js';
import { fmtNumber, h, replaceChildren } from './dom.js';

function perMinute(delta, ms) {
  if (ms < 5000) return '';
  const rate = (delta * 60_000) / ms;
  return ` · ${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/min`;
}

function tile(key, label, value, delta, ms, extra) {
  return h(
    'div',
    { class: 'metric', dataset: { metric: key } },
    h('span', { class: 'metric-label' }, label),
    h('span', { class: 'metric-value' }, fmtNumber(value)),
    h(
      'span',
      { class: 'metric-delta muted' },
      extra ?? `+${fmtNumber(delta)} since open${perMinute(delta, ms)}`,
    ),
  );
}

const throttledOf = (m) => m.throttled['429'] + m.throttled['503'];
const failedRunsOf = (m) => (m.runs.failure ?? 0) + (m.runs.timeout ?? 0) + (m.runs.node_lost ?? 0);

export class MetricsStrip {
  constructor(element) {
    this.element = element;
    this.base = undefined;
    this.openedAt = Date.now();
  }

  async refresh() {
    const now = await getJson('/metrics');
    this.base ??= now;
    const base = this.base;
    const ms = Date.now() - this.openedAt;
    const errors = now.clientErrors + now.serverErrors;
    const errorsDelta = errors - base.clientErrors - base.serverErrors;
    const throttled = throttledOf(now);
    const throttledDelta = throttled - throttledOf(base);
    const since = (delta) => `+${fmtNumber(delta)} since open${perMinute(delta, ms)}`;
    replaceChildren(
      this.element,
      tile('requests', 'API requests', now.requests, now.requests - base.requests, ms),
      tile(
        'errors',
        'Errors (4xx / 5xx)',
        errors,
        errorsDelta,
        ms,
        `${fmtNumber(now.clientErrors)} / ${fmtNumber(now.serverErrors)} · ${since(errorsDelta)}`,
      ),
      tile(
        'throttled',
        'Throttled (429 / 503)',
        throttled,
        throttledDelta,
        ms,
        `${fmtNumber(now.throttled['429'])} / ${fmtNumber(now.throttled['503'])} · ${since(throttledDelta)}`,
      ),
      tile('retries', 'Task retries', now.retries, now.retries - base.retries, ms),
      tile('requeues', 'Requeues', now.requeues, now.requeues - base.requeues, ms),
      tile('failed-runs', 'Failed runs', failedRunsOf(now), failedRunsOf(now) - failedRunsOf(base), ms),
      now.faultsInjected > 0 &&
        tile('faults', 'Faults injected', now.faultsInjected, now.faultsInjected - base.faultsInjected, ms),
    );
  }
}
