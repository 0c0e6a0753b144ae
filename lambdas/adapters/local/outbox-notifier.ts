import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Notification, Notifier } from '../../ports/notifier';

export interface OutboxEntry extends Notification {
  notificationId: string;
  sentAt: string;
}

/**
 * Everything that would leave the system for a person, recorded in a JSON-lines file so a person or a test can read
 * it (`GET /notifications`) and act on its links exactly as on the real message. Survives restarts.
 */
export class OutboxNotifier implements Notifier {
  private readonly entries: OutboxEntry[] = [];

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) this.entries.push(JSON.parse(line) as OutboxEntry);
      }
    }
  }

  async send(notification: Notification): Promise<{ notificationId: string }> {
    const entry: OutboxEntry = { ...notification, notificationId: randomUUID(), sentAt: new Date().toISOString() };
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
    this.entries.push(entry);
    return { notificationId: entry.notificationId };
  }

  /** Newest first, optionally only one channel, recipient or incident. */
  list(filter: { channel?: string; incidentId?: string; recipient?: string } = {}): OutboxEntry[] {
    return this.entries
      .filter(
        (e) =>
          (!filter.channel || e.channel === filter.channel) &&
          (!filter.incidentId || e.incidentId === filter.incidentId) &&
          (!filter.recipient || e.recipient === filter.recipient),
      )
      .slice()
      .reverse();
  }
}
