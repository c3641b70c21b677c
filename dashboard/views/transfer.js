// @ts-check
/**
 * Transferring a conversation, under its header: "Transfer" opens a small form, the focus in
 * its target — a team (whose automatic assignment then applies; "Whole workspace" for no
 * team) or an agent — with an optional note for whoever takes it (an internal note, never
 * shown to the visitor). Escape or Cancel closes it and puts the focus back on the button.
 * The server writes the system line ("Transferred to Billing") and the note, which arrive as
 * messages.
 */
import { h, replace } from '../lib/dom.js';

/** @typedef {{team_id: string | null} | {assignee_id: string}} Target */

/**
 * A target as the select's value says it: `team:<id>`, `team:` (no team) or `agent:<id>`.
 * @param {string} value @returns {Target | null}
 */
export function parseTarget(value) {
  if (value.startsWith('team:')) return { team_id: value.slice(5) || null };
  if (value.startsWith('agent:') && value.length > 6) return { assignee_id: value.slice(6) };
  return null;
}

export class TransferSection {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {string} conversationId
   */
  constructor(ctx, conversationId) {
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.ws = ctx.desk.workspace;
    this.id = conversationId;
    this.button = h('button', {
      type: 'button', class: 'button small', testid: 'transfer-button', text: 'Transfer',
      attrs: { 'aria-expanded': 'false', 'aria-controls': `transfer-${conversationId}` },
      on: { click: () => (this.form.hidden ? this.open() : this.close()) },
    });
    this.target = h('select', { id: `transfer-target-${conversationId}`, testid: 'transfer-target', required: true });
    this.note = h('textarea', {
      id: `transfer-note-${conversationId}`, testid: 'transfer-note', rows: 2, maxLength: 4000,
      placeholder: 'What they should know (only agents see it)',
    });
    this.error = h('p', { class: 'form-error', testid: 'transfer-error', attrs: { role: 'alert' } });
    this.submit = h('button', { type: 'submit', class: 'button small primary', testid: 'transfer-submit', text: 'Transfer' });
    this.form = h('form', {
      class: 'transfer-form', testid: 'transfer-form', id: `transfer-${conversationId}`, hidden: true, noValidate: true,
      attrs: { 'aria-label': 'Transfer the conversation' },
      on: {
        submit: (/** @type {Event} */ e) => { e.preventDefault(); this.send(); },
        keydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key !== 'Escape') return;
          e.preventDefault();
          e.stopPropagation();
          this.close();
        },
      },
    },
    h('div', { class: 'field' }, h('label', { htmlFor: this.target.id, text: 'Transfer to' }), this.target),
    h('div', { class: 'field' }, h('label', { htmlFor: this.note.id, text: 'Note (optional)' }), this.note),
    this.error,
    h('div', { class: 'row' }, this.submit,
      h('button', { type: 'button', class: 'button small', testid: 'transfer-cancel', text: 'Cancel', on: { click: () => this.close() } })));
  }

  open() {
    this.renderTargets();
    this.error.textContent = '';
    this.form.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.target.focus();
  }

  close() {
    this.form.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    this.button.focus();
  }

  /** Teams first (the welcome's, or the Teams page's), then the agents known here. */
  renderTargets() {
    const held = this.target.value;
    const c = this.ws.conversations.get(this.id);
    const me = this.ws.me?.id;
    const teams = [...this.ws.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
    const agents = [...this.ws.team.values()]
      .filter((a) => a.active !== false && a.id !== c?.assignee_id)
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    replace(this.target,
      h('option', { value: '', text: 'Choose a team or an agent…', disabled: true }),
      h('optgroup', { label: 'Teams' },
        teams.map((t) => h('option', { value: `team:${t.id}`, text: t.id === c?.team_id ? `${t.name} (now)` : t.name })),
        h('option', { value: 'team:', text: 'Whole workspace (no team)' })),
      agents.length
        ? h('optgroup', { label: 'Agents' }, agents.map((a) => {
          const name = a.name ?? `Agent ${a.id.slice(-4)}`;
          const label = a.id === me ? `${name} (you)` : a.status === 'offline' ? `${name} — offline` : `${name} — ${a.status}`;
          return h('option', { value: `agent:${a.id}`, text: label });
        }))
        : null);
    this.target.value = [...this.target.options].some((o) => o.value === held && !o.disabled) ? held : '';
  }

  async send() {
    const target = parseTarget(this.target.value);
    if (!target) {
      this.error.textContent = 'Choose a team or an agent.';
      this.target.focus();
      return;
    }
    const label = this.target.selectedOptions[0]?.textContent ?? '';
    this.error.textContent = '';
    this.submit.disabled = true;
    try {
      await this.desk.transfer(this.id, target, this.note.value);
      this.note.value = '';
      this.close();
      this.ctx.announce(`Transferred to ${label.replace(/ — .*$| \(.*\)$/, '')}.`);
    } catch (err) {
      this.error.textContent = /** @type {Error} */ (err).message;
    } finally {
      this.submit.disabled = false;
    }
  }
}
