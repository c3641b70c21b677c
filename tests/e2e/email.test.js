// @ts-check
/**
 * Replies by email (docs/email.md), end to end: a visitor leaves an email in the widget and
 * leaves the page, an agent replies, the server emails the reply to a real SMTP server (the
 * aiosmtpd sink of tests/support/smtp_sink.py), the link in the email opens the chat on the
 * visitor's page, and an answer by email comes back into the conversation.
 *
 *   PARLEY_BIN=target/debug/parley node --test tests/e2e/email.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  api,
  assertNoPageErrors,
  decodeQuotedPrintable,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  panelOf,
  shown,
  startHostServer,
  startServer,
  startSmtpSink,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;

// ---------------------------------------------------------------------------------------------
// A small MIME reader: enough for the server's emails (headers, multipart, quoted-printable, base64)

/** @param {string} raw @returns {{headers: Map<string, string>, body: string}} */
function splitMessage(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  /** @type {Map<string, string>} */
  const headers = new Map();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** @param {Map<string, string>} headers @param {string} body */
function decodeBody(headers, body) {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return Buffer.from(body, 'latin1').toString('utf8');
}

/**
 * The leaf parts of a message: `{type, text}` with the transfer encoding undone.
 * @param {string} raw @returns {{type: string, text: string}[]}
 */
function parts(raw) {
  const { headers, body } = splitMessage(raw);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1);
    return pieces.filter((p) => !p.startsWith('--')).flatMap((p) => parts(p.replace(/^\r?\n/, '')));
  }
  return [{ type: type.split(';')[0].trim().toLowerCase(), text: decodeBody(headers, body) }];
}

/** A header's address, `Name <a@b>` or `a@b`. @param {string | undefined} value */
function addressOf(value) {
  return /<([^>]+)>/.exec(value ?? '')?.[1] ?? (value ?? '').trim();
}

// ---------------------------------------------------------------------------------------------

test("an agent's reply follows the visitor who left by email; its link reopens the chat, and the answer by email comes back", { timeout: TEST_TIMEOUT }, async (t) => {
  const started = Date.now();
  const smtp = await startSmtpSink(t);
  const server = await startServer(t, {
    env: {
      PARLEY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      PARLEY_MAIL_FROM: 'Support <support@shop.test>',
      PARLEY_EMAIL_DELAY_S: '1',
      PARLEY_INBOUND_DOMAIN: 'in.shop.test',
    },
  });
  const host = await startHostServer(t);
  const { token } = await login(server);
  const browser = await launchBrowser(t);

  // The visitor, on a product page: nobody is online, so the widget (the default offline
  // policy, `message`) asks for an email under the timeline.
  const pagePath = '/products/kettle';
  host.page(pagePath, hostHtml({ body: server.snippet() }));
  const visitedUrl = `${host.url(pagePath)}?color=red`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchPageErrors(page);
  await page.goto(visitedUrl);
  const panel = await openChat(page);
  await waitFor(async () => (await panel.getByTestId('parley-status').textContent()) === "We'll reply by email", { message: 'the panel to say nobody is online' });
  const emailInput = panel.getByTestId('parley-email-input');
  await emailInput.waitFor({ state: 'visible' });
  await emailInput.fill('ada@example.com');
  await panel.getByTestId('parley-email-submit').click();
  await panel.getByTestId('parley-email-done').waitFor({ state: 'visible' });

  const question = 'Is the red kettle back in stock?';
  const composer = panel.getByTestId('parley-composer');
  await composer.fill(question);
  await composer.press('Enter');
  await waitFor(async () => (await shown(panel)).some((m) => m.body === question && m.state === 'sent'), { message: 'the question sent' });
  const conversationId = await page.evaluate(() => localStorage.getItem('parley:conversation'));
  assert.ok(conversationId, 'the host page keeps the conversation');
  const conversation = (await api(server, token, 'GET', `/conversations/${conversationId}`)).body;
  assert.equal(conversation.visitor_email, 'ada@example.com');
  await assertNoPageErrors(errors, { where: 'the first visit (page or panel)' });

  // The visitor leaves: the storage is kept, the page and its context closed.
  const storageState = await context.storageState();
  await page.close();
  await context.close();

  // An agent replies over the HTTP API (no agent socket: nobody comes online).
  const answer = 'Yes! It is back, and ships tomorrow.';
  const posted = await api(server, token, 'POST', `/conversations/${conversationId}/messages`, { client_msg_id: randomUUID(), body: answer });
  assert.ok(posted.status === 200 || posted.status === 201, `the reply posted: ${posted.status} ${JSON.stringify(posted.body)}`);

  // The email: to the visitor, from the site, with the reply and a link to the page.
  const raw = await waitFor(() => smtp.messages()[0], {
    timeout: 30_000,
    interval: 100,
    message: () => `a reply email at the SMTP sink; the server's output:\n${server.tail()}`,
  });
  const emailed = Date.now();
  const { headers } = splitMessage(raw);
  assert.equal(headers.get('x-envelope-to'), 'ada@example.com', 'sent to the visitor');
  assert.equal(addressOf(headers.get('from')), 'support@shop.test');
  const replyTo = addressOf(headers.get('reply-to'));
  assert.match(replyTo, /^reply\+[^@\s]+@in\.shop\.test$/, `Reply-To: ${headers.get('reply-to')}`);
  const messageParts = parts(raw);
  const text = messageParts.find((p) => p.type === 'text/plain')?.text;
  assert.ok(text, `a text part among ${messageParts.map((p) => p.type).join(', ')}`);
  assert.ok(text.includes(answer), `the text part carries the reply:\n${text}`);
  const html = messageParts.find((p) => p.type === 'text/html')?.text;
  assert.ok(html?.includes(answer), 'the HTML part carries the reply');
  const link = /https?:\/\/\S*[?&]parley=open\S*/.exec(text)?.[0];
  assert.ok(link, `a parley=open link in the text part:\n${text}`);
  const linkUrl = new URL(link);
  assert.equal(linkUrl.origin + linkUrl.pathname, host.url(pagePath), 'the link goes to the page the visitor was on');
  assert.equal(linkUrl.searchParams.get('color'), 'red', 'its query kept');
  assert.equal(smtp.messages().length, 1, 'one email');

  // The visitor follows the link, in a browser that kept their storage: the chat opens by
  // itself and shows the reply.
  const back = await browser.newContext({ storageState });
  const again = await back.newPage();
  const errorsAgain = await watchPageErrors(again);
  await again.goto(link);
  const panelAgain = panelOf(again);
  await panelAgain.getByTestId('parley-composer').waitFor({ state: 'visible' });
  await panelAgain.getByTestId('parley-message').filter({ hasText: answer }).waitFor({ state: 'visible' });
  const list = await shown(panelAgain);
  assert.deepEqual(list.filter((m) => m.author !== 'system').map((m) => [m.author, m.body]), [['visitor', question], ['agent', answer]]);
  assert.equal(new URL(again.url()).searchParams.get('parley'), null, 'parley=open leaves the address bar');
  assert.equal(new URL(again.url()).searchParams.get('color'), 'red');

  // The visitor answers by email instead (from their mail client): the new text arrives live,
  // the quoted history does not.
  const newText = 'Great, I will order it tonight.';
  const inbound = [
    'From: Ada <ada@example.com>',
    `To: ${replyTo}`,
    `Subject: Re: ${headers.get('subject') ?? ''}`,
    `Message-ID: <${randomUUID()}@example.com>`,
    'Date: ' + new Date().toUTCString(),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    newText,
    '',
    'On Mon, 1 Jan 2024 at 10:00, Support <support@shop.test> wrote:',
    `> ${answer}`,
    '> Quoted line that must not appear.',
    '',
  ].join('\r\n');
  const response = await fetch(`${server.url}/api/v1/inbound/email`, { method: 'POST', headers: { 'Content-Type': 'message/rfc822' }, body: inbound });
  assert.equal(response.status, 202, `inbound email: ${response.status} ${await response.text()}`);
  const mine = panelAgain.getByTestId('parley-message').filter({ hasText: newText });
  await mine.waitFor({ state: 'visible' });
  assert.equal(await mine.getAttribute('data-author'), 'visitor');
  const bubble = (await mine.locator('.bubble').textContent())?.trim();
  assert.equal(bubble, newText, 'the quoted part is left out');
  assert.ok(!(await shown(panelAgain)).some((m) => m.body.includes('Quoted line') || m.body.includes('wrote:')), 'nothing of the quote is shown');
  const history = (await api(server, token, 'GET', `/conversations/${conversationId}/messages`)).body.items;
  assert.equal(history.at(-1).body, newText, 'stored without the quote');
  await assertNoPageErrors(errorsAgain, { where: 'the page opened from the email (page or panel)' });
  t.diagnostic(`email received ${emailed - started} ms after the start; test took ${Date.now() - started} ms`);
});
