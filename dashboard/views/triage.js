// @ts-check
/**
 * The conversation header's second row: its labels (chips, and a picker that toggles the
 * workspace's labels), its priority, snoozing (1 hour, tomorrow 9:00, next week, a custom time;
 * "Unsnooze" while snoozed) and "Download transcript" (fetched with the agent's token, saved
 * through a Blob link: the API needs the Authorization header, a plain link would not send it).
 * Every change is a `PATCH /conversations/{id}`; the workspace then holds the answer, and every
 * agent's dashboard gets the `conversation` frame.
 */
import { h, replace } from '../lib/dom.js';
import { fullTime, shortTime } from '../lib/format.js';
import { adminHref } from '../lib/router.js';
import { parseLocal, snoozeChoices, snoozeProblem, toLocalInput } from '../lib/snooze.js';
import { PRIORITIES, isSnoozed } from '../lib/workspace.js';
import { labelChip } from './inbox.js';

/** @typedef {import('../lib/workspace.js').Conversation} Conversation */

let popoverCounter = 0;

/**
 * A button that shows and hides a panel under it (a disclosure, not an ARIA menu: the panel
 * holds ordinary controls). Escape or a click elsewhere closes it, Escape giving the focus back
 * to the button.
 * @param {{label: string, testid: string, panelTestid: string, panelLabel: string, onOpen?: () => void}} options
 */
function popover({ label, testid, panelTestid, panelLabel, onOpen }) {
  popoverCounter += 1;
  const id = `popover-${popoverCounter}`;
  const panel = h('div', { class: 'popover', id, testid: panelTestid, hidden: true, attrs: { role: 'group', 'aria-label': panelLabel } });
  const button = h('button', {
    type: 'button', class: 'button small', testid, text: label,
    attrs: { 'aria-expanded': 'false', 'aria-controls': id },
    on: { click: () => toggle(panel.hidden === true) },
  });
  const box = h('div', { class: 'popover-box' }, button, panel);
  /** @param {boolean} open */
  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) onOpen?.();
  }
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      toggle(false);
      button.focus();
    }
  });
  /** @param {PointerEvent} e */
  const outside = (e) => {
    if (!panel.hidden && e.target instanceof Node && !box.contains(e.target)) toggle(false);
  };
  document.addEventListener('pointerdown', outside);
  return { box, button, panel, toggle, destroy: () => document.removeEventListener('pointerdown', outside) };
}

export class TriageBar {
  /**
   * @param {import('./shell.js').AppContext} ctx @param {string} id
   * @param {{act: (action: () => Promise<unknown>) => Promise<boolean>}} options `act` runs a change, showing its error
   */
  constructor(ctx, id, options) {
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.ws = ctx.desk.workspace;
    this.id = id;
    this.act = options.act;
    /** @type {string[] | null} the labels being saved, shown checked meanwhile */
    this.pendingLabels = null;
    /** @type {any} */ this.snoozeTimer = null;

    this.chips = h('span', { class: 'conversation-labels', testid: 'conversation-labels' });
    this.labels = popover({ label: 'Labels', testid: 'labels-button', panelTestid: 'labels-menu', panelLabel: 'Labels', onOpen: () => this.renderLabelChoices(true) });
    this.priority = h('select', { id: `priority-${id}`, testid: 'priority-select', on: { change: () => this.changePriority() } },
      PRIORITIES.map((p) => h('option', { value: p.id, text: p.label })));
    this.customInput = h('input', { type: 'datetime-local', id: `snooze-custom-${id}`, testid: 'snooze-custom', step: 1 });
    this.snoozeError = h('p', { class: 'form-error', testid: 'snooze-error', attrs: { role: 'alert' } });
    this.snooze = popover({ label: 'Snooze', testid: 'snooze-button', panelTestid: 'snooze-menu', panelLabel: 'Snooze until', onOpen: () => this.renderSnoozeChoices() });
    this.snoozeList = h('div', { class: 'popover-choices' });
    this.snooze.panel.append(
      this.snoozeList,
      h('form', { class: 'snooze-custom', on: { submit: (/** @type {Event} */ e) => { e.preventDefault(); this.snoozeCustom(); } } },
        h('label', { htmlFor: this.customInput.id, class: 'small', text: 'Until' }),
        this.customInput,
        h('button', { type: 'submit', class: 'button small', testid: 'snooze-custom-apply', text: 'Snooze' })),
      this.snoozeError);
    this.unsnooze = h('button', { type: 'button', class: 'button small', testid: 'unsnooze-button', text: 'Unsnooze', hidden: true, on: { click: () => this.wake() } });
    this.snoozedPill = h('span', { class: 'pill snoozed-pill', testid: 'conversation-snoozed', hidden: true });
    this.transcript = h('a', {
      href: `/api/v1/conversations/${encodeURIComponent(id)}/transcript`, class: 'small transcript-link', testid: 'transcript-download',
      text: 'Download transcript', download: `conversation-${id}.txt`, on: { click: (/** @type {MouseEvent} */ e) => this.download(e) },
    });
    this.transcriptStatus = h('span', { class: 'small muted', testid: 'transcript-status', attrs: { role: 'status' } });
    this.el = h('div', { class: 'conversation-triage', testid: 'conversation-triage' },
      this.labels.box,
      h('label', { htmlFor: this.priority.id, class: 'sr-only', text: 'Priority' }),
      this.priority,
      this.snooze.box, this.unsnooze, this.snoozedPill,
      this.transcript, this.transcriptStatus);
    this.offs = [this.ws.on('labels', () => this.render())];
    this.render();
  }

  destroy() {
    for (const off of this.offs) off();
    this.labels.destroy();
    this.snooze.destroy();
    clearTimeout(this.snoozeTimer);
  }

  /** @returns {Conversation | undefined} */
  get conversation() {
    return this.ws.conversations.get(this.id);
  }

  render() {
    const c = this.conversation;
    if (!c) return;
    replace(this.chips, this.ws.labelsOf(c).map((l) => labelChip(l, 'conversation-label')));
    this.chips.hidden = !c.labels.length;
    if (this.labels.panel.hidden) this.renderLabelChoices(false);
    else this.syncLabelChoices();
    if (document.activeElement !== this.priority) this.priority.value = c.priority;
    this.priority.dataset.priority = c.priority;
    const snoozed = c.status === 'open' && isSnoozed(c, Date.now());
    const focusLost = document.activeElement === this.unsnooze && !snoozed;
    this.unsnooze.hidden = !snoozed;
    this.snooze.box.hidden = c.status !== 'open';
    if (c.status !== 'open') this.snooze.toggle(false);
    this.snoozedPill.hidden = !snoozed;
    if (snoozed && c.snoozed_until) {
      this.snoozedPill.textContent = `Snoozed until ${shortTime(c.snoozed_until)}`;
      this.snoozedPill.title = fullTime(c.snoozed_until);
    }
    if (focusLost) this.snooze.button.focus();
    // The snooze ends on this screen too, to the second.
    clearTimeout(this.snoozeTimer);
    if (snoozed && c.snoozed_until) {
      this.snoozeTimer = setTimeout(() => this.render(), Math.min(Date.parse(c.snoozed_until) - Date.now() + 50, 2 ** 31 - 1));
    }
  }

  /** The picker's checkboxes, one per label of the workspace. @param {boolean} focus */
  renderLabelChoices(focus) {
    const c = this.conversation;
    const all = [...this.ws.labels.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (!all.length) {
      replace(this.labels.panel,
        h('p', { class: 'muted small', testid: 'labels-none', text: 'No labels yet.' }),
        this.ws.isAdmin ? h('a', { href: adminHref('labels'), class: 'small', text: 'Add labels in Settings' }) : null);
      return;
    }
    replace(this.labels.panel, all.map((l) => {
      const box = h('input', {
        type: 'checkbox', id: `label-${this.id}-${l.id}`, testid: 'label-toggle', dataset: { labelId: l.id },
        checked: Boolean(c?.labels.includes(l.id)), on: { change: () => this.toggleLabel(l.id, box.checked) },
      });
      return h('div', { class: 'field check' }, box, h('label', { htmlFor: box.id }, labelChip(l, 'label-toggle-name')));
    }));
    if (focus) queueMicrotask(() => /** @type {HTMLElement | null} */ (this.labels.panel.querySelector('input'))?.focus());
  }

  /** The open picker's boxes follow the conversation (another agent's change). */
  syncLabelChoices() {
    const c = this.conversation;
    if (!c) return;
    const boxes = /** @type {NodeListOf<HTMLInputElement>} */ (this.labels.panel.querySelectorAll('input[type="checkbox"]'));
    if (boxes.length !== this.ws.labels.size) return this.renderLabelChoices(false);
    const held = this.pendingLabels ?? c.labels;
    for (const box of boxes) box.checked = held.includes(box.dataset.labelId ?? '');
  }

  /** @param {string} labelId @param {boolean} on */
  async toggleLabel(labelId, on) {
    const c = this.conversation;
    if (!c) return;
    const held = this.pendingLabels ?? c.labels;
    const next = on ? [...new Set([...held, labelId])] : held.filter((l) => l !== labelId);
    this.pendingLabels = next;
    this.syncLabelChoices();
    await this.act(() => this.desk.setLabels(this.id, next));
    // A later toggle, sent meanwhile, holds the newer set.
    if (this.pendingLabels === next) this.pendingLabels = null;
    this.render();
  }

  changePriority() {
    const value = this.priority.value;
    this.act(() => this.desk.setPriority(this.id, value)).then(() => this.render());
  }

  renderSnoozeChoices() {
    this.snoozeError.textContent = '';
    const now = new Date();
    if (!this.customInput.value) this.customInput.value = toLocalInput(new Date(now.getTime() + 3 * 3600 * 1000));
    replace(this.snoozeList, snoozeChoices(now).map((choice) => h('button', {
      type: 'button', class: 'button small', testid: `snooze-${choice.id}`, text: choice.label, attrs: { title: fullTime(choice.until.toISOString()) },
      // Counted again at the click: the menu may have stayed open a while.
      on: { click: () => this.snoozeUntil(snoozeChoices(new Date()).find((c) => c.id === choice.id)?.until ?? choice.until) },
    })));
    queueMicrotask(() => /** @type {HTMLElement | null} */ (this.snoozeList.querySelector('button'))?.focus());
  }

  snoozeCustom() {
    const until = parseLocal(this.customInput.value);
    const problem = snoozeProblem(until, new Date());
    this.snoozeError.textContent = problem;
    if (problem || !until) {
      this.customInput.setAttribute('aria-invalid', 'true');
      this.customInput.focus();
      return;
    }
    this.customInput.removeAttribute('aria-invalid');
    this.snoozeUntil(until);
  }

  /** @param {Date} until */
  async snoozeUntil(until) {
    const ok = await this.act(() => this.desk.snooze(this.id, until));
    if (!ok) return;
    this.snooze.toggle(false);
    this.render();
    this.ctx.announce(`Snoozed until ${fullTime(until.toISOString())}`);
    this.unsnooze.focus();
  }

  async wake() {
    if (await this.act(() => this.desk.snooze(this.id, null))) this.ctx.announce('Back in the inbox');
    this.render();
  }

  /** @param {MouseEvent} e */
  async download(e) {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    this.transcriptStatus.textContent = 'Preparing…';
    try {
      const { blob, name } = await this.ctx.api.transcript(this.id);
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.transcriptStatus.textContent = '';
    } catch (err) {
      this.transcriptStatus.textContent = `Could not download: ${/** @type {Error} */ (err).message}`;
    }
  }
}
