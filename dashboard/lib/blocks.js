// @ts-check
/**
 * Blocking visitors without the DOM: a block as the API gives it, the reason's rules (checked
 * before asking), who blocked in words, and one visitor's block as the panel holds it
 * (`Blocking`): block with a reason (and the address, if asked), unblock.
 */
import { ApiError, errorField } from './api.js';

/** `MAX_REASON_CHARS` in src/http/api/visitors.rs: Unicode code points, once trimmed. */
export const MAX_REASON_CHARS = 500;

/**
 * @typedef {{
 *   visitor_id: string, visitor_name: string | null, ip: string | null, reason: string,
 *   blocked_by: string | null, created_at: string,
 * }} VisitorBlock
 * @typedef {{field: 'reason' | null, message: string}} BlockError where an error goes: under the reason, or under the form
 */

/** @param {unknown} value */
const textOrNull = (value) => (typeof value === 'string' && value ? value : null);

/**
 * A block from the API (a visitor's `blocked`, an item of `GET /blocks`, the answer to a
 * block), or null when there is none or it is not one.
 * @param {any} raw @returns {VisitorBlock | null}
 */
export function blockOf(raw) {
  if (!raw || typeof raw.visitor_id !== 'string' || typeof raw.reason !== 'string') return null;
  return {
    visitor_id: raw.visitor_id, visitor_name: textOrNull(raw.visitor_name), ip: textOrNull(raw.ip),
    reason: raw.reason, blocked_by: textOrNull(raw.blocked_by), created_at: String(raw.created_at ?? ''),
  };
}

/**
 * Why a reason cannot be sent, or '' when it can. The other agents read it, so one is required;
 * its length is counted as the server counts it (code points, trimmed). Control characters are
 * left to the server, whose 422 names the field.
 * @param {string} reason
 */
export function reasonProblem(reason) {
  const trimmed = reason.trim();
  if (!trimmed) return 'Say why, for the other agents.';
  const length = [...trimmed].length;
  if (length > MAX_REASON_CHARS) return `The reason must be at most ${MAX_REASON_CHARS} characters (it has ${length}).`;
  return '';
}

/**
 * Who blocked, as "Blocked by …" ends: "you", the agent's name, "another agent" (a name not
 * known here), or "a former agent" (removed from the workspace since).
 * @param {Pick<VisitorBlock, 'blocked_by'>} block @param {string | null | undefined} meId
 * @param {(id: string) => string | null} nameOf
 */
export function blockedBy(block, meId, nameOf) {
  if (!block.blocked_by) return 'a former agent';
  if (block.blocked_by === meId) return 'you';
  return nameOf(block.blocked_by) ?? 'another agent';
}

/** The visitor a block is of, as a list names it: its name, else its id. @param {VisitorBlock} block */
export function blockedVisitor(block) {
  return block.visitor_name ?? block.visitor_id;
}

/**
 * Lifts a visitor's block. A 404 (no block: another agent lifted it meanwhile) is what was
 * wanted, so it is no error.
 * @param {{unblockVisitor: (vid: string) => Promise<unknown>}} api @param {string} visitorId
 */
export async function liftBlock(api, visitorId) {
  try {
    await api.unblockVisitor(visitorId);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
}

/**
 * One visitor's block as the panel holds it: unknown until the profile says, then blocked or
 * not. `block` and `unblock` resolve with null when done, else with the error and where it goes.
 */
export class Blocking {
  /**
   * @param {{blockVisitor: (vid: string, block: {reason: string, ip: boolean}) => Promise<any>,
   *   unblockVisitor: (vid: string) => Promise<unknown>}} api
   * @param {string} visitorId
   */
  constructor(api, visitorId) {
    this.api = api;
    this.visitorId = visitorId;
    /** whether the profile has said yet */
    this.known = false;
    /** @type {VisitorBlock | null} */
    this.current = null;
    /** An address block was asked for, but the server knew no address of the visitor. */
    this.ipUnknown = false;
    /** a request is under way: another call meanwhile is ignored (an empty error) */
    this.busy = false;
  }

  get blocked() {
    return this.current !== null;
  }

  /** What `GET /visitors/{id}` says (its `blocked`). @param {unknown} raw */
  load(raw) {
    this.known = true;
    this.current = blockOf(raw);
    this.ipUnknown = false;
  }

  /**
   * @param {string} reason @param {boolean} ip also the visitor's last address
   * @returns {Promise<BlockError | null>}
   */
  async block(reason, ip) {
    const problem = reasonProblem(reason);
    if (problem) return { field: 'reason', message: problem };
    return this.run(async () => {
      const block = blockOf(await this.api.blockVisitor(this.visitorId, { reason: reason.trim(), ip }));
      if (!block) throw new Error('The server did not confirm the block. Reload to see whether it was made.');
      this.current = block;
      this.ipUnknown = ip && !block.ip;
    });
  }

  /** @returns {Promise<BlockError | null>} */
  async unblock() {
    return this.run(async () => {
      await liftBlock(this.api, this.visitorId);
      this.current = null;
      this.ipUnknown = false;
    });
  }

  /** @param {() => Promise<void>} action @returns {Promise<BlockError | null>} */
  async run(action) {
    if (this.busy) return { field: null, message: '' };
    this.busy = true;
    try {
      await action();
      return null;
    } catch (err) {
      return { field: /** @type {'reason' | null} */ (errorField(err, ['reason'])), message: /** @type {Error} */ (err).message };
    } finally {
      this.busy = false;
    }
  }
}
