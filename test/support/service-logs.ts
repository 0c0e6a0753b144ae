import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder of service logs for end-to-end runs (`LUMOS_LOGS_DIR`): for each service two and a half hours of ordinary
 * request lines, then the fault's lines every minute from a quarter hour before `now` on, as a fault that is still
 * going on. They run an hour past `now`: however long the runtime takes to start, the fault is still current when
 * the incident opens (the agents read only lines up to the incident, and discount errors that stopped before it).
 */
export function serviceLogsDir(faults: Record<string, string>, now = Date.now()): string {
  const dir = mkdtempSync(join(tmpdir(), 'lumos-e2e-logs-'));
  for (const [service, fault] of Object.entries(faults)) {
    const lines: { at: number; text: string }[] = [];
    for (let minutes = 150; minutes >= 1; minutes -= 2)
      lines.push({
        at: now - minutes * 60_000,
        text: `INFO  http request method=GET path=/api/items status=200 duration=${20 + (minutes % 9)}ms`,
      });
    for (let minutes = 15; minutes >= -60; minutes--)
      lines.push({ at: now - minutes * 60_000 + 500, text: fault.replace('#', String(16 - minutes)) });
    lines.sort((a, b) => a.at - b.at);
    writeFileSync(
      join(dir, `${service}.log`),
      lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}`).join('\n') + '\n',
    );
  }
  return dir;
}

/** The lines a container writes while it crash-loops. */
export const CRASH_LOOP = 'WARN  Back-off restarting failed container restartCount=#';
