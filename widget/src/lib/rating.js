// @ts-check
/**
 * The rating prompt that ends the timeline of a resolved conversation: "How was this
 * conversation?", five stars as a radio group, an optional comment, Send. Loaded by the view
 * only when a conversation first asks for a rating (`import()`, a chunk of its own), so it
 * imports nothing: what it needs of the panel comes in the `kit` (an import shared with the
 * panel's bundle would make esbuild split that code into a chunk the first open must fetch).
 */

/**
 * @typedef {import('./view.js').Kit} Kit
 * @typedef {object} RatingActions
 * @property {(score: number, comment: string) => Promise<void>} rate
 */

const SCORES = [1, 2, 3, 4, 5];
/** Keys that move the choice in the star radio group, and where to. */
const STAR_KEYS = /** @type {Record<string, (score: number) => number>} */ ({
  ArrowRight: (n) => (n % 5) + 1,
  ArrowDown: (n) => (n % 5) + 1,
  ArrowLeft: (n) => ((n + 3) % 5) + 1,
  ArrowUp: (n) => ((n + 3) % 5) + 1,
  Home: () => 1,
  End: () => 5,
});

/**
 * Builds the prompt (hidden); the view shows it with `show()` while the chat asks for a rating.
 * @param {Kit} kit @param {RatingActions} actions
 */
export function createRating(kit, actions) {
  const { doc, el, bind } = kit;
  const stars = SCORES.map((n) => el(doc, 'button', { type: 'button', role: 'radio', class: 'star', 'data-score': String(n), 'data-testid': 'parley-star' }));
  const starGroup = el(doc, 'div', { role: 'radiogroup', class: 'stars', 'aria-labelledby': 'parley-rating-title', 'data-testid': 'parley-rating-stars' }, ...stars);
  const comment = /** @type {HTMLTextAreaElement} */ (el(doc, 'textarea', { rows: '2', maxlength: String(kit.limits.MAX_COMMENT_CHARS), 'data-testid': 'parley-rating-comment' }));
  const error = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-rating-error', hidden: true });
  const submit = bind(el(doc, 'button', { type: 'submit', class: 'primary', 'data-testid': 'parley-rating-submit' }), 'text', 'send');
  const form = el(doc, 'form', { class: 'rating', 'aria-labelledby': 'parley-rating-title', 'data-testid': 'parley-rating', novalidate: true, hidden: true },
    bind(el(doc, 'p', { id: 'parley-rating-title', class: 'rating-title' }), 'text', 'rating_title'),
    starGroup,
    el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'rating_comment'), comment),
    error,
    submit);
  /** the stars chosen, 0 for none yet */
  let score = 0;

  for (const star of stars) star.addEventListener('click', () => choose(Number(star.dataset.score)));
  starGroup.addEventListener('keydown', (event) => {
    const move = STAR_KEYS[event.key];
    if (!move) return;
    event.preventDefault();
    choose(move(score || 1));
    stars[score - 1].focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const t = kit.strings();
    if (!score) {
      showError(t.rating_pick);
      stars[0].focus();
      return;
    }
    error.hidden = true;
    submit.setAttribute('disabled', '');
    actions.rate(score, comment.value).then(
      () => {
        submit.removeAttribute('disabled');
        kit.announce(kit.strings().rating_thanks);
      },
      () => {
        submit.removeAttribute('disabled');
        showError(kit.strings().rating_failed);
      },
    );
  });

  /** @param {number} n */
  function choose(n) {
    score = n;
    error.hidden = true;
    paint();
  }

  /** @param {string} text */
  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  /** Filled stars up to the score (a shape, not only a colour); one tab stop, on the choice. */
  function paint() {
    const t = kit.strings();
    for (const [i, star] of stars.entries()) {
      const n = i + 1;
      star.textContent = n <= score ? '★' : '☆';
      star.classList.toggle('on', n <= score);
      star.setAttribute('aria-checked', String(n === score));
      star.setAttribute('tabindex', n === (score || 1) ? '0' : '-1');
      star.setAttribute('aria-label', kit.format(n === 1 ? t.star_one : t.star_other, { n }));
    }
  }

  paint();
  return {
    element: form,
    /**
     * Shows the prompt (fresh each time it appears) or hides it.
     * @param {boolean} asking
     */
    show(asking) {
      if (asking && form.hidden) {
        comment.value = '';
        error.hidden = true;
        choose(0);
      }
      form.hidden = !asking;
    },
    /** The language changed: the stars' labels follow (the rest is bound). */
    relabel: paint,
  };
}
