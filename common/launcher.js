// @ts-check
/**
 * The widget launcher's icons, for what draws the launcher outside the widget: the dashboard's
 * appearance preview. The loader (widget/src/loader.js) is a classic script run as it is, so it
 * cannot import this module: it keeps the same paths and the same markup, and
 * common/test/launcher.test.js fails when the two drift apart.
 */

/** The speech bubble (launcher closed) and the × (launcher of an open panel), 24×24. */
export const LAUNCHER_ICONS = Object.freeze({
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 5v2h10V9zm0 4v2h7v-2z',
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z',
});

/**
 * An icon as the loader draws it in the launcher (same attributes, same order), so that the
 * markup is the same.
 * @param {Document} doc @param {string} className `c` for the bubble, `x` for the ×
 * @param {string} path one of `LAUNCHER_ICONS`
 */
export function launcherIcon(doc, className, path) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = doc.createElementNS(ns, 'svg');
  svg.setAttribute('class', className);
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = doc.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.appendChild(p);
  return svg;
}
