// @ts-check
/**
 * The panel's end of the postMessage channel. The panel learns its parent's origin from its
 * own URL (`#origin=…`, put there by the loader), checks it against what the browser says
 * about the embedding page, sends only to that origin, and accepts only messages that come
 * from `window.parent` with that origin.
 */
import { PROTOCOL_VERSION } from './messages.js';

/**
 * Reads `?site_key=…#origin=…` from the panel's URL.
 * @param {{search: string, hash: string}} location
 * @returns {{siteKey: string, parentOrigin: string} | null}
 */
export function readFrameParams(location) {
  const siteKey = new URLSearchParams(location.search).get('site_key');
  const claimed = new URLSearchParams(location.hash.replace(/^#/, '')).get('origin');
  const parentOrigin = claimed ? originOf(claimed) : null;
  if (!siteKey || !parentOrigin || parentOrigin !== claimed) return null;
  return { siteKey, parentOrigin };
}

/**
 * Whether the browser agrees that the parent has `claimed` origin: `location.ancestorOrigins`
 * where it exists (Chromium, Safari), else the referrer's origin when there is one.
 * @param {string} claimed
 * @param {{length: number, [i: number]: string} | undefined} ancestorOrigins
 * @param {string} referrer
 */
export function parentOriginConfirmed(claimed, ancestorOrigins, referrer) {
  if (ancestorOrigins && ancestorOrigins.length > 0) return ancestorOrigins[0] === claimed;
  if (referrer) return originOf(referrer) === claimed;
  return true;
}

/** @param {string} url */
function originOf(url) {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

export class Bridge {
  /**
   * @param {Window} win the panel's window
   * @param {string} parentOrigin
   * @param {(type: string, data: any) => void} onMessage
   */
  constructor(win, parentOrigin, onMessage) {
    this.win = win;
    this.parentOrigin = parentOrigin;
    win.addEventListener('message', (event) => {
      if (event.source !== win.parent || event.origin !== parentOrigin) return;
      const data = event.data;
      if (!data || data.parley !== PROTOCOL_VERSION || typeof data.type !== 'string') return;
      onMessage(data.type, data);
    });
  }

  /** @param {string} type @param {Record<string, unknown>} [fields] */
  post(type, fields = {}) {
    this.win.parent.postMessage({ ...fields, parley: PROTOCOL_VERSION, type }, this.parentOrigin);
  }
}
