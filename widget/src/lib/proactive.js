// @ts-check
/**
 * A proactive message of the site (loaded with `import()` the first time one is shown): the
 * rule's message as a reply from its agent, above the composer's first message. It imports
 * nothing: what it needs from the panel comes in the `Kit`, and the agent's picture is drawn by
 * the panel.
 */

/**
 * @param {import('./view.js').Kit} kit
 * @param {{message: string, name: string, picture: Element}} greeting
 * @returns {HTMLElement}
 */
export function renderProactive(kit, greeting) {
  const { doc, el } = kit;
  const author = el(doc, 'div', { class: 'byline' }, greeting.picture, el(doc, 'span', { class: 'author', 'data-testid': 'parley-proactive-agent', text: greeting.name }));
  const bubble = el(doc, 'div', { class: 'bubble', text: greeting.message });
  return el(doc, 'div', { class: 'msg theirs proactive', 'data-testid': 'parley-proactive' }, author, bubble);
}
