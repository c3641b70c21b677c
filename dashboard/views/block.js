// @ts-check
/**
 * Blocking, in the visitor panel: "Block visitor" opens a small form (a reason, required, and
 * whether to block their IP address too); once blocked, the panel says so with the reason, who
 * and when, and "Unblock". The focus follows: into the form, to the "Blocked" heading, back to
 * the button. Kept apart from the panel's other facts, which re-render on every visitor frame:
 * a reason being typed must survive them.
 */
import { Blocking, MAX_REASON_CHARS, blockedBy } from '../lib/blocks.js';
import { h, replace } from '../lib/dom.js';
import { fullTime } from '../lib/format.js';
import { errorLine, field, fieldError, showFieldError } from './admin/common.js';

let formCounter = 0;

export class BlockSection {
  /** @param {import('./shell.js').AppContext} ctx @param {string} visitorId */
  constructor(ctx, visitorId) {
    this.ctx = ctx;
    this.ws = ctx.desk.workspace;
    this.state = new Blocking(ctx.api, visitorId);
    this.formOpen = false;
    formCounter += 1;
    const formId = `block-form-${formCounter}`;
    this.el = h('section', { class: 'block-section', testid: 'visitor-block', hidden: true, attrs: { 'aria-label': 'Blocking' } });

    this.openButton = h('button', {
      type: 'button', class: 'button small danger', testid: 'block-visitor', text: 'Block visitor',
      attrs: { 'aria-expanded': 'false', 'aria-controls': formId }, on: { click: () => this.openForm() },
    });
    this.reason = h('textarea', { rows: 3, required: true, testid: 'block-reason' });
    this.ip = h('input', { type: 'checkbox', testid: 'block-ip' });
    this.submit = h('button', { type: 'submit', class: 'button small danger', testid: 'block-submit', text: 'Block' });
    this.formError = errorLine('block-form-error');
    const reasonField = field('Reason', this.reason, `Shown to the other agents. At most ${MAX_REASON_CHARS} characters.`);
    this.reasonError = fieldError(this.reason, 'block-reason-error');
    reasonField.append(this.reasonError.error);
    this.form = h('form', {
      id: formId, class: 'block-form', testid: 'block-form', hidden: true, noValidate: true, attrs: { 'aria-labelledby': `${formId}-title` },
      on: { submit: (/** @type {SubmitEvent} */ e) => this.blockNow(e), keydown: (/** @type {KeyboardEvent} */ e) => e.key === 'Escape' && this.closeForm() },
    },
    h('h3', { class: 'panel-subtitle', id: `${formId}-title`, text: 'Block this visitor' }),
    h('p', { class: 'muted small', text: 'Their chat closes now, and nothing they send is kept until someone unblocks them.' }),
    reasonField,
    field('Also block their IP address', this.ip, 'Anyone in this workspace from that address is refused too.'),
    this.formError,
    h('div', { class: 'row' }, this.submit,
      h('button', { type: 'button', class: 'button small', testid: 'block-cancel', text: 'Cancel', on: { click: () => this.closeForm() } })));

    this.blockedTitle = h('h3', { class: 'blocked-title', tabIndex: -1, text: 'Blocked' });
    this.blockedFacts = h('div', { class: 'blocked-facts' });
    this.unblockButton = h('button', { type: 'button', class: 'button small', testid: 'unblock-visitor', text: 'Unblock', on: { click: () => this.unblockNow() } });
    this.unblockError = errorLine('unblock-error');
    this.blockedBox = h('div', { class: 'blocked-box', testid: 'visitor-blocked', hidden: true },
      this.blockedTitle, this.blockedFacts, this.unblockError, h('div', { class: 'row' }, this.unblockButton));

    this.el.append(this.openButton, this.form, this.blockedBox);
  }

  /** What the visitor's profile says (`blocked`). @param {unknown} raw */
  load(raw) {
    this.state.load(raw);
    this.render();
  }

  render() {
    const { known, blocked } = this.state;
    this.el.hidden = !known;
    this.openButton.hidden = blocked || this.formOpen;
    this.openButton.setAttribute('aria-expanded', String(this.formOpen));
    this.form.hidden = blocked || !this.formOpen;
    this.blockedBox.hidden = !blocked;
    this.el.dataset.blocked = String(blocked);
    if (this.state.current) this.renderBlocked(this.state.current);
  }

  /** @param {import('../lib/blocks.js').VisitorBlock} block */
  renderBlocked(block) {
    const who = blockedBy(block, this.ws.me?.id, (id) => this.ws.agentName(id));
    replace(this.blockedFacts,
      h('p', { class: 'blocked-reason', testid: 'visitor-blocked-reason', text: block.reason }),
      h('p', { class: 'muted small', testid: 'visitor-blocked-by' },
        `By ${who}`, block.created_at ? [' · ', h('time', { dateTime: block.created_at, text: fullTime(block.created_at) })] : null),
      block.ip ? h('p', { class: 'small', testid: 'visitor-blocked-ip' }, 'Their IP address is blocked too: ', h('code', { text: block.ip })) : null,
      this.state.ipUnknown ? h('p', { class: 'muted small', testid: 'visitor-blocked-ip', text: 'No IP address of theirs was known, so none is blocked.' }) : null);
  }

  openForm() {
    this.formOpen = true;
    this.render();
    this.reason.focus();
  }

  closeForm() {
    this.formOpen = false;
    this.form.reset();
    this.formError.textContent = '';
    showFieldError(this.reasonError, '');
    this.render();
    this.openButton.focus();
  }

  /** @param {SubmitEvent} e */
  async blockNow(e) {
    e.preventDefault();
    this.formError.textContent = '';
    showFieldError(this.reasonError, '');
    this.submit.disabled = true;
    const error = await this.state.block(this.reason.value, this.ip.checked);
    this.submit.disabled = false;
    if (error) {
      if (error.field === 'reason') showFieldError(this.reasonError, error.message);
      else this.formError.textContent = error.message;
      return;
    }
    this.formOpen = false;
    this.form.reset();
    this.render();
    // The heading says what happened; a screen reader reads it with the facts that follow.
    this.blockedTitle.focus();
    this.ctx.announce('Visitor blocked.');
  }

  async unblockNow() {
    this.unblockError.textContent = '';
    this.unblockButton.disabled = true;
    const error = await this.state.unblock();
    this.unblockButton.disabled = false;
    if (error) {
      this.unblockError.textContent = error.message;
      return;
    }
    this.render();
    this.openButton.focus();
    this.ctx.announce('Visitor unblocked.');
  }
}
