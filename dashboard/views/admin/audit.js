// @ts-check
/**
 * The audit log (admins): who changed what in the workspace, newest first, a page at a time
 * ("Load more"), filtered by the kind of thing changed (sites, agents, teams…). Each entry: the
 * local time, who (an agent, an API key, a visitor, the system), the IP address, the action in
 * words, its target and a compact detail (the whole as its title).
 */
import { ACTION_FILTERS, actionLabel, actorLabel, auditQuery, detailText, targetLabel } from '../../lib/audit.js';
import { h, replace } from '../../lib/dom.js';
import { fullTime } from '../../lib/format.js';
import { adminPage, errorLine, field, scrollBox, tableHead } from './common.js';

/** Entries asked for at a time. */
const PAGE_SIZE = 50;

/** @param {import('../shell.js').AppContext} ctx */
export function auditPage(ctx) {
  const filter = h('select', { testid: 'audit-filter', on: { change: () => load(false) } },
    ACTION_FILTERS.map((f) => h('option', { value: f.value, text: f.label })));
  const body = h('tbody', { testid: 'audit-rows' });
  const table = h('table', { class: 'table audit-table', testid: 'audit-list' },
    h('caption', { class: 'sr-only', text: 'Audit log' }),
    tableHead(['Time', 'Who', 'IP address', 'Action', 'Target', 'Detail']), body);
  const error = errorLine('audit-error');
  const status = h('p', { class: 'muted', testid: 'audit-status', attrs: { role: 'status' } });
  const more = h('button', { type: 'button', class: 'button wide', testid: 'audit-load-more', text: 'Load more', hidden: true, on: { click: () => load(true) } });

  /** @type {string | null} */
  let cursor = null;
  let asked = 0;
  let action = '';

  /** The first page for the filter chosen, or (`next`) the next page. @param {boolean} next */
  async function load(next) {
    if (!next) {
      action = filter.value;
      cursor = null;
    }
    const ticket = ++asked;
    error.textContent = '';
    more.disabled = true;
    try {
      const page = await ctx.api.audit(auditQuery({ action, cursor: next ? cursor : null, limit: PAGE_SIZE }));
      if (ticket !== asked) return;
      const rows = (page?.items ?? []).map(entryRow);
      if (next) body.append(...rows);
      else replace(body, rows);
      cursor = page?.next_cursor ?? null;
      const count = body.querySelectorAll('tr').length;
      status.textContent = count ? `${count}${cursor ? '+' : ''} entr${count === 1 ? 'y' : 'ies'}` : 'Nothing recorded yet.';
    } catch (err) {
      if (ticket === asked) error.textContent = /** @type {Error} */ (err).message;
    } finally {
      if (ticket === asked) {
        more.hidden = !cursor;
        more.disabled = false;
      }
    }
  }

  load(false);
  const el = adminPage('Audit log',
    h('p', { class: 'muted', text: 'Changes to the workspace\'s settings, newest first: who made them, from where, and what changed.' }),
    h('div', { class: 'row' }, field('Show', filter)),
    error, status, scrollBox('Audit log entries', 'audit-box', table), more);
  el.classList.add('audit');
  el.dataset.testid = 'audit-page';
  return { el, destroy: () => { asked += 1; } };
}

/** One entry. @param {any} e */
function entryRow(e) {
  const detail = detailText(e.detail);
  return h('tr', { testid: 'audit-row', dataset: { action: String(e.action ?? ''), id: String(e.id ?? '') } },
    h('td', { class: 'nowrap' }, h('time', { dateTime: e.at, text: fullTime(e.at) })),
    h('td', { testid: 'audit-actor', dataset: { kind: String(e.actor?.kind ?? 'system') }, text: actorLabel(e.actor) }),
    h('td', {}, e.ip ? h('code', { text: e.ip }) : h('span', { class: 'muted', text: '—' })),
    h('td', { testid: 'audit-action', attrs: { title: String(e.action ?? '') }, text: actionLabel(e.action) }),
    h('td', { testid: 'audit-target', attrs: e.target_id ? { title: String(e.target_id) } : {}, text: targetLabel(e.target_kind, e.target_id) }),
    h('td', { class: 'audit-detail', testid: 'audit-detail', attrs: detail.full && detail.full !== detail.text ? { title: detail.full } : {}, text: detail.text }));
}
