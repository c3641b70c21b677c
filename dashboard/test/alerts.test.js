import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Alerts, notificationsSwitch, soundSwitch } from '../lib/alerts.js';
import { Keys, PREFIX } from '../lib/storage.js';
import { setGlobal, useStorage } from './helpers.js';

/** A page in the background or in front, with the title alerts writes. */
function page(t, { visible = false, focused = false } = {}) {
  return setGlobal(t, 'document', { title: 'Parley', visibilityState: visible ? 'visible' : 'hidden', hasFocus: () => focused });
}

/** `Notification` with the given permission, recording what is shown. */
function notifications(t, permission) {
  const shown = [];
  class FakeNotification {
    static permission = permission;
    static requestPermission = async () => {
      FakeNotification.permission = 'granted';
      return 'granted';
    };
    constructor(title, options) {
      this.title = title;
      this.options = options;
      this.closed = false;
      this.onclick = null;
      shown.push(this);
    }
    close() {
      this.closed = true;
    }
  }
  setGlobal(t, 'Notification', FakeNotification);
  return shown;
}

/** An AudioContext recording the tones it plays. */
function audio(t, state = 'running') {
  const tones = [];
  class FakeAudioContext {
    constructor() {
      this.state = state;
      this.currentTime = 10;
      this.destination = {};
    }
    resume() {
      this.state = 'running';
      return Promise.resolve();
    }
    createOscillator() {
      const osc = { type: '', frequency: { value: 0 }, connect: (g) => g, start: (at) => tones.push([osc.frequency.value, at]), stop() {} };
      return osc;
    }
    createGain() {
      return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (d) => d };
    }
  }
  setGlobal(t, 'AudioContext', FakeAudioContext);
  return tones;
}

test('the tab title shows the unread count', (t) => {
  useStorage(t);
  const doc = page(t);
  const alerts = new Alerts();
  alerts.setTitle(3);
  assert.equal(doc.title, '(3) Parley');
  alerts.setTitle(0);
  assert.equal(doc.title, 'Parley');
});

test('the mute switch is kept in storage', (t) => {
  const storage = useStorage(t);
  page(t);
  audio(t);
  const alerts = new Alerts();
  assert.equal(alerts.muted, false);
  alerts.setMuted(true);
  assert.equal(storage.getItem(PREFIX + Keys.MUTED), 'true');
  assert.equal(new Alerts().muted, true, 'a new page starts muted');
  alerts.setMuted(false);
  assert.equal(storage.getItem(PREFIX + Keys.MUTED), null);
});

test('a beep is two short tones, and nothing when muted or before audio may play', (t) => {
  useStorage(t);
  page(t);
  const tones = audio(t);
  const alerts = new Alerts();
  alerts.beep();
  assert.deepEqual(tones, [[880, 10], [1320, 10.16]]);
  alerts.setMuted(true);
  alerts.beep();
  assert.equal(tones.length, 2);

  const suspended = audio(t, 'suspended');
  const quiet = new Alerts();
  quiet.setMuted(false);
  quiet.beep();
  assert.equal(suspended.length, 0, 'browsers start audio only after a gesture');
});

test('a notification shows only when the page is not in front of the agent', (t) => {
  useStorage(t);
  const shown = notifications(t, 'granted');
  const doc = page(t, { visible: true, focused: true });
  const alerts = new Alerts();
  alerts.notify('New message', 'Hi', 'c-1', () => {});
  assert.equal(shown.length, 0);
  doc.visibilityState = 'hidden';
  let opened = 0;
  setGlobal(t, 'focus', () => {});
  alerts.notify('New message', 'x'.repeat(300), 'c-1', () => opened++);
  assert.equal(shown.length, 1);
  assert.equal(shown[0].options.body.length, 180);
  assert.equal(shown[0].options.tag, 'c-1');
  shown[0].onclick();
  assert.equal(opened, 1);
  assert.equal(shown[0].closed, true);
});

test('no notification without permission; permission is asked only when not decided', async (t) => {
  useStorage(t);
  page(t);
  const shown = notifications(t, 'denied');
  const alerts = new Alerts();
  alerts.notify('New message', 'Hi', 'c-1', () => {});
  assert.equal(shown.length, 0);
  assert.equal(await alerts.askPermission(), 'denied');
  globalThis.Notification.permission = 'default';
  assert.equal(await alerts.askPermission(), 'granted');
});

test('without the Notification API, permission is "unsupported"', (t) => {
  useStorage(t);
  page(t);
  setGlobal(t, 'Notification', undefined);
  assert.equal(new Alerts().permission, 'unsupported');
});

test('the sound switch: a fixed label, its state shown, on when not muted', () => {
  assert.deepEqual([soundSwitch(false).label, soundSwitch(false).state, soundSwitch(false).on], ['Sound', 'On', true]);
  assert.deepEqual([soundSwitch(true).label, soundSwitch(true).state, soundSwitch(true).on], ['Sound', 'Off', false]);
  assert.match(soundSwitch(true).hint, /turn sound on/);
});

test('the notifications switch: on only when allowed and not switched off here; blocked says so', () => {
  assert.deepEqual(notificationsSwitch('granted', false), { ...notificationsSwitch('granted', false), label: 'Notifications', on: true, state: 'On', disabled: false });
  assert.deepEqual([notificationsSwitch('granted', true).on, notificationsSwitch('granted', true).state], [false, 'Off']);
  assert.deepEqual([notificationsSwitch('default', false).on, notificationsSwitch('default', false).state, notificationsSwitch('default', false).disabled], [false, 'Off', false]);
  assert.match(notificationsSwitch('default', false).hint, /browser asks/);
  assert.deepEqual([notificationsSwitch('denied', false).on, notificationsSwitch('denied', false).state, notificationsSwitch('denied', false).disabled], [false, 'Blocked', true]);
});

test('notifications switched off here are kept in storage and show nothing', (t) => {
  const storage = useStorage(t);
  page(t);
  const shown = notifications(t, 'granted');
  const alerts = new Alerts();
  assert.equal(alerts.notificationsOff, false);
  alerts.setNotificationsOff(true);
  assert.equal(storage.getItem(PREFIX + Keys.NOTIFICATIONS_OFF), 'true');
  assert.equal(new Alerts().notificationsOff, true, 'a new page keeps them off');
  alerts.notify('New message', 'Hello', 'c-1', () => {});
  assert.equal(shown.length, 0);
  alerts.setNotificationsOff(false);
  assert.equal(storage.getItem(PREFIX + Keys.NOTIFICATIONS_OFF), null);
  alerts.notify('New message', 'Hello', 'c-1', () => {});
  assert.equal(shown.length, 1);
});
