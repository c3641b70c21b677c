// @ts-check
/**
 * Collision: which other agents have a conversation on screen. An agent's dashboard says so
 * with `viewing` frames (`on` when a conversation is shown, again every 20 s while it stays,
 * `off` when it leaves); the server passes them to every other agent of the workspace, and
 * an `on` not renewed within 45 s is forgotten (a tab closed without a word, a lost socket).
 * No I/O and no DOM.
 *
 * `common/protocol.js` names the client frame (`Client.VIEWING`); the server's frame of the
 * same name, its builder and the two intervals are here until it has them too.
 */
import { Client } from '../../common/protocol.js';

/** The frame type, the same both ways: the agent's `viewing`, and the server's to other agents. */
export const VIEWING = Client.VIEWING;

/** While a conversation stays on screen, `viewing on` is sent again this often. */
export const VIEWING_REPEAT_MS = 20_000;
/** Another agent's `viewing on` is forgotten after this long without a renewal. */
export const VIEWING_TTL_MS = 45_000;

/**
 * This agent shows (`on`) or leaves (`off`) a conversation.
 * @param {string} ref @param {string} conversationId @param {'on' | 'off'} state
 * @returns {import('../../common/protocol.js').Frame}
 */
export function viewingFrame(ref, conversationId, state) {
  return { type: VIEWING, ref, conversation_id: conversationId, state };
}

/**
 * Who else is on each conversation: agent id → until when (ms), per conversation.
 */
export class Viewers {
  /** @param {{now?: () => number, ttl?: number}} [options] */
  constructor(options = {}) {
    this.now = options.now ?? (() => Date.now());
    this.ttl = options.ttl ?? VIEWING_TTL_MS;
    /** @type {Map<string, Map<string, number>>} */
    this.byConversation = new Map();
  }

  /**
   * A `viewing` frame: `on` (re)starts the agent's 45 s, `off` forgets them at once.
   * @param {string} conversationId @param {string} agentId @param {string} state
   * @returns {boolean} whether who is shown there changed
   */
  seen(conversationId, agentId, state) {
    let agents = this.byConversation.get(conversationId);
    if (state === 'on') {
      if (!agents) this.byConversation.set(conversationId, (agents = new Map()));
      const known = this.isFresh(agents.get(agentId));
      agents.set(agentId, this.now() + this.ttl);
      return !known;
    }
    if (!agents) return false;
    const had = this.isFresh(agents.get(agentId));
    agents.delete(agentId);
    if (!agents.size) this.byConversation.delete(conversationId);
    return had;
  }

  /** @param {number | undefined} until */
  isFresh(until) {
    return until !== undefined && until > this.now();
  }

  /**
   * The agents viewing a conversation now, in the order they came; stale ones are dropped.
   * @param {string} conversationId @returns {string[]}
   */
  of(conversationId) {
    const agents = this.byConversation.get(conversationId);
    if (!agents) return [];
    for (const [id, until] of agents) if (!this.isFresh(until)) agents.delete(id);
    if (!agents.size) this.byConversation.delete(conversationId);
    return [...agents.keys()];
  }

  /**
   * When the next entry expires (ms), so that a view can redraw then; null when none is held.
   * @returns {number | null}
   */
  nextExpiry() {
    let next = null;
    for (const agents of this.byConversation.values()) {
      for (const until of agents.values()) if (next === null || until < next) next = until;
    }
    return next;
  }

  /** An agent gone offline views nothing. @param {string} agentId @returns {string[]} the conversations it left */
  forgetAgent(agentId) {
    const left = [];
    for (const [conversationId, agents] of this.byConversation) {
      if (agents.delete(agentId)) left.push(conversationId);
      if (!agents.size) this.byConversation.delete(conversationId);
    }
    return left;
  }

  /**
   * Only agents in `present` (a welcome's online agents) view anything.
   * @param {Set<string>} present @returns {string[]} the conversations whose viewers changed
   */
  keepOnly(present) {
    const changed = [];
    for (const [conversationId, agents] of this.byConversation) {
      let left = false;
      for (const id of agents.keys()) {
        if (!present.has(id)) {
          agents.delete(id);
          left = true;
        }
      }
      if (left) changed.push(conversationId);
      if (!agents.size) this.byConversation.delete(conversationId);
    }
    return changed;
  }

  clear() {
    this.byConversation.clear();
  }
}

/**
 * "Bob is viewing", "Bob and Carol are viewing", "Bob, Carol and Dan are viewing".
 * @param {string[]} names @param {string} verb e.g. `viewing`, `typing…`
 */
export function namesAre(names, verb) {
  if (!names.length) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${list} ${names.length === 1 ? 'is' : 'are'} ${verb}`;
}
