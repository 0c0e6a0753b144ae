import { layoutBlastRadius } from './blast-radius-layout';
import { svg } from './dom';
import type { DependencyView } from './types';

let graphCounter = 0;

/** The graph as inline SVG: arrows read "depends on"; suspects ringed, critical components bold. */
export function blastRadiusSvg(result: DependencyView, label: string): SVGSVGElement {
  const layout = layoutBlastRadius(result);
  const marker = `arrow-${++graphCounter}`;
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${layout.width} ${layout.height}`, class: 'graph', role: 'img', 'aria-label': label },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: marker,
          viewBox: '0 0 10 10',
          refX: 10,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ),
    ),
  );
  const nodeHalfWidth = 58;
  for (const edge of layout.edges) {
    const from = byId.get(edge.from)!;
    const to = byId.get(edge.to)!;
    const direction = Math.sign(to.x - from.x) || 1;
    chart.append(
      svg('line', {
        x1: from.x + direction * nodeHalfWidth,
        y1: from.y,
        x2: to.x - direction * nodeHalfWidth,
        y2: to.y,
        class: 'edge',
        'marker-end': `url(#${marker})`,
      }),
    );
  }
  for (const node of layout.nodes) {
    const classes = ['node', node.side, node.critical ? 'critical' : '', node.suspect ? 'suspect' : '']
      .filter(Boolean)
      .join(' ');
    const name = node.id.length > 18 ? `${node.id.slice(0, 17)}…` : node.id;
    chart.append(
      svg(
        'g',
        { class: classes },
        svg('rect', { x: node.x - nodeHalfWidth, y: node.y - 15, width: nodeHalfWidth * 2, height: 30, rx: 6 }),
        svg('text', { x: node.x, y: node.y + 4, 'text-anchor': 'middle' }, name),
        svg('title', {}, `${node.id}${node.suspect ? ' (suspect)' : ''}${node.critical ? ' (high criticality)' : ''}`),
      ),
    );
  }
  return chart;
}
