import { h, svg } from './dom';

/** One series of a chart; `tone` picks its colour class (`ai`, `human`, `neutral`). */
export interface Series {
  name: string;
  tone: 'ai' | 'human' | 'neutral';
  values: (number | null)[];
}

let chartCounter = 0;
const nextId = (prefix: string) => `${prefix}-${++chartCounter}`;

/** A chart as a figure: the SVG for the eye, the same numbers as a table for everyone else. */
function figure(
  title: string,
  description: string,
  chart: SVGSVGElement,
  table: HTMLTableElement,
  legend?: Series[],
): HTMLElement {
  const titleId = nextId('chart-title');
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-labelledby', titleId);
  chart.prepend(svg('title', { id: titleId }, title), svg('desc', {}, description));
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    legend
      ? h(
          'ul',
          { class: 'legend', 'aria-hidden': 'true' },
          legend.map((s) => h('li', {}, h('span', { class: `swatch tone-${s.tone}` }), s.name)),
        )
      : null,
    chart,
    h('details', { class: 'chart-data' }, h('summary', {}, 'Data table'), table),
  );
}

function dataTable(
  categoryLabel: string,
  categories: string[],
  series: Series[],
  format: (n: number | null) => string,
): HTMLTableElement {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, categoryLabel),
        series.map((s) => h('th', { scope: 'col' }, s.name)),
      ),
    ),
    h(
      'tbody',
      {},
      categories.map((category, i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, category),
          series.map((s) => h('td', {}, format(s.values[i] ?? null))),
        ),
      ),
    ),
  );
}

const niceMax = (max: number) => {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= max) ?? 10;
  return step * magnitude;
};

/** Vertical bars grouped by category, one bar per series (e.g. MTTA/MTTR for AI and people). */
export function groupedBars(options: {
  title: string;
  description: string;
  categories: string[];
  series: Series[];
  format: (n: number | null) => string;
}): HTMLElement {
  const { categories, series, format } = options;
  const width = 560;
  const height = 240;
  const pad = { top: 16, right: 12, bottom: 36, left: 64 };
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.min(40, (groupW * 0.7) / Math.max(1, series.length));
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg' });
  for (const tick of [0, 0.5, 1]) {
    const v = max * tick;
    chart.append(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, format(v)),
    );
  }
  categories.forEach((category, i) => {
    const groupX = pad.left + i * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, j) => {
      const value = s.values[i];
      const x = groupX + j * barW;
      if (value === null || value === undefined) {
        chart.append(svg('text', { x: x + barW / 2, y: y(0) - 4, 'text-anchor': 'middle', class: 'axis' }, '–'));
        return;
      }
      chart.append(
        svg(
          'rect',
          {
            x: x + 1,
            y: y(value),
            width: barW - 2,
            height: Math.max(1, y(0) - y(value)),
            class: `bar tone-${s.tone}`,
            rx: 2,
          },
          svg('title', {}, `${category}, ${s.name}: ${format(value)}`),
        ),
      );
    });
    chart.append(
      svg(
        'text',
        { x: pad.left + i * groupW + groupW / 2, y: height - 14, 'text-anchor': 'middle', class: 'axis' },
        category,
      ),
    );
  });
  return figure(options.title, options.description, chart, dataTable('Metric', categories, series, format), series);
}

/** Horizontal bars of rates (0..1), one row per category and series. */
export function rateBars(options: {
  title: string;
  description: string;
  categories: string[];
  series: Series[];
}): HTMLElement {
  const { categories, series } = options;
  const rowH = 18;
  const groupGap = 14;
  const labelW = 150;
  const width = 560;
  const plotW = width - labelW - 60;
  const height = categories.length * (series.length * rowH + groupGap) + 8;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg' });
  const format = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)} %`);
  categories.forEach((category, i) => {
    const top = 4 + i * (series.length * rowH + groupGap);
    chart.append(svg('text', { x: 0, y: top + (series.length * rowH) / 2 + 4, class: 'axis strong' }, category));
    series.forEach((s, j) => {
      const value = s.values[i] ?? null;
      const rowY = top + j * rowH;
      chart.append(svg('rect', { x: labelW, y: rowY + 2, width: plotW, height: rowH - 5, class: 'track', rx: 2 }));
      if (value !== null && value > 0) {
        chart.append(
          svg(
            'rect',
            {
              x: labelW,
              y: rowY + 2,
              width: value * plotW,
              height: rowH - 5,
              class: `bar tone-${s.tone}`,
              rx: 2,
            },
            svg('title', {}, `${category}, ${s.name}: ${format(value)}`),
          ),
        );
      }
      chart.append(svg('text', { x: labelW + plotW + 6, y: rowY + rowH - 5, class: 'axis' }, format(value)));
    });
  });
  return figure(options.title, options.description, chart, dataTable('Rate', categories, series, format), series);
}

/** Stacked daily bars (e.g. resolutions by AI and by people) with a line for a third series (openings). */
export function dailyBars(options: {
  title: string;
  description: string;
  days: string[];
  stacked: Series[];
  line?: Series;
}): HTMLElement {
  const { days, stacked, line } = options;
  const width = 560;
  const height = 220;
  const pad = { top: 12, right: 12, bottom: 30, left: 36 };
  const totals = days.map((_, i) => stacked.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(1, ...totals, ...(line?.values.map((v) => v ?? 0) ?? [])));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = plotW / Math.max(1, days.length);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg' });
  for (const tick of [0, 0.5, 1]) {
    chart.append(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(max * tick), y2: y(max * tick), class: 'grid' }),
      svg(
        'text',
        { x: pad.left - 6, y: y(max * tick) + 4, 'text-anchor': 'end', class: 'axis' },
        String(Math.round(max * tick)),
      ),
    );
  }
  days.forEach((day, i) => {
    let base = 0;
    for (const s of stacked) {
      const v = s.values[i] ?? 0;
      if (v > 0) {
        chart.append(
          svg(
            'rect',
            {
              x: pad.left + i * slot + slot * 0.15,
              y: y(base + v),
              width: slot * 0.7,
              height: y(base) - y(base + v),
              class: `bar tone-${s.tone}`,
            },
            svg('title', {}, `${day}, ${s.name}: ${v}`),
          ),
        );
      }
      base += v;
    }
    const every = Math.ceil(days.length / 8);
    if (i % every === 0) {
      chart.append(
        svg(
          'text',
          { x: pad.left + i * slot + slot / 2, y: height - 10, 'text-anchor': 'middle', class: 'axis' },
          day.slice(5),
        ),
      );
    }
  });
  if (line) {
    const points = line.values.map((v, i) => `${pad.left + i * slot + slot / 2},${y(v ?? 0)}`).join(' ');
    chart.append(svg('polyline', { points, class: `line tone-${line.tone}` }));
  }
  const series = line ? [...stacked, line] : stacked;
  return figure(
    options.title,
    options.description,
    chart,
    dataTable('Day', days, series, (n) => (n === null ? '—' : String(n))),
    series,
  );
}

/** A small line over -1..1 (sentiment per comment), with the zero line. */
export function sparkline(values: number[], label: string): SVGSVGElement {
  const width = 240;
  const height = 60;
  const x = (i: number) => (values.length <= 1 ? width / 2 : 6 + (i / (values.length - 1)) * (width - 12));
  const y = (v: number) => 6 + ((1 - v) / 2) * (height - 12);
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: 'sparkline', role: 'img', 'aria-label': label },
    svg('line', { x1: 0, x2: width, y1: y(0), y2: y(0), class: 'grid' }),
    svg('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'line tone-neutral' }),
  );
  values.forEach((v, i) => {
    chart.append(
      svg('circle', { cx: x(i), cy: y(v), r: 3, class: v < -0.2 ? 'dot negative' : v > 0.2 ? 'dot positive' : 'dot' }),
    );
  });
  return chart;
}
