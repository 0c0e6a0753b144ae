import { readFile, stat } from 'node:fs/promises';
import { parseTopologyExport, type TopologyExport } from '../../agents/dependency/topology-export';
import type { ChangeRecord, Topology, TopologySource } from '../../ports/topology';

/**
 * {@link TopologySource} over a JSON export file (Lumos topology JSON or a ServiceNow CMDB export). The file is read
 * again when it changes, so editing it while the local runtime runs takes effect on the next incident. Relative
 * change times (`-45m`) resolve when the file is read.
 */
export class JsonFileTopology implements TopologySource {
  private cached?: { mtimeMs: number; data: TopologyExport };

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async load(): Promise<TopologyExport> {
    const info = await stat(this.file);
    if (this.cached && this.cached.mtimeMs === info.mtimeMs) return this.cached.data;
    const data = parseTopologyExport(JSON.parse(await readFile(this.file, 'utf8')), this.now());
    this.cached = { mtimeMs: info.mtimeMs, data };
    return data;
  }

  async topology(): Promise<Topology> {
    return (await this.load()).topology;
  }

  async changes(components: readonly string[], since: Date, until: Date): Promise<ChangeRecord[]> {
    const wanted = new Set(components);
    const from = since.getTime();
    const to = until.getTime();
    return (await this.load()).changes
      .filter((change) => wanted.has(change.component))
      .filter((change) => {
        const at = Date.parse(change.at);
        return at >= from && at <= to;
      })
      .sort((a, b) => b.at.localeCompare(a.at));
  }
}
