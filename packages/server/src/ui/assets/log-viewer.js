// stdout/stderr viewer: tabs with sizes, the tail first, earlier chunks on demand, new bytes by offset while the
// task runs. Never downloads the whole file to show it.
import { readChunk } from './api.js';
import { fmtBytes, h, replaceChildren } from './dom.js';

const CHUNK = 64 * 1024;
const FOLLOW_CHUNK = 256 * 1024;
const FOLLOW_MS = 1000;

export class LogViewer {
  constructor(jobId, taskId, onError) {
    this.jobId = jobId;
    this.taskId = taskId;
    this.onError = onError;
    this.files = [];
    this.name = undefined;
    this.running = false;
    this.tabs = h('div', { class: 'tabs', role: 'tablist' });
    this.status = h('span', { class: 'muted log-status' });
    this.earlierButton = h('button', { type: 'button', onclick: () => void this.earlier() }, 'Load earlier');
    this.downloadButton = h('button', { type: 'button', onclick: () => void this.download() }, 'Download');
    this.pre = h('pre', { class: 'log', tabindex: '0' });
    this.element = h(
      'section',
      { class: 'card output' },
      h('div', { class: 'output-head' }, this.tabs, this.status, this.earlierButton, this.downloadButton),
      this.pre,
    );
    this.timer = setInterval(() => void this.follow(), FOLLOW_MS);
  }

  /** New task state: file sizes and whether it still runs. Picks a tab the first time. */
  update(files, running, preferred) {
    this.files = files;
    this.running = running;
    if (this.name === undefined) {
      void this.select(preferred);
      return;
    }
    this.renderTabs();
    const current = files.find((file) => file.name === this.name);
    // The file appeared since the tab was opened (the task started): load it now.
    if (this.size === undefined && current?.size !== undefined) {
      void this.select(this.name);
      return;
    }
    if (current?.size !== undefined && current.size > (this.end ?? 0)) void this.follow();
  }

  renderTabs() {
    replaceChildren(
      this.tabs,
      this.files.map((file) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: file.name === this.name ? 'tab selected' : 'tab',
            'aria-selected': String(file.name === this.name),
            dataset: { file: file.name },
            onclick: () => void this.select(file.name),
          },
          file.name,
          h('span', { class: 'muted' }, file.size === undefined ? ' · none' : ` · ${fmtBytes(file.size)}`),
        ),
      ),
    );
  }

  async select(name) {
    this.name = name;
    this.start = 0;
    this.end = 0;
    this.size = undefined;
    this.decoder = new TextDecoder();
    this.pre.textContent = '';
    this.renderTabs();
    const file = this.files.find((entry) => entry.name === name);
    if (file?.error) return this.showEmpty(`Cannot read ${name}: ${file.error}`);
    if (file?.size === undefined) return this.showEmpty(`No ${name} yet: the task has not run.`);
    await this.guard(async () => {
      const chunk = await readChunk(this.jobId, this.taskId, name, { length: CHUNK });
      if (this.name !== name) return;
      this.start = chunk.start;
      this.end = chunk.start + chunk.bytes.length;
      this.pre.textContent = this.decoder.decode(chunk.bytes, { stream: true });
      this.afterLoad(chunk.size);
      this.pre.scrollTop = this.pre.scrollHeight;
    });
  }

  showEmpty(text) {
    this.pre.classList.add('log-empty');
    this.pre.textContent = text;
    this.earlierButton.hidden = true;
    this.downloadButton.hidden = true;
    this.status.textContent = '';
  }

  afterLoad(size) {
    this.size = size;
    const file = this.files.find((entry) => entry.name === this.name);
    if (file !== undefined && file.size !== size) {
      file.size = size;
      this.renderTabs();
    }
    const empty = size === 0;
    this.pre.classList.toggle('log-empty', empty);
    if (empty)
      this.pre.textContent = this.running ? `${this.name} is empty so far.` : `${this.name} is empty.`;
    this.earlierButton.hidden = this.start === 0;
    this.downloadButton.hidden = empty;
    const shown = this.end - this.start;
    const part = shown < size ? `showing the last ${fmtBytes(shown)} of ${fmtBytes(size)}` : fmtBytes(size);
    this.status.textContent = this.running ? `${part} · following` : part;
  }

  async earlier() {
    const name = this.name;
    await this.guard(async () => {
      const start = Math.max(0, this.start - CHUNK);
      const chunk = await readChunk(this.jobId, this.taskId, name, { start, length: this.start - start });
      if (this.name !== name) return;
      const height = this.pre.scrollHeight;
      this.pre.textContent = new TextDecoder().decode(chunk.bytes) + this.pre.textContent;
      this.start = start;
      this.pre.scrollTop += this.pre.scrollHeight - height;
      this.afterLoad(chunk.size);
    });
  }

  /** Appends what arrived since the last read; keeps the view at the bottom if it was there. */
  async follow() {
    const name = this.name;
    if (name === undefined || this.following || this.size === undefined) return;
    if (!this.running && this.end >= this.size) return;
    this.following = true;
    try {
      await this.guard(async () => {
        const chunk = await readChunk(this.jobId, this.taskId, name, {
          start: this.end,
          length: FOLLOW_CHUNK,
        });
        if (this.name !== name) return;
        if (chunk.bytes.length > 0) {
          const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
          if (this.end === 0 && this.pre.classList.contains('log-empty')) this.pre.textContent = '';
          this.pre.append(this.decoder.decode(chunk.bytes, { stream: true }));
          this.end += chunk.bytes.length;
          if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
        }
        this.afterLoad(chunk.size);
      });
    } finally {
      this.following = false;
    }
  }

  async download() {
    const name = this.name;
    await this.guard(async () => {
      const parts = [];
      let start = 0;
      for (;;) {
        const chunk = await readChunk(this.jobId, this.taskId, name, { start, length: FOLLOW_CHUNK });
        parts.push(chunk.bytes);
        start += chunk.bytes.length;
        if (chunk.bytes.length === 0 || start >= chunk.size) break;
      }
      const url = URL.createObjectURL(new Blob(parts, { type: 'text/plain' }));
      const anchor = h('a', { href: url, download: `${this.taskId}-${name}` });
      anchor.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  }

  async guard(work) {
    try {
      await work();
    } catch (error) {
      this.onError(error);
    }
  }

  dispose() {
    clearInterval(this.timer);
    this.name = undefined;
  }
}
