// @ts-check
/**
 * Blocked visitors (admins): every block of the workspace, newest first, with its reason, the
 * IP address blocked with it, who and when; "Unblock" after a confirmation. Agents block and
 * unblock from the visitor panel beside a conversation.
 */
import { blockOf, blockedBy, blockedVisitor, liftBlock } from '../../lib/blocks.js';
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { fullTime } from '../../lib/format.js';
import { adminPage, attempt, errorLine, statusLine, tableHead } from './common.js';

/** @typedef {import('../../lib/blocks.js').VisitorBlock} VisitorBlock */

/** @param {import('../shell.js').AppContext} ctx */
export function blocksPage(ctx) {
  const ws = ctx.desk.workspace;
  const listError = errorLine('blocks-error');
  const status = statusLine('blocks-status');
  const body = h('tbody');
  const table = h('table', { class: 'table', testid: 'blocks-list', tabIndex: -1, attrs: { 'aria-label': 'Blocked visitors' } },
    tableHead(['Visitor', 'Reason', 'IP address', 'Blocked', '']), body);

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.blocks();
      const blocks = /** @type {VisitorBlock[]} */ (items.map(blockOf).filter(Boolean));
      replace(body, blocks.map(blockRow));
      if (!blocks.length) body.append(h('tr', {}, h('td', { colSpan: 5, class: 'muted', text: 'No blocked visitors.' })));
    });
  }

  /** @param {VisitorBlock} b */
  function blockRow(b) {
    const name = blockedVisitor(b);
    const unblock = h('button', { type: 'button', class: 'button small', testid: 'block-unblock', text: 'Unblock', attrs: { 'aria-label': `Unblock ${name}` } });
    unblock.addEventListener('click', async () => {
      const also = b.ip ? `, and so can anyone from ${b.ip}` : '';
      if (!(await confirmDialog(`Unblock “${name}”? They can chat again at once${also}.`, 'Unblock'))) return;
      const index = [...body.rows].indexOf(row);
      status.textContent = '';
      if (!(await attempt(listError, () => liftBlock(ctx.api, b.visitor_id), unblock))) return;
      await refresh();
      status.textContent = `${name} is unblocked.`;
      focusAfterRemoval(index);
    });
    const row = h('tr', { testid: 'block-row', dataset: { visitorId: b.visitor_id } },
      h('td', { testid: 'block-row-visitor' }, b.visitor_name ? h('span', { text: b.visitor_name }) : h('code', { text: b.visitor_id })),
      h('td', { class: 'block-reason', testid: 'block-row-reason', text: b.reason }),
      h('td', { testid: 'block-row-ip' }, b.ip ? h('code', { text: b.ip }) : h('span', { class: 'muted', text: '—' })),
      h('td', { testid: 'block-row-when' },
        h('time', { dateTime: b.created_at, text: fullTime(b.created_at) }),
        h('span', { class: 'muted small', text: ` by ${blockedBy(b, ws.me?.id, (id) => ws.agentName(id))}` })),
      h('td', { class: 'actions' }, unblock));
    return row;
  }

  /**
   * The row whose button had the focus is gone: the focus goes to the next row's Unblock (the
   * previous one at the end), else to the list, rather than to the page's start.
   * @param {number} index
   */
  function focusAfterRemoval(index) {
    const buttons = [...body.querySelectorAll('button')];
    const next = buttons[Math.min(index, buttons.length - 1)] ?? table;
    next.focus();
  }

  refresh();
  return {
    el: adminPage('Blocked visitors',
      h('p', { class: 'muted', text: 'A blocked visitor cannot chat: their connections close, and nothing they send is kept. Agents block visitors from the panel beside a conversation.' }),
      listError, status, table),
  };
}
