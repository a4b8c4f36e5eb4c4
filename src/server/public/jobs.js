// The job timeline: every background generation as it moves queued → running → done/failed,
// with its wait and run time drawn as a small Gantt bar. Fed by SSE `job` events.

import { h, duration, toMillis } from './dom.js';

const MAX_JOBS = 40;
const OPEN_KEY = 'nyx.jobs.open';

export class JobTimeline {
  constructor(root, list, summary, toggle) {
    this.root = root;
    this.list = list;
    this.summary = summary;
    this.toggle = toggle;
    this.jobs = new Map(); // jobId -> job
    this.rows = new Map(); // jobId -> li
    this.ticker = null;
    this.setOpen(localStorage.getItem(OPEN_KEY) === 'true');
    toggle.addEventListener('click', () => this.setOpen(this.root.dataset.open !== 'true'));
  }

  setOpen(open) {
    this.root.dataset.open = String(open);
    this.toggle.setAttribute('aria-expanded', String(open));
    localStorage.setItem(OPEN_KEY, String(open));
  }

  clear() {
    this.jobs.clear();
    this.rows.clear();
    this.list.replaceChildren();
    this.render();
  }

  upsert(event) {
    const job = asTimelineJob(event);
    if (!job?.jobId) return;
    const prev = this.jobs.get(job.jobId) ?? {};
    // Events may arrive out of order after a reconnect; never move a job backwards.
    const rank = { queued: 0, running: 1, done: 2, failed: 2 };
    if (prev.status && rank[job.status] < rank[prev.status]) return;
    this.jobs.set(job.jobId, { ...prev, ...job, seenAt: prev.seenAt ?? Date.now() });
    while (this.jobs.size > MAX_JOBS) {
      const oldest = this.jobs.keys().next().value;
      this.jobs.delete(oldest);
      this.rows.get(oldest)?.remove();
      this.rows.delete(oldest);
    }
    this.render();
  }

  render() {
    const now = Date.now();
    const jobs = [...this.jobs.values()].reverse(); // newest first
    const counts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const j of jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
    const parts = [];
    if (counts.running) parts.push(`${counts.running} running`);
    if (counts.queued) parts.push(`${counts.queued} queued`);
    if (counts.done) parts.push(`${counts.done} done`);
    if (counts.failed) parts.push(`${counts.failed} failed`);
    this.summary.textContent = parts.length ? parts.join(' · ') : 'no background work yet';
    this.root.dataset.busy = String(counts.running + counts.queued > 0);

    // Scale every bar to the longest span shown, so rows compare at a glance.
    const span = (j) => {
      const q = toMillis(j.queuedAt) ?? j.seenAt;
      return (toMillis(j.finishedAt) ?? now) - q;
    };
    const scale = Math.max(2000, ...jobs.map(span));

    const rows = jobs.map((j) => {
      const q = toMillis(j.queuedAt) ?? j.seenAt;
      const s = toMillis(j.startedAt);
      const f = toMillis(j.finishedAt);
      const wait = (s ?? (j.status === 'queued' ? now : (f ?? now))) - q;
      const run = s !== undefined ? (f ?? now) - s : undefined;
      const row = h(
        'li',
        { class: 'job', 'data-status': j.status, 'data-job': j.jobId, title: j.error ?? '' },
        h('span', { class: 'job-task' }, taskLabel(j.task), h('span', { class: 'job-kind' }, taskArea(j.task))),
        h('span', { class: `job-status st-${j.status}` }, j.status),
        h(
          'span',
          { class: 'job-gantt', 'aria-hidden': 'true' },
          h('i', { class: 'g-wait', style: { width: `${(Math.max(0, wait) / scale) * 100}%` } }),
          run !== undefined ? h('i', { class: 'g-run', style: { width: `${(Math.max(0, run) / scale) * 100}%` } }) : null,
        ),
        h('span', { class: 'job-times' }, `wait ${duration(wait)}`, h('br'), `run ${run === undefined ? '—' : duration(run)}`),
        j.error ? h('span', { class: 'job-error' }, j.error) : null,
      );
      this.rows.set(j.jobId, row);
      return row;
    });
    this.list.replaceChildren(
      ...(rows.length ? rows : [h('li', { class: 'muted empty' }, 'When the storytellers start working, their jobs appear here.')]),
    );

    const live = counts.running + counts.queued > 0;
    if (live && !this.ticker) this.ticker = setInterval(() => this.render(), 250);
    if (!live && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }
}

/** "stakeholders.generate_reaction" → "generate reaction": the work, in words. */
const taskLabel = (task) =>
  String(task ?? 'task')
    .split('.')
    .pop()
    .replace(/_/g, ' ');

/** "stakeholders.generate_reaction" → "stakeholders": which part of the story it serves. */
const taskArea = (task) => (String(task ?? '').includes('.') ? String(task).split('.')[0] : null);

/**
 * Workers publish a job on the content hub (`id`, and the content statuses generating → ready or
 * failed); the timeline speaks of jobs (`jobId`, running → done or failed).
 */
const JOB_STATUS = { generating: 'running', ready: 'done', failed: 'failed', queued: 'queued', running: 'running', done: 'done' };

function asTimelineJob(event) {
  if (!event) return undefined;
  return { ...event, jobId: event.jobId ?? event.id, status: JOB_STATUS[event.status] ?? event.status };
}
