import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, AuditExport, AuditRecord, AuditTrail } from '../../ports/audit';

/**
 * The local stand-in for the S3 Object Lock export: one file per record, created exclusively (`wx`), so a record
 * once exported is never overwritten by the application.
 */
export class FileAuditExport implements AuditExport {
  constructor(private readonly dir: string) {}

  async put(record: AuditRecord): Promise<void> {
    const folder = join(this.dir, encodeURIComponent(record.incidentId));
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${String(record.seq).padStart(8, '0')}.json`);
    if (existsSync(file)) return;
    writeFileSync(file, JSON.stringify(record), { flag: 'wx' });
  }

  async list(incidentId: string): Promise<AuditRecord[]> {
    const folder = join(this.dir, encodeURIComponent(incidentId));
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as AuditRecord);
  }
}

/** Exports each appended record right away: locally this plays the DynamoDB stream -> exporter path. */
export class ExportingAuditTrail implements AuditTrail {
  constructor(
    private readonly trail: AuditTrail,
    private readonly exporter: AuditExport,
  ) {}

  async append(incidentId: string, entry: AuditEntry): Promise<AuditRecord> {
    const record = await this.trail.append(incidentId, entry);
    await this.exporter.put(record);
    return record;
  }

  list(incidentId: string): Promise<AuditRecord[]> {
    return this.trail.list(incidentId);
  }
}
