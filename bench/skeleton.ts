import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign, startLocalLumos } from '../test/support/local-runtime';
import { fmt, machineLoad, percentile, processTreeCpuMs, table, verdict } from './stats';

const root = join(__dirname, '..');

/** How often the bench reads an incident while it waits: often enough to see progress, not so often it loads the runtime. */
const POLL_MS = 25;

/**
 * Start-up time to healthy, then N incidents sent one after another, each waited for until its first response.
 * Per incident: the webhook's answer (202) as the sender sees it; webhook -> triaged as the bench sees it (polling
 * the incident every 25 ms); webhook -> first response as Lumos records it (`agents.firstResponse.latencyMs`:
 * delivery received -> work note written), which polling cannot distort. CPU is the runtime's (Node and DynamoDB
 * Local) per incident, for comparing runs at different machine load.
 */
export async function skeletonLatency(count = 100): Promise<void> {
  const secret = 'bench-secret';
  const started = Date.now();
  const lumos = await startLocalLumos({ LUMOS_WEBHOOK_SECRET: secret }, 180_000);
  const startupMs = Date.now() - started;
  try {
    const template = JSON.parse(
      readFileSync(join(root, 'test/fixtures/servicenow/incident-created.json'), 'utf8'),
    ).result;
    const answered: number[] = [];
    const triaged: number[] = [];
    const firstResponse: number[] = [];
    const loadBefore = machineLoad();
    const cpuBefore = processTreeCpuMs(lumos.process.pid!);
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({
        ...template,
        sys_id: `bench-${Date.now()}-${i}`,
        number: `INC9${String(i).padStart(6, '0')}`,
        impact: '2',
        urgency: '2',
      });
      const sent = performance.now();
      const response = await fetch(`${lumos.api}/webhooks/servicenow`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'X-Lumos-Signature': sign(secret, body) },
      });
      const { incidentId } = (await response.json()) as { incidentId: string };
      answered.push(performance.now() - sent);
      let seenTriaged = false;
      for (;;) {
        const incident = (await (await fetch(`${lumos.api}/incidents/${incidentId}`)).json()) as {
          triage?: unknown;
          agents?: { firstResponse?: { latencyMs?: number } };
        };
        if (incident.triage && !seenTriaged) {
          seenTriaged = true;
          triaged.push(performance.now() - sent);
        }
        const recorded = incident.agents?.firstResponse?.latencyMs;
        if (recorded !== undefined) {
          firstResponse.push(recorded);
          break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpuAfter = processTreeCpuMs(lumos.process.pid!);
    const cpu =
      cpuBefore !== undefined && cpuAfter !== undefined ? fmt((cpuAfter - cpuBefore) / count) : 'not available';
    console.log(
      `\n## Local runtime (${loadBefore} before, ${machineLoad()} after)\n${table([
        ['metric', 'value'],
        ['start-up to healthy', fmt(startupMs)],
        [
          `webhook answered (202) p50 / p95 (n=${count})`,
          `${fmt(percentile(answered, 50))} / ${fmt(percentile(answered, 95))}`,
        ],
        [`webhook -> triaged p50 / p95`, `${fmt(percentile(triaged, 50))} / ${fmt(percentile(triaged, 95))}`],
        [
          `webhook -> first response p50 / p95`,
          `${fmt(percentile(firstResponse, 50))} / ${fmt(percentile(firstResponse, 95))}`,
        ],
        ['runtime CPU per incident (Node + DynamoDB Local)', cpu],
        ['sequential throughput', `${(count / elapsed).toFixed(1)} incidents/s`],
      ])}\n${verdict('webhook -> first response p95', percentile(firstResponse, 95), 300, 'ms')}`,
    );
  } finally {
    await lumos.stop();
  }
}
