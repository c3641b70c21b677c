// @ts-check
/**
 * The contract's HTTP API (`/api/v1`), as a third-party client would use it: JSON in and out,
 * `Authorization: Bearer <token>`. A 401 on an authenticated call tells the app the session is
 * over (`onUnauthorized`); every failure is thrown as an `ApiError` carrying the contract's code.
 * Uploads (`POST /uploads`, multipart) go by XMLHttpRequest, for its progress events.
 */
import { xhrTransport } from '../../common/uploads.js';

export const API_PREFIX = '/api/v1';

/** @typedef {{id: string, name: string}} WorkspaceChoice */

export class ApiError extends Error {
  /**
   * @param {number} status @param {string} code @param {string} message @param {number | null} [retryAfter]
   * @param {WorkspaceChoice[] | null} [workspaces] a login whose email and password open several workspaces (409)
   */
  constructor(status, code, message, retryAfter = null, workspaces = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.workspaces = workspaces;
  }
}

/**
 * The workspaces a 409 login lists, keeping only well-formed entries; null when none.
 * @param {unknown} list
 * @returns {WorkspaceChoice[] | null}
 */
function workspaceChoices(list) {
  if (!Array.isArray(list)) return null;
  const valid = list.filter((w) => typeof w?.id === 'string' && w.id && typeof w.name === 'string');
  return valid.length ? valid.map((w) => ({ id: w.id, name: w.name })) : null;
}

/**
 * The request field that a 422 names at the start of its message (`url: 127.0.0.1 is a private
 * address…`, `events must name at least one event`), if it is one of `fields`: the form shows
 * the message next to that field. Null for any other error.
 * @param {unknown} err @param {readonly string[]} fields
 * @returns {string | null}
 */
export function errorField(err, fields) {
  if (!(err instanceof ApiError) || err.status !== 422) return null;
  const head = /^([a-z_]+)(?::|\s)/.exec(err.message)?.[1];
  return head && fields.includes(head) ? head : null;
}

/**
 * @typedef {{items: any[], next_cursor: string | null}} Page
 * @typedef {{items: import('../../common/protocol.js').Message[], more: boolean}} MessagePage
 * @typedef {{
 *   getToken: () => string | null,
 *   onUnauthorized: () => void,
 *   fetch?: typeof fetch,
 *   XMLHttpRequest?: typeof XMLHttpRequest,
 *   FormData?: typeof FormData,
 * }} ApiOptions
 * @typedef {Record<string, string | undefined>} ReportParams
 */

/**
 * Query string of the defined, non-empty values.
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** @param {ApiOptions} options */
export function createApi(options) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  /**
   * @param {string} method
   * @param {string} path under /api/v1
   * @param {unknown} [body]
   * @param {{auth?: boolean}} [opts]
   */
  async function request(method, path, body, opts = {}) {
    const auth = opts.auth ?? true;
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    const token = options.getToken();
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    // A Blob (a picture) goes as its bytes, with its own type; anything else as JSON.
    const raw = typeof Blob !== 'undefined' && body instanceof Blob;
    if (body !== undefined) headers['Content-Type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
    let response;
    try {
      response = await doFetch(API_PREFIX + path, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const code = data?.error?.code ?? 'error';
    const message = data?.error?.message ?? `Request failed (${response.status})`;
    const retry = Number(response.headers.get('Retry-After'));
    if (response.status === 401 && auth) options.onUnauthorized();
    throw new ApiError(response.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : null, workspaceChoices(data?.error?.workspaces));
  }

  /**
   * A file the API gives (not JSON), fetched with the token: its bytes and the name its
   * `Content-Disposition` suggests.
   * @param {string} path under /api/v1 @param {string} fallbackName
   * @returns {Promise<{blob: Blob, name: string}>}
   */
  async function download(path, fallbackName) {
    /** @type {Record<string, string>} */
    const headers = {};
    const token = options.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await doFetch(API_PREFIX + path, { method: 'GET', headers, cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      if (response.status === 401) options.onUnauthorized();
      throw new ApiError(response.status, data?.error?.code ?? 'error', data?.error?.message ?? `Request failed (${response.status})`);
    }
    return { blob: await response.blob(), name: dispositionName(response.headers.get('Content-Disposition')) ?? fallbackName };
  }

  const get = (/** @type {string} */ path) => request('GET', path);
  /** @param {string} path @param {unknown} [body] */
  const post = (path, body) => request('POST', path, body ?? {});
  const patch = (/** @type {string} */ path, /** @type {unknown} */ body) => request('PATCH', path, body);
  const del = (/** @type {string} */ path) => request('DELETE', path);
  const id = (/** @type {string} */ value) => encodeURIComponent(value);

  return {
    /**
     * `workspaceId` only after a 409 listing the workspaces this email and password open.
     * @param {string} email @param {string} password @param {string | null} [workspaceId]
     */
    login: (email, password, workspaceId = null) =>
      request('POST', '/auth/login', workspaceId ? { email, password, workspace_id: workspaceId } : { email, password }, { auth: false }),
    /**
     * Asks for a link to choose a new password, emailed if the account exists; answers the
     * same either way (202). @param {string} email
     */
    requestPasswordReset: (email) => request('POST', '/auth/reset-request', { email }, { auth: false }),
    /**
     * Sets the password with the token of a reset or invitation link (single use); answers
     * `{email}`. @param {string} token @param {string} password
     */
    resetPassword: (token, password) => request('POST', '/auth/reset', { token, password }, { auth: false }),
    me: () => get('/me'),
    /**
     * A new password needs the current one, and ends every session of the agent, this one's
     * too (the answer is the agent; the token used is refused from then on). `notify_email`:
     * emails about new conversations nobody of one's team was online for.
     * `signature`: text added under the agent's replies emailed to visitors.
     * @param {{name?: string, current_password?: string, new_password?: string, notify_email?: boolean, signature?: string}} change
     */
    updateMe: (change) => patch('/me', change),
    /** The agent's picture from an image's bytes (the server keeps a square of it); answers the agent. @param {Blob} picture */
    setAvatar: (picture) => request('PUT', '/me/avatar', picture),
    /** Answers the agent, without a picture. */
    removeAvatar: () => del('/me/avatar'),

    /**
     * The workspace's visitors as people, identified ones first. `attribute`: `name:value`.
     * @param {{q?: string, attribute?: string, identified?: boolean, cursor?: string}} params @returns {Promise<Page>}
     */
    contacts: (params) => get(`/contacts${query(params)}`),
    /** A contact with `online` and its conversations on every site. @param {string} vid */
    contact: (vid) => get(`/contacts/${id(vid)}`),

    /**
     * `assignee`: `me`, `none` or an agent id; `team`: `none` or a team id.
     * `label`: a label id; `snoozed`: only snoozed conversations (true) or none of them (false).
     * @param {{status?: string, assignee?: string, team?: string, label?: string, snoozed?: boolean, q?: string, cursor?: string | null}} params @returns {Promise<Page>}
     */
    conversations: (params) => get(`/conversations${query(params)}`),
    /** @param {string} cid */
    conversation: (cid) => get(`/conversations/${id(cid)}`),
    /**
     * Assigns, resolves, reopens, or transfers (`team_id`, or `assignee_id`, with an optional
     * `note`); sets its `labels` (ids), `priority`, or `snoozed_until` (RFC 3339; null wakes it).
     * @param {string} cid @param {import('./desk.js').ConversationChange} change
     */
    updateConversation: (cid, change) => patch(`/conversations/${id(cid)}`, change),
    /**
     * The conversation as plain text (`text/plain`, an attachment), with the name the server
     * gives it. @param {string} cid
     */
    transcript: (cid) => download(`/conversations/${id(cid)}/transcript`, `conversation-${cid}.txt`),

    /** The workspace's labels, by name (any agent). @returns {Promise<Page>} */
    labels: () => get('/labels'),
    /** @param {{name: string, color?: string}} label */
    createLabel: (label) => post('/labels', label),
    /** @param {string} lid @param {{name?: string, color?: string}} change */
    updateLabel: (lid, change) => patch(`/labels/${id(lid)}`, change),
    /** Conversations carrying it lose it. @param {string} lid */
    deleteLabel: (lid) => del(`/labels/${id(lid)}`),
    /** @param {string} cid @param {{before_seq?: number | null, after_seq?: number | null, limit?: number}} params @returns {Promise<MessagePage>} */
    messages: (cid, params) => get(`/conversations/${id(cid)}/messages${query(params)}`),
    /** The reply emails carrying agents' replies to a visitor who left (docs/email.md). @param {string} cid */
    conversationEmails: (cid) => get(`/conversations/${id(cid)}/emails`),
    /**
     * `attachments`: ids of files uploaded for the message (the body may then be empty).
     * @param {string} cid @param {{client_msg_id: string, kind: string, body: string, attachments?: string[]}} message
     */
    sendMessage: (cid, message) => post(`/conversations/${id(cid)}/messages`, message),
    /**
     * How files are uploaded (`POST /uploads`, one multipart part named `file`, with the token
     * as it is at each attempt), for an `Upload` or a `Tray` of common/uploads.js;
     * answers `{id, name, size, content_type}`. A 401 ends the session, as anywhere.
     * @returns {import('../../common/uploads.js').Transport}
     */
    uploadTransport: () => {
      const send = xhrTransport({
        target: () => {
          const token = options.getToken();
          return token ? { url: `${API_PREFIX}/uploads`, token } : null;
        },
        XMLHttpRequest: options.XMLHttpRequest,
        FormData: options.FormData,
      });
      return (file, progress) => {
        const sending = send(file, progress);
        sending.promise.catch((/** @type {any} */ err) => {
          if (err?.status === 401) options.onUnauthorized();
        });
        return sending;
      };
    },
    /** The profile, with `blocked` (null, or the block). @param {string} vid */
    visitor: (vid) => get(`/visitors/${id(vid)}`),
    /**
     * Blocks a visitor (with `ip`, also its last address): its connections close. Answers the block.
     * @param {string} vid @param {{reason: string, ip?: boolean}} block
     */
    blockVisitor: (vid, block) => post(`/visitors/${id(vid)}/block`, block),
    /** Lifts a visitor's block; 404 when there was none. @param {string} vid */
    unblockVisitor: (vid) => del(`/visitors/${id(vid)}/block`),
    /**
     * Everything kept about a visitor (admins): `{exported_at, visitor, conversations: [{…,
     * messages}]}` as a JSON file (an attachment), with the name the server gives it.
     * @param {string} vid
     */
    exportVisitor: (vid) => download(`/visitors/${id(vid)}/export`, `visitor-${vid}.json`),
    /** Erases a visitor, their conversations, messages and files (admins); 204. @param {string} vid */
    eraseVisitor: (vid) => del(`/visitors/${id(vid)}`),
    /**
     * The workspace (any agent): `{id, name, retention_days, reports_business_hours,
     * created_at}`; `reports_business_hours`: the reports count response and resolution times
     * in the teams' business hours only.
     */
    workspace: () => get('/workspace'),
    /**
     * Renames the workspace, sets its retention or how the reports count times (admins):
     * `retention_days` null keeps conversations forever, else 1 to 3650 (422 outside);
     * `reports_business_hours` true counts business hours only. Answers the workspace.
     * @param {{name?: string, retention_days?: number | null, reports_business_hours?: boolean}} change
     */
    updateWorkspace: (change) => patch('/workspace', change),
    /**
     * The whole workspace (admins) as NDJSON (`application/x-ndjson`, an attachment): one JSON
     * object a line, each with its `type` (workspace, site, agent, team, label, visitor,
     * conversation with its `messages`).
     */
    exportWorkspace: () => download('/workspace/export', 'workspace.ndjson'),
    /** The workspace's blocks, newest first (admins). @returns {Promise<Page>} */
    blocks: () => get('/blocks'),

    /** @returns {Promise<Page>} */
    sites: () => get('/sites'),
    /** @param {object} site */
    createSite: (site) => post('/sites', site),
    /** @param {string} sid */
    site: (sid) => get(`/sites/${id(sid)}`),
    /** @param {string} sid @param {object} change */
    updateSite: (sid, change) => patch(`/sites/${id(sid)}`, change),
    /** @param {string} sid */
    deleteSite: (sid) => del(`/sites/${id(sid)}`),
    /** Origins that tried to embed the site and were refused, latest first. @param {string} sid @returns {Promise<Page>} */
    refusedOrigins: (sid) => get(`/sites/${id(sid)}/refused-origins`),
    /** @param {string} sid */
    rotateSecret: (sid) => post(`/sites/${id(sid)}/rotate-secret`),

    /** @returns {Promise<Page>} */
    agents: () => get('/agents'),
    /**
     * Without `password`, the agent is invited: emailed a link to choose one (`invited: true`).
     * @param {{email: string, name: string, password?: string, role: string}} agent
     */
    createAgent: (agent) => post('/agents', agent),
    /**
     * `capacity`: open conversations automatic assignment may give the agent at once (0: none).
     * @param {string} aid @param {{name?: string, role?: string, active?: boolean, password?: string, capacity?: number}} change
     */
    updateAgent: (aid, change) => patch(`/agents/${id(aid)}`, change),
    /** @param {string} aid */
    deleteAgent: (aid) => del(`/agents/${id(aid)}`),

    /** The workspace's teams (admins). @returns {Promise<Page>} */
    teams: () => get('/teams'),
    /** @param {string} tid */
    team: (tid) => get(`/teams/${id(tid)}`),
    /** @param {import('./teams.js').TeamDraft} team */
    createTeam: (team) => post('/teams', team),
    /** @param {string} tid @param {Partial<import('./teams.js').TeamDraft>} change */
    updateTeam: (tid, change) => patch(`/teams/${id(tid)}`, change),
    /** Its sites go back to the whole workspace. @param {string} tid */
    deleteTeam: (tid) => del(`/teams/${id(tid)}`),

    /** @returns {Promise<Page>} */
    canned: () => get('/canned'),
    /**
     * `attachments`: ids of files uploaded for it (`POST /uploads`), at most ten.
     * @param {{shortcut: string, title: string, body: string, attachments?: string[]}} item
     */
    createCanned: (item) => post('/canned', item),
    /**
     * `attachments`, when given, replaces its files: ids of new uploads, or of its own files it keeps.
     * @param {string} cid @param {{shortcut?: string, title?: string, body?: string, attachments?: string[]}} change
     */
    updateCanned: (cid, change) => patch(`/canned/${id(cid)}`, change),
    /** @param {string} cid */
    deleteCanned: (cid) => del(`/canned/${id(cid)}`),

    /** @returns {Promise<Page>} */
    webhooks: () => get('/webhooks'),
    /** @param {string} wid */
    webhook: (wid) => get(`/webhooks/${id(wid)}`),
    /** The answer carries the signing `secret`, never shown again. @param {{url: string, events: string[]}} hook */
    createWebhook: (hook) => post('/webhooks', hook),
    /** @param {string} wid @param {{url?: string, events?: string[], active?: boolean}} change */
    updateWebhook: (wid, change) => patch(`/webhooks/${id(wid)}`, change),
    /** @param {string} wid */
    deleteWebhook: (wid) => del(`/webhooks/${id(wid)}`),
    /** The answer carries the new `secret`, never shown again. @param {string} wid */
    rotateWebhookSecret: (wid) => post(`/webhooks/${id(wid)}/rotate-secret`),
    /** Queues a `ping`; answers `{event_id}`. @param {string} wid */
    testWebhook: (wid) => post(`/webhooks/${id(wid)}/test`),
    /** Every delivery attempt, newest first. @param {string} wid @param {string | null} [cursor] @returns {Promise<Page>} */
    deliveries: (wid, cursor) => get(`/webhooks/${id(wid)}/deliveries${query({ cursor })}`),
    /** Sends the attempt's event again, with the same event id. @param {string} wid @param {string} did */
    redeliver: (wid, did) => post(`/webhooks/${id(wid)}/deliveries/${id(did)}/redeliver`),

    /** @returns {Promise<Page>} */
    apiKeys: () => get('/api-keys'),
    /** The answer carries the `key`, never shown again. @param {{name: string, role: string}} key */
    createApiKey: (key) => post('/api-keys', key),
    /** @param {string} kid */
    deleteApiKey: (kid) => del(`/api-keys/${id(kid)}`),

    /**
     * Reports (any agent) over conversations created in [from, to): `from`, `to` (RFC 3339),
     * `tz` (an IANA name), optional `team_id`, `agent_id`, `site_id`.
     * @param {ReportParams} params
     */
    reportSummary: (params) => get(`/reports/summary${query(params)}`),
    /** One point per bucket (`interval`: `day` or `hour`, at most 31 days). @param {ReportParams & {interval: string}} params */
    reportSeries: (params) => get(`/reports/series${query(params)}`),
    /** One row per agent, team or site (`by`), the most conversations first. @param {ReportParams & {by: string}} params */
    reportBreakdown: (params) => get(`/reports/breakdown${query(params)}`),
    /** Conversations created per weekday (Monday first) and local hour. @param {ReportParams} params */
    reportHeatmap: (params) => get(`/reports/heatmap${query(params)}`),
    /** Now: open, waiting, the longest wait, the agents with their status and open load. */
    reportLive: () => get('/reports/live'),
    /** The conversations as CSV (`text/csv`, an attachment). @param {ReportParams} params @param {string} [fallbackName] */
    reportCsv: (params, fallbackName = 'report.csv') => download(`/reports/export${query(params)}`, fallbackName),
    /**
     * The audit log, newest first (admins); `action`: a prefix such as `site.`.
     * @param {{action?: string, cursor?: string, limit?: number}} params @returns {Promise<Page>}
     */
    audit: (params) => get(`/audit${query(params)}`),
  };
}

/**
 * The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred), or null.
 * @param {string | null} header
 */
export function dispositionName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall back to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain ? plain[1].trim() : null;
}

/** @typedef {ReturnType<typeof createApi>} Api */
