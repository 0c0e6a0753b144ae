import type { Estimate } from './model';

const money = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const qty = (n: number) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(1)} k`
      : n >= 10
        ? n.toFixed(0)
        : n.toFixed(3);

/** The estimate as a plain-text report: by service, then each line, then the assumptions. */
export function renderEstimate(estimate: Estimate): string {
  const out: string[] = [];
  const { incidents } = estimate;
  out.push(
    `Lumos ${estimate.stage}: estimated monthly AWS cost for ${estimate.volume.tickets} tickets and ${estimate.volume.alerts} alerts`,
    `(${Math.round(incidents.tickets + incidents.alerts)} incidents; ${money(estimate.perIncident)} per incident)`,
    '',
  );
  const services = Object.entries(estimate.byService).sort((a, b) => b[1] - a[1]);
  const width = Math.max(...services.map(([s]) => s.length));
  for (const [service, cost] of services) {
    const share = estimate.total > 0 ? (cost / estimate.total) * 100 : 0;
    out.push(`  ${service.padEnd(width)}  ${money(cost).padStart(9)}  ${share.toFixed(1).padStart(5)} %`);
  }
  out.push(`  ${'Total'.padEnd(width)}  ${money(estimate.total).padStart(9)}`, '', 'Line items');
  for (const l of estimate.lines) {
    if (l.quantity === 0 && l.monthly === 0) continue;
    out.push(`  ${money(l.monthly).padStart(9)}  ${l.service}: ${l.item} — ${qty(l.quantity)} ${l.unit}`);
  }
  out.push('', 'Assumptions');
  for (const a of estimate.assumptions) out.push(`  - ${a}`);
  return out.join('\n');
}
