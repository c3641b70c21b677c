// @ts-check
/**
 * The Reports page's charts, drawn by uPlot (MIT, `uplot` in package.json). This module is a
 * chunk of its own, loaded with `import()` by the Reports page only: nobody else downloads
 * uPlot. It imports nothing of the dashboard's bundle (a shared import would become one more
 * chunk and the build refuses it): the page gives it the data, the colours (read from the
 * stylesheet's variables, light or dark) and how to write a value.
 */
import uPlot from 'uplot';

/**
 * @typedef {{label: string, color: string, dash?: number[], scale?: 'y' | 'y2'}} Line
 * @typedef {{text: string, muted: string, grid: string, font: string}} Theme
 * @typedef {{
 *   lines: Line[],
 *   data: (number | null)[][],
 *   height: number,
 *   theme: Theme,
 *   value: (v: number) => string,
 *   value2?: (v: number) => string,
 *   axisSize?: number,
 *   incrs?: number[],
 *   onCursor?: (index: number | null) => void,
 * }} ChartSpec
 * @typedef {{resize: () => void, destroy: () => void, canvas: HTMLCanvasElement | null}} Chart
 */

/** The narrowest chart drawn (a phone's column, less its padding). */
const MIN_WIDTH = 220;

/**
 * A line chart over time (seconds since the epoch, drawn in the browser's time zone) filling
 * `host`'s width; nulls are gaps. uPlot's own legend is off: the page shows one in HTML.
 * @param {HTMLElement} host @param {ChartSpec} spec
 * @returns {Chart}
 */
export function lineChart(host, spec) {
  const { theme } = spec;
  const width = () => Math.max(MIN_WIDTH, Math.floor(host.clientWidth));
  const axis = (/** @type {(v: number) => string} */ format, /** @type {string} */ scale, /** @type {0 | 1 | 2 | 3} */ side) => ({
    scale,
    side,
    stroke: theme.muted,
    font: theme.font,
    size: spec.axisSize ?? 56,
    ...(spec.incrs ? { incrs: spec.incrs } : {}),
    grid: { show: side === 3, stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    values: (/** @type {uPlot} */ _u, /** @type {number[]} */ splits) => splits.map((v) => (v === null || v === undefined ? '' : format(v))),
  });
  const twoScales = spec.lines.some((l) => l.scale === 'y2');
  /** @type {uPlot.Options} */
  const options = {
    width: width(),
    height: spec.height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false, setScale: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 0)] }, y2: { range: (_u, min, max) => [0, Math.max(1, max ?? 0)] } },
    series: [
      {},
      ...spec.lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dash, scale: l.scale ?? 'y', spanGaps: false, points: { fill: l.color } })),
    ],
    axes: [
      { stroke: theme.muted, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } },
      axis(spec.value, 'y', 3),
      ...(twoScales ? [axis(spec.value2 ?? spec.value, 'y2', 1)] : []),
    ],
    hooks: {
      setCursor: [(u) => spec.onCursor?.(typeof u.cursor.idx === 'number' ? u.cursor.idx : null)],
    },
  };
  const chart = new uPlot(options, /** @type {uPlot.AlignedData} */ (/** @type {unknown} */ (spec.data)), host);
  return {
    resize() {
      const w = width();
      if (w !== chart.width) chart.setSize({ width: w, height: spec.height });
    },
    destroy: () => chart.destroy(),
    canvas: chart.root.querySelector('canvas'),
  };
}
