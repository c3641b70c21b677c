// @ts-check
/**
 * Reports (`#/reports`, any agent), for whoever leads the support: a period (the last 7 days,
 * the last 30, or from one day to another), per day or per hour, filtered by team, agent and
 * site, in the browser's time zone. The summary's tiles, two charts (conversations and
 * messages; the first response's median and 90th percentile), a breakdown by agent, team or
 * site, the busiest hours of the week, the queue now (refreshed every 15 s while the page is
 * shown), and the conversations as CSV. A line says how response and resolution times are
 * counted (every hour, or the teams' business hours only: the workspace's setting, which an
 * admin switches here; the numbers are asked again).
 *
 * The charts are drawn by uPlot, in a chunk of their own (`report-charts.js`) that only this
 * page loads; it gets the data and the stylesheet's colours, light or dark, from here.
 */
import { h, replace } from '../lib/dom.js';
import {
  MAX_HOUR_DAYS, breakdownName, browserTimeZone, businessHoursOnly, csvName, dayValue, heatmapCells, humanDuration, longestWait,
  ratingText, reportParams, reportRange, seriesData, summaryTiles, timesCountedSentence,
} from '../lib/reports.js';
import { adminPage, attempt, errorLine, field, scrollBox, statusLine, tableHead } from './admin/common.js';

/** How often the live panel asks again, while the page is shown. */
export const LIVE_EVERY_MS = 15_000;
/** The steps of the first response's axis, in seconds: round durations. */
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400, 172_800, 604_800];
/** The charts' height in CSS pixels. */
const CHART_HEIGHT = 220;

/** @typedef {import('../lib/reports.js').ReportForm} ReportForm */
/** @typedef {import('./report-charts.js').Chart} Chart */

/** uPlot's chunk, fetched once, at the first chart. @type {Promise<typeof import('./report-charts.js')> | null} */
let chartsModule = null;
const loadCharts = () => (chartsModule ??= import('./report-charts.js').catch((err) => {
  chartsModule = null;
  throw err;
}));

/** @param {import('./shell.js').AppContext} ctx @returns {{el: HTMLElement, destroy: () => void}} */
export function reportsPage(ctx) {
  const ws = ctx.desk.workspace;
  const tz = browserTimeZone();
  const today = new Date();

  // ---- the controls -------------------------------------------------------------------------
  const period = h('select', { testid: 'report-period' },
    h('option', { value: '7d', text: 'Last 7 days' }),
    h('option', { value: '30d', text: 'Last 30 days' }),
    h('option', { value: 'custom', text: 'Custom…' }));
  const from = h('input', { type: 'date', testid: 'report-from', value: dayValue(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6)) });
  const to = h('input', { type: 'date', testid: 'report-to', value: dayValue(today) });
  const interval = h('select', { testid: 'report-interval' },
    h('option', { value: 'day', text: 'Per day' }),
    h('option', { value: 'hour', text: `Per hour (up to ${MAX_HOUR_DAYS} days)` }));
  const team = h('select', { testid: 'report-team' }, h('option', { value: '', text: 'All teams' }));
  const agent = h('select', { testid: 'report-agent' }, h('option', { value: '', text: 'All agents' }));
  const site = h('select', { testid: 'report-site' }, h('option', { value: '', text: 'All sites' }));
  const fromField = field('From', from);
  const toField = field('To', to);
  const siteField = field('Site', site);
  const csvButton = h('button', { type: 'button', class: 'button', testid: 'report-csv', text: 'Download CSV', on: { click: () => downloadCsv() } });
  const csvStatus = h('span', { class: 'small muted', testid: 'report-csv-status', attrs: { role: 'status' } });
  const form = h('form', { class: 'admin-form report-form', testid: 'report-form', attrs: { 'aria-label': 'Report period and filters' }, on: { submit: (/** @type {Event} */ e) => {
    e.preventDefault();
    load();
  } } },
  h('div', { class: 'grid-fields' },
    field('Period', period), fromField, toField, field('Interval', interval), field('Team', team), field('Agent', agent), siteField),
  h('div', { class: 'row' }, csvButton, csvStatus,
    h('span', { class: 'small muted', text: `Times in ${tz}.` })));
  for (const control of [period, from, to, interval, team, agent, site]) control.addEventListener('change', () => load());

  // ---- how times are counted (the workspace's setting; admins switch it) ----------------------
  const hoursNote = h('p', { class: 'small muted', id: 'report-hours-note', testid: 'report-hours-note' });
  const hoursSwitch = h('input', {
    type: 'checkbox', id: 'report-business-hours', testid: 'report-business-hours',
    attrs: { role: 'switch', 'aria-describedby': 'report-hours-note' }, on: { change: () => { void saveHours(); } },
  });
  const hoursControl = h('span', { class: 'check-inline', hidden: true }, hoursSwitch,
    h('label', { htmlFor: 'report-business-hours', text: 'Count business hours only' }));
  const hoursError = errorLine('report-business-hours-error');
  const hours = h('div', { class: 'report-hours', testid: 'report-hours' }, hoursNote, hoursControl);

  const error = errorLine('report-error');
  const status = statusLine('report-status');

  // ---- the summary's tiles ------------------------------------------------------------------
  const tiles = h('ul', { class: 'report-tiles', testid: 'report-tiles', attrs: { 'aria-label': 'Summary' } });

  // ---- the charts ---------------------------------------------------------------------------
  const volume = chartBox('report-chart-volume', 'Conversations and messages', [
    { label: 'Conversations', swatch: 1 }, { label: 'Messages', swatch: 2, dashed: true },
  ]);
  const firstResponse = chartBox('report-chart-first-response', 'First response time', [
    { label: 'Median', swatch: 1 }, { label: '90th percentile', swatch: 3, dashed: true },
  ]);
  /** @type {Chart[]} */
  let charts = [];
  /** The series last drawn, to draw again (dark mode, a resize to another layout). @type {any[] | null} */
  let lastPoints = null;

  // ---- the breakdown ------------------------------------------------------------------------
  const by = h('select', { testid: 'report-breakdown-by', on: { change: () => loadBreakdown() } },
    h('option', { value: 'agent', text: 'By agent' }), h('option', { value: 'team', text: 'By team' }), h('option', { value: 'site', text: 'By site' }));
  const breakdownBody = h('tbody', { testid: 'report-breakdown-rows' });
  const breakdownTable = h('table', { class: 'table report-breakdown', testid: 'report-breakdown' },
    h('caption', { class: 'sr-only', text: 'Breakdown' }),
    tableHead(['Name', 'Conversations', 'Resolved', 'Messages', 'First response (median)', 'Resolution (median)', 'Rating']), breakdownBody);

  // ---- the heatmap --------------------------------------------------------------------------
  const heatmap = scrollBox('Busiest hours', 'report-heatmap-box');
  const heatmapNote = h('p', { class: 'small muted', testid: 'report-heatmap-note' });

  // ---- the live panel -----------------------------------------------------------------------
  const liveFacts = h('dl', { class: 'facts report-live-facts', testid: 'report-live-facts' });
  const liveAgents = h('tbody', { testid: 'report-live-agents' });
  const liveError = errorLine('report-live-error');
  const liveTime = h('p', { class: 'small muted', testid: 'report-live-time' });

  const el = adminPage('Reports',
    form, hours, hoursError, error, status, tiles,
    h('div', { class: 'report-charts' }, volume.el, firstResponse.el),
    h('section', { class: 'report-section', attrs: { 'aria-labelledby': 'report-breakdown-title' } },
      h('div', { class: 'row report-section-head' }, h('h2', { class: 'panel-subtitle', id: 'report-breakdown-title', text: 'Breakdown' }),
        h('label', { class: 'sr-only', htmlFor: 'report-breakdown-by', text: 'Break down by' }), by),
      scrollBox('Breakdown table', 'report-breakdown-box', breakdownTable)),
    h('section', { class: 'report-section', attrs: { 'aria-labelledby': 'report-heatmap-title' } },
      h('h2', { class: 'panel-subtitle', id: 'report-heatmap-title', text: 'Busiest hours' }),
      heatmapNote, heatmap),
    h('section', { class: 'report-section report-live', testid: 'report-live', attrs: { 'aria-labelledby': 'report-live-title' } },
      h('h2', { class: 'panel-subtitle', id: 'report-live-title', text: 'Right now' }),
      liveError, liveFacts,
      scrollBox('Agents now', 'report-live-box', h('table', { class: 'table', testid: 'report-live-table' },
        h('caption', { class: 'sr-only', text: 'Agents now' }), tableHead(['Agent', 'Status', 'Open conversations']), liveAgents)),
      liveTime));
  el.classList.add('reports');
  el.dataset.testid = 'reports-page';
  by.id = 'report-breakdown-by';

  /** Only the latest request's answers are shown. */
  let asked = 0;
  let live = true;
  /** @type {import('../lib/reports.js').Range | null} */
  let range = null;
  /** @type {Record<string, string | undefined> | null} */
  let params = null;

  /** @returns {ReportForm} */
  const formValue = () => ({
    period: /** @type {any} */ (period.value), from: from.value, to: to.value, interval: interval.value === 'hour' ? 'hour' : 'day',
    team: team.value, agent: agent.value, site: site.value,
  });

  async function load() {
    const custom = period.value === 'custom';
    fromField.hidden = !custom;
    toField.hidden = !custom;
    const value = formValue();
    const picked = reportRange(value, new Date());
    const ticket = ++asked;
    error.textContent = picked.error ?? '';
    if (!picked.range) return;
    range = picked.range;
    params = reportParams(value, range, tz);
    status.textContent = 'Loading…';
    el.dataset.state = 'loading';
    const shared = params;
    try {
      const [summary, series, heat] = await Promise.all([
        ctx.api.reportSummary(shared),
        ctx.api.reportSeries({ ...shared, interval: value.interval }),
        ctx.api.reportHeatmap(shared),
        loadBreakdown(),
      ]);
      if (ticket !== asked || !live) return;
      renderTiles(summary);
      lastPoints = series?.points ?? [];
      await drawCharts();
      renderHeatmap(heat?.days);
      status.textContent = '';
      el.dataset.state = 'ready';
    } catch (err) {
      if (ticket !== asked || !live) return;
      status.textContent = '';
      error.textContent = /** @type {Error} */ (err).message;
      el.dataset.state = 'error';
    }
  }

  /** @param {any} summary */
  function renderTiles(summary) {
    replace(tiles, summaryTiles(summary).map((t) => h('li', { class: 'report-tile', testid: `report-tile-${t.id}`, dataset: { value: t.raw } },
      h('span', { class: 'report-tile-label', text: t.label }),
      h('span', { class: 'report-tile-value', testid: 'report-tile-value', text: t.text }))));
  }

  let breakdownAsked = 0;
  async function loadBreakdown() {
    if (!params) return;
    const ticket = ++breakdownAsked;
    const kind = /** @type {import('../lib/reports.js').BreakdownBy} */ (by.value);
    try {
      const answer = await ctx.api.reportBreakdown({ ...params, by: kind });
      if (ticket !== breakdownAsked || !live) return;
      const rows = Array.isArray(answer?.rows) ? answer.rows : [];
      replace(breakdownBody, rows.length
        ? rows.map((/** @type {any} */ r) => h('tr', { testid: 'report-breakdown-row', dataset: { id: r.id ?? '' } },
          h('th', { scope: 'row', text: breakdownName(r, kind) }),
          h('td', { text: String(r.conversations ?? 0) }),
          h('td', { text: String(r.resolved ?? 0) }),
          h('td', { text: String(r.messages ?? 0) }),
          h('td', { text: humanDuration(r.first_response_s?.p50) }),
          h('td', { text: humanDuration(r.resolution_s?.p50) }),
          h('td', { text: ratingText(r.rating) })))
        : h('tr', {}, h('td', { colSpan: 7, class: 'muted', text: 'No conversations in this period.' })));
    } catch (err) {
      if (ticket === breakdownAsked && live) replace(breakdownBody, h('tr', {}, h('td', { colSpan: 7, class: 'form-error', text: /** @type {Error} */ (err).message })));
    }
  }

  /** The charts again from the last series (the colours are read again: light or dark). */
  async function drawCharts() {
    const points = lastPoints;
    if (!points) return;
    let module;
    try {
      module = await loadCharts();
    } catch {
      volume.note.textContent = 'The charts could not be loaded. Reload the page to try again.';
      return;
    }
    if (!live || points !== lastPoints) return;
    for (const c of charts) c.destroy();
    const theme = chartTheme(el);
    const hourly = interval.value === 'hour';
    const when = (/** @type {number} */ s) => new Date(s * 1000).toLocaleString([], hourly
      ? { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
      : { weekday: 'short', month: 'short', day: 'numeric' });
    const count = (/** @type {number} */ v) => (Number.isInteger(v) ? v.toLocaleString() : '');
    const volumeData = seriesData(points, ['conversations', 'messages']);
    const responseData = seriesData(points, ['first_response_s.p50', 'first_response_s.p90']);
    volume.host.replaceChildren();
    firstResponse.host.replaceChildren();
    charts = [
      module.lineChart(volume.host, {
        lines: [{ label: 'Conversations', color: theme.colors[0] }, { label: 'Messages', color: theme.colors[1], dash: [6, 4], scale: 'y2' }],
        data: volumeData, height: CHART_HEIGHT, theme, value: count, value2: count,
        onCursor: (i) => { volume.note.textContent = i === null ? '' : `${when(Number(volumeData[0][i]))}: ${volumeData[1][i] ?? 0} conversations, ${volumeData[2][i] ?? 0} messages`; },
      }),
      module.lineChart(firstResponse.host, {
        lines: [{ label: 'Median', color: theme.colors[0] }, { label: '90th percentile', color: theme.colors[2], dash: [6, 4] }],
        data: responseData, height: CHART_HEIGHT, theme, value: (v) => humanDuration(v), axisSize: 84, incrs: DURATION_STEPS,
        onCursor: (i) => { firstResponse.note.textContent = i === null ? '' : `${when(Number(responseData[0][i]))}: median ${humanDuration(responseData[1][i])}, 90th percentile ${humanDuration(responseData[2][i])}`; },
      }),
    ];
    volume.el.dataset.points = String(points.length);
    firstResponse.el.dataset.points = String(points.length);
  }

  /** @param {unknown} days */
  function renderHeatmap(days) {
    const map = heatmapCells(days);
    heatmapNote.textContent = map.total
      ? `Conversations started, by weekday and hour (${tz}). Darker is busier; the busiest hour had ${map.max}.`
      : 'No conversations started in this period.';
    const hours = Array.from({ length: 24 }, (_, hr) => h('th', { scope: 'col', attrs: { title: `${String(hr).padStart(2, '0')}:00` } },
      h('span', { attrs: { 'aria-hidden': 'true' }, text: hr % 3 === 0 ? String(hr) : '' }),
      h('span', { class: 'sr-only', text: `${String(hr).padStart(2, '0')}:00` })));
    replace(heatmap, h('table', { class: 'heatmap', testid: 'report-heatmap', dataset: { total: String(map.total) } },
      h('caption', { class: 'sr-only', text: 'Conversations started by weekday and hour' }),
      h('thead', {}, h('tr', {}, h('td', {}), hours)),
      h('tbody', {}, map.rows.map((row) => h('tr', {},
        h('th', { scope: 'row', attrs: { title: row.day } }, h('span', { attrs: { 'aria-hidden': 'true' }, text: row.day.slice(0, 3) }), h('span', { class: 'sr-only', text: row.day })),
        row.cells.map((c) => h('td', {
          class: `heat heat-${c.level}`, testid: 'report-heatmap-cell', dataset: { count: String(c.count), level: String(c.level) },
          attrs: { title: c.label, 'aria-label': c.label },
        })))))));
  }

  // ---- the live panel ------------------------------------------------------------------------
  let liveAsked = 0;
  async function refreshLive() {
    if (document.visibilityState === 'hidden') return;
    const ticket = ++liveAsked;
    try {
      const now = await ctx.api.reportLive();
      if (ticket !== liveAsked || !live) return;
      liveError.textContent = '';
      replace(liveFacts,
        fact('Open', String(now.open ?? 0), 'report-live-open'),
        fact('Waiting', String(now.waiting ?? 0), 'report-live-waiting'),
        fact('Longest wait', longestWait(now.longest_wait_s), 'report-live-longest'));
      const agents = Array.isArray(now.agents) ? now.agents : [];
      replace(liveAgents, agents.length
        ? agents.map((/** @type {any} */ a) => h('tr', { testid: 'report-live-agent', dataset: { agentId: a.id, status: a.status } },
          h('th', { scope: 'row', text: a.name ?? 'Agent' }),
          h('td', {}, h('span', { class: 'status-dot', dataset: { status: a.status }, attrs: { 'aria-hidden': 'true' } }), ` ${statusWord(a.status)}`),
          h('td', { text: String(a.open ?? 0) })))
        : h('tr', {}, h('td', { colSpan: 3, class: 'muted', text: 'No agents.' })));
      liveTime.textContent = `Updated ${new Date().toLocaleTimeString()}; every ${LIVE_EVERY_MS / 1000} s.`;
      fillAgents(agents);
    } catch (err) {
      if (ticket === liveAsked && live) liveError.textContent = /** @type {Error} */ (err).message;
    }
  }

  /** The agent filter's choices, from the live panel (which any agent may read). @param {any[]} agents */
  function fillAgents(agents) {
    const known = new Set([...agent.options].map((o) => o.value));
    const fresh = agents.filter((a) => a?.id && !known.has(a.id)).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    for (const a of fresh) agent.append(h('option', { value: a.id, text: a.name ?? a.id }));
  }

  function fillTeams() {
    const chosen = team.value;
    replace(team, h('option', { value: '', text: 'All teams' }), [...ws.teams.values()].map((t) => h('option', { value: t.id, text: t.name })));
    team.value = [...team.options].some((o) => o.value === chosen) ? chosen : '';
  }

  /** The site filter's choices: only admins may list the sites; others see no site filter. */
  let sitesAsked = false;
  async function fillSites() {
    siteField.hidden = !ws.isAdmin;
    if (!ws.isAdmin || sitesAsked) return;
    sitesAsked = true;
    try {
      const page = await ctx.api.sites();
      if (!live) return;
      for (const s of page?.items ?? []) site.append(h('option', { value: s.id, text: s.name ?? s.id }));
    } catch {
      siteField.hidden = true;
    }
  }

  /** Whether the workspace's setting is known (read, or saved), and its value. */
  let hoursKnown = false;
  let savedHours = false;
  /** @param {boolean} businessHours */
  function showHours(businessHours) {
    hoursKnown = true;
    savedHours = businessHours;
    hoursSwitch.checked = businessHours;
    hoursNote.textContent = timesCountedSentence(businessHours);
    hours.dataset.businessHours = String(businessHours);
    showHoursSwitch();
  }

  /** The switch is for admins, once the setting is known. */
  function showHoursSwitch() {
    hoursControl.hidden = !ws.isAdmin || !hoursKnown;
  }

  async function loadHours() {
    await attempt(hoursError, async () => {
      const workspace = await ctx.api.workspace();
      if (live && !hoursAsked) showHours(businessHoursOnly(workspace));
    });
  }

  /** Only the latest change's answer counts. */
  let hoursAsked = 0;
  /** Saves the switch's state; the server applies it to the numbers, which are asked again. On failure the switch goes back. */
  async function saveHours() {
    const wanted = hoursSwitch.checked;
    const ticket = ++hoursAsked;
    hours.setAttribute('aria-busy', 'true');
    /** @type {unknown} */
    let answer = null;
    const saved = await attempt(hoursError, async () => { answer = await ctx.api.updateWorkspace({ reports_business_hours: wanted }); });
    if (!live || ticket !== hoursAsked) return;
    hours.removeAttribute('aria-busy');
    if (!saved) {
      hoursSwitch.checked = savedHours;
      return;
    }
    const known = answer && typeof answer === 'object' && 'reports_business_hours' in answer;
    showHours(known ? businessHoursOnly(answer) : wanted);
    void load();
  }

  async function downloadCsv() {
    if (!params || !range) return;
    csvStatus.textContent = 'Preparing…';
    try {
      const { blob, name } = await ctx.api.reportCsv(params, csvName(range));
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      csvStatus.textContent = '';
    } catch (err) {
      csvStatus.textContent = `Could not download: ${/** @type {Error} */ (err).message}`;
    }
  }

  // ---- life ------------------------------------------------------------------------------------
  let resizeFrame = 0;
  const onResize = () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => { for (const c of charts) c.resize(); });
  };
  const scheme = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  const onScheme = () => { void drawCharts(); };
  globalThis.addEventListener('resize', onResize);
  scheme?.addEventListener?.('change', onScheme);
  const offTeams = ws.on('teams', fillTeams);
  const offMe = ws.on('me', () => {
    void fillSites();
    showHoursSwitch();
  });
  const timer = setInterval(refreshLive, LIVE_EVERY_MS);

  fillTeams();
  void fillSites();
  void loadHours();
  void refreshLive();
  void load();

  return {
    el,
    destroy() {
      live = false;
      asked += 1;
      clearInterval(timer);
      cancelAnimationFrame(resizeFrame);
      globalThis.removeEventListener('resize', onResize);
      scheme?.removeEventListener?.('change', onScheme);
      offTeams();
      offMe();
      for (const c of charts) c.destroy();
      charts = [];
    },
  };
}

/**
 * A chart's frame: its title, an HTML legend, the box uPlot draws in (sized by the page), and a
 * line saying the values under the pointer.
 * @param {string} testid @param {string} title @param {{label: string, swatch: number, dashed?: boolean}[]} lines (`swatch`: the colour, `--chart-<n>`)
 */
function chartBox(testid, title, lines) {
  const host = h('div', { class: 'chart-host', testid: `${testid}-canvas` });
  const note = h('p', { class: 'small muted chart-note', testid: `${testid}-note`, attrs: { 'aria-live': 'off' } });
  const legend = h('ul', { class: 'chart-legend', attrs: { 'aria-label': `${title}: legend` } }, lines.map((l) =>
    h('li', {}, h('span', { class: `chart-swatch chart-swatch-${l.swatch}${l.dashed ? ' dashed' : ''}`, attrs: { 'aria-hidden': 'true' } }), l.label)));
  const el = h('figure', { class: 'report-chart', testid, attrs: { 'aria-label': title } },
    h('figcaption', { class: 'panel-subtitle', text: title }), legend, host, note);
  return { el, host, note };
}

/** The charts' colours, from the stylesheet (light or dark). @param {HTMLElement} el */
function chartTheme(el) {
  const style = getComputedStyle(el);
  const v = (/** @type {string} */ name, /** @type {string} */ fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1d2330'),
    muted: v('--muted', '#5f6b7a'),
    grid: v('--line', '#dfe3e8'),
    font: `12px ${style.fontFamily || 'system-ui, sans-serif'}`,
    colors: [v('--chart-1', '#4f46e5'), v('--chart-2', '#0f7553'), v('--chart-3', '#b45309')],
  };
}

/** @param {string} status */
function statusWord(status) {
  return status === 'online' ? 'Online' : status === 'away' ? 'Away' : 'Offline';
}

/** @param {string} label @param {string} value @param {string} testid */
function fact(label, value, testid) {
  return [h('dt', { text: label }), h('dd', { testid, text: value })];
}
