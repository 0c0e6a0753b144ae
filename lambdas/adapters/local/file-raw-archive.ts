import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RawArchive } from '../../ports/raw-archive';

/** Raw deliveries as files under a folder; written to a temp name and renamed, so a crash never leaves half a file. */
export class FileRawArchive implements RawArchive {
  constructor(private readonly root: string) {}

  async put(key: string, body: string, metadata: Record<string, string>): Promise<string> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    // Unique per write: concurrent duplicates of one delivery must not share a temp file.
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, body, 'utf8');
    await rename(temp, path);
    const metaTemp = `${path}.${randomUUID()}.meta.tmp`;
    await writeFile(metaTemp, JSON.stringify(metadata), 'utf8');
    await rename(metaTemp, `${path}.meta.json`);
    return pathToFileURL(path).href;
  }
}
