// @ts-check
/**
 * The emoji picker (loaded with `import()` the first time the visitor opens it): a grid of
 * common emoji under the composer. The arrow keys, Home and End move in the grid (one button
 * in the tab order, the one last focused), Enter or a click inserts, Escape closes. It imports
 * nothing: what it needs from the panel comes in the `Kit`.
 */

/** A curated set: faces, hands, hearts, and what shop conversations talk about. */
const EMOJI = [
  '😀', '😃', '😄', '😁', '😆', '😅', '😂', '🤣', '🙂', '😉',
  '😊', '😇', '🥰', '😍', '😘', '😋', '😜', '🤔', '🤗', '🤩',
  '😎', '🙄', '😏', '😐', '😬', '😴', '😌', '😔', '😢', '😭',
  '😤', '😡', '😱', '😳', '🥺', '🤯', '🙃', '😮', '🤝', '👍',
  '👎', '👏', '🙌', '🙏', '👋', '👌', '✌️', '🤞', '💪', '👀',
  '❤️', '🧡', '💛', '💚', '💙', '💜', '🖤', '💔', '💯', '✨',
  '🔥', '🎉', '🎁', '⭐', '✅', '❌', '❓', '❗', '💡', '📦',
  '🚚', '🛒', '💳', '📧', '📞', '⏰', '📅', '🏠', '☕', '🍕',
];
/** Buttons per row: the arrow keys up and down move by this much. */
const COLUMNS = 8;

/**
 * @param {import('./view.js').Kit} kit
 * @param {{insert: (emoji: string) => void, closed: () => void}} hooks `closed`: the picker
 *   was closed from inside (Escape), the focus goes back to its button
 */
export function createPicker(kit, hooks) {
  const grid = kit.bind(kit.el(kit.doc, 'div', { class: 'emoji-grid', role: 'group', id: 'parley-emoji-picker', 'data-testid': 'parley-emoji-picker', hidden: true }), 'aria-label', 'emoji_list');
  const buttons = EMOJI.map((emoji, i) => {
    const button = kit.el(kit.doc, 'button', { type: 'button', class: 'emoji-pick', tabindex: i === 0 ? '0' : '-1', 'data-emoji': emoji, text: emoji });
    button.addEventListener('click', () => hooks.insert(emoji));
    grid.appendChild(button);
    return button;
  });
  let current = 0;

  grid.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation(); // the panel's own Escape would close the whole chat
      close();
      hooks.closed();
      return;
    }
    const next = moveFrom(current, event.key, buttons.length);
    if (next === null) return;
    event.preventDefault();
    focusAt(next);
  });

  /** @param {number} i */
  function focusAt(i) {
    buttons[current].setAttribute('tabindex', '-1');
    current = i;
    buttons[i].setAttribute('tabindex', '0');
    buttons[i].focus();
  }

  function close() {
    grid.hidden = true;
  }

  return {
    element: grid,
    isOpen: () => !grid.hidden,
    /** Shows the grid, the focus on the emoji used last (or the first). */
    open() {
      grid.hidden = false;
      focusAt(current);
    },
    close,
  };
}

/**
 * Where an arrow key (or Home, End) leads from button `i` of `count`, or null for other keys.
 * @param {number} i @param {string} key @param {number} count
 */
function moveFrom(i, key, count) {
  const steps = /** @type {Record<string, number>} */ ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS });
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  if (!(key in steps)) return null;
  return Math.min(count - 1, Math.max(0, i + steps[key]));
}
