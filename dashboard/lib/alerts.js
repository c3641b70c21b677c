// @ts-check
/**
 * Getting the agent's attention: desktop notifications (permission asked on a click), a short
 * WebAudio beep (with a mute switch kept in storage), and the unread count in the tab title.
 */
import { Keys, load, save } from './storage.js';

const BASE_TITLE = 'Parley';

export class Alerts {
  constructor() {
    this.muted = Boolean(load(Keys.MUTED, false));
    /** notifications switched off here, whatever the browser allows */
    this.notificationsOff = Boolean(load(Keys.NOTIFICATIONS_OFF, false));
    /** @type {AudioContext | null} */
    this.audio = null;
    this.unlock = () => this.audioContext()?.resume().catch(() => {});
    // Browsers start audio only after a gesture: be ready from the first one.
    globalThis.addEventListener?.('pointerdown', this.unlock, { once: true, capture: true });
    globalThis.addEventListener?.('keydown', this.unlock, { once: true, capture: true });
  }

  /** 'granted' | 'denied' | 'default' | 'unsupported' */
  get permission() {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  /** Asks for notifications; call it from a click handler. */
  async askPermission() {
    if (typeof Notification === 'undefined' || Notification.permission !== 'default') return this.permission;
    try {
      return await Notification.requestPermission();
    } catch {
      return this.permission;
    }
  }

  /** @param {boolean} muted */
  setMuted(muted) {
    this.muted = muted;
    save(Keys.MUTED, muted || null);
  }

  /** @param {boolean} off */
  setNotificationsOff(off) {
    this.notificationsOff = off;
    save(Keys.NOTIFICATIONS_OFF, off || null);
  }

  /**
   * A desktop notification, only when the page is not in front of the agent.
   * @param {string} title @param {string} body @param {string} tag @param {() => void} onClick
   */
  notify(title, body, tag, onClick) {
    if (this.permission !== 'granted' || this.notificationsOff || (document.visibilityState === 'visible' && document.hasFocus())) return;
    try {
      const n = new Notification(title, { body: body.slice(0, 180), tag });
      n.onclick = () => {
        globalThis.focus();
        onClick();
        n.close();
      };
    } catch {
      /* some platforms only allow notifications from a service worker */
    }
  }

  /** @returns {AudioContext | null} */
  audioContext() {
    if (this.audio) return this.audio;
    const Ctor = globalThis.AudioContext ?? /** @type {any} */ (globalThis).webkitAudioContext;
    if (!Ctor) return null;
    try {
      this.audio = new Ctor();
    } catch {
      this.audio = null;
    }
    return this.audio;
  }

  /** Two short tones, unless muted. */
  beep() {
    if (this.muted) return;
    const ctx = this.audioContext();
    if (!ctx || ctx.state !== 'running') return;
    const now = ctx.currentTime;
    for (const [offset, freq] of [[0, 880], [0.16, 1320]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.15, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.15);
    }
  }

  /** @param {number} unread */
  setTitle(unread) {
    document.title = unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
  }
}

/**
 * @typedef {{label: string, on: boolean, state: string, disabled: boolean, hint: string}} SwitchView
 *   a top-bar switch: a fixed `label` (its accessible name), whether it is `on`, the `state`
 *   shown next to the label, and a `hint` (its tooltip) saying what a click does
 */

/** The sound switch. @param {boolean} muted @returns {SwitchView} */
export function soundSwitch(muted) {
  return {
    label: 'Sound', on: !muted, state: muted ? 'Off' : 'On', disabled: false,
    hint: muted ? 'New messages make no sound. Click to turn sound on.' : 'New messages make a sound. Click to turn sound off.',
  };
}

/**
 * The desktop-notifications switch: on only when the browser allows them and they are not
 * switched off here; a browser that blocks them leaves it off and disabled.
 * @param {string} permission 'granted' | 'denied' | 'default' | 'unsupported' @param {boolean} off
 * @returns {SwitchView}
 */
export function notificationsSwitch(permission, off) {
  if (permission === 'denied') {
    return { label: 'Notifications', on: false, state: 'Blocked', disabled: true, hint: 'Your browser blocks notifications from Parley: allow them in its site settings.' };
  }
  const on = permission === 'granted' && !off;
  return {
    label: 'Notifications', on, state: on ? 'On' : 'Off', disabled: permission === 'unsupported',
    hint: on
      ? 'Desktop notifications for new messages while Parley is in the background. Click to turn them off.'
      : permission === 'default'
        ? 'Click to turn on desktop notifications (your browser asks first).'
        : 'Click to turn on desktop notifications for new messages.',
  };
}
