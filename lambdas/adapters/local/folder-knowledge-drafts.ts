import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KnowledgeDraftStore } from '../../ports/knowledge-drafts';

/**
 * {@link KnowledgeDraftStore} in two folders: drafts awaiting review (`<root>/drafts`) and approved articles
 * (`<root>/approved`, a knowledge source of the local runtime). Writes go to a temporary file renamed into place,
 * so a crash leaves the old file or the new one, never half of one.
 */
export class FolderKnowledgeDrafts implements KnowledgeDraftStore {
  readonly draftsDir: string;
  readonly approvedDir: string;

  constructor(root: string) {
    this.draftsDir = join(root, 'drafts');
    this.approvedDir = join(root, 'approved');
  }

  async putDraft(draftId: string, markdown: string): Promise<boolean> {
    if ((await this.getDraft(draftId)) !== undefined || (await this.isApproved(draftId))) return false;
    await mkdir(this.draftsDir, { recursive: true });
    const temporary = join(this.draftsDir, `.${draftId}.${process.pid}.tmp`);
    await writeFile(temporary, markdown, { flag: 'wx' });
    await rename(temporary, join(this.draftsDir, `${draftId}.md`));
    return true;
  }

  async getDraft(draftId: string): Promise<string | undefined> {
    return readFile(join(this.draftsDir, `${draftId}.md`), 'utf8').catch(() => undefined);
  }

  async listDrafts(): Promise<string[]> {
    const files = await readdir(this.draftsDir).catch(() => [] as string[]);
    return files.filter((f) => f.endsWith('.md') && !f.startsWith('.')).map((f) => f.slice(0, -3));
  }

  async isApproved(draftId: string): Promise<boolean> {
    return readFile(join(this.approvedDir, `${draftId}.md`)).then(
      () => true,
      () => false,
    );
  }

  async approve(draftId: string, markdown: string): Promise<void> {
    await mkdir(this.approvedDir, { recursive: true });
    const temporary = join(this.approvedDir, `.${draftId}.${process.pid}.tmp`);
    await writeFile(temporary, markdown);
    await rename(temporary, join(this.approvedDir, `${draftId}.md`));
    await rm(join(this.draftsDir, `${draftId}.md`), { force: true });
  }
}
