import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chunkArticle,
  cleanMarkdown,
  loadKnowledgeBase,
  parseMarkdownArticle,
  splitLongText,
} from '../../../lambdas/knowledge/markdown';

const RUNBOOK = `---
title: Disk full
category: infrastructure
services: [linux, filesystem]
keywords: [no space left on device]
updated: 2026-10-14
---

# Disk full

Writes fail when the filesystem is full.

## Symptoms

Applications log \`No space left on device\`.

## Diagnosis

### Find the mount

Run \`df -h\` and look for 100 %.

\`\`\`shell
# not a heading: a comment inside a code fence
du -xh --max-depth=2 /var | sort -rh | head
\`\`\`

### Find open deleted files

Use lsof +L1 to list them.

## Mitigation

TODO

## Escalation
`;

describe('parseMarkdownArticle', () => {
  it('reads title, category, services, keywords and the update date from the front matter', () => {
    const article = parseMarkdownArticle('linux/disk-full.md', RUNBOOK);
    expect(article).toMatchObject({
      articleId: 'linux/disk-full.md',
      title: 'Disk full',
      category: 'infrastructure',
      services: ['linux', 'filesystem'],
      keywords: ['no space left on device'],
      updatedAt: '2026-10-14T00:00:00.000Z',
    });
    expect(article.body).not.toContain('category:');
  });

  it('takes the title from the first top-level heading when the front matter has none', () => {
    const article = parseMarkdownArticle('a.md', '---\nweight: 3\n---\n\nintro\n\n# Certificate expiry\n\n## Impact\n');
    expect(article.title).toBe('Certificate expiry');
  });

  it('falls back to the file name for the title and to the file time for the update date', () => {
    const modifiedAt = new Date('2026-01-02T03:04:05.000Z');
    const article = parseMarkdownArticle('network/vpn_access-problems.md', 'Just text, no headings.', { modifiedAt });
    expect(article.title).toBe('Vpn access problems');
    expect(article.updatedAt).toBe('2026-01-02T03:04:05.000Z');
  });

  it('treats a front matter block that is not valid YAML as no metadata instead of failing', () => {
    const article = parseMarkdownArticle('x.md', '---\ntitle: [unclosed\n---\n# Real title\n\nBody text here.');
    expect(article.title).toBe('Real title');
    expect(article.body).toContain('Body text here.');
  });
});

describe('chunkArticle', () => {
  const chunks = chunkArticle(parseMarkdownArticle('linux/disk-full.md', RUNBOOK));

  it('makes one chunk per heading section with its heading path, without the title heading', () => {
    expect(chunks.map((c) => c.section)).toEqual([
      undefined,
      'Symptoms',
      'Diagnosis > Find the mount',
      'Diagnosis > Find open deleted files',
    ]);
    expect(chunks[0].text).toBe('Writes fail when the filesystem is full.');
  });

  it('keeps code blocks as text and does not treat a comment inside a fence as a heading', () => {
    const mount = chunks.find((c) => c.section === 'Diagnosis > Find the mount');
    expect(mount?.text).toContain('du -xh --max-depth=2 /var');
    expect(mount?.text).toContain('# not a heading');
  });

  it('skips empty and placeholder sections', () => {
    expect(chunks.some((c) => c.section === 'Mitigation' || c.section === 'Escalation')).toBe(false);
  });

  it('gives every chunk a unique id, the article id and title, the update time and the article keywords', () => {
    expect(new Set(chunks.map((c) => c.chunkId)).size).toBe(chunks.length);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        articleId: 'linux/disk-full.md',
        title: 'Disk full',
        updatedAt: '2026-10-14T00:00:00.000Z',
        keywords: ['linux', 'filesystem', 'no space left on device'],
      });
    }
  });

  it('splits a long section into overlapping chunks no longer than the limit', () => {
    const paragraphs = Array.from(
      { length: 12 },
      (_, i) => `Paragraph ${i} explains step ${i} of the recovery in enough words to take some room on the page.`,
    );
    const article = parseMarkdownArticle('long.md', `# Long\n\n## Resolution\n\n${paragraphs.join('\n\n')}\n`);
    const pieces = chunkArticle(article, { maxChars: 300, overlapChars: 120 });
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) {
      expect(piece.section).toBe('Resolution');
      expect(piece.text.length).toBeLessThanOrEqual(300);
    }
    // Each piece after the first starts with the paragraph that closed the previous one.
    for (let i = 1; i < pieces.length; i++) {
      const previousLast = pieces[i - 1].text.split('\n').at(-1)!;
      expect(pieces[i].text.startsWith(previousLast)).toBe(true);
    }
    const all = pieces.map((p) => p.text).join('\n');
    for (const paragraph of paragraphs) expect(all).toContain(paragraph);
  });
});

describe('splitLongText', () => {
  it('returns short text unchanged and cuts a single huge paragraph at sentence or word boundaries', () => {
    expect(splitLongText('short', 100, 20)).toEqual(['short']);
    const sentence = 'The queue grows because consumers fail. ';
    const pieces = splitLongText(sentence.repeat(20).trim(), 120, 0);
    expect(pieces.length).toBeGreaterThan(5);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(120);
      expect(piece.startsWith('The queue')).toBe(true);
    }
  });
});

describe('cleanMarkdown', () => {
  it('keeps link text and drops link targets, images, HTML tags, shortcodes and bare URLs', () => {
    const text = cleanMarkdown(
      'See [the guide](https://example.com/guide) and ![diagram](x.png).\n<details><summary>More</summary>\n' +
        'Also {{< ref "./Other.md" >}} https://example.com/raw\n[1]: https://example.com/ref',
    );
    expect(text).toContain('See the guide and diagram.');
    expect(text).toContain('More');
    expect(text).not.toMatch(/https?:|<details>|\{\{|\[1\]/);
  });
});

describe('loadKnowledgeBase', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lumos-kb-'));
    await mkdir(join(dir, 'network', 'remote'), { recursive: true });
    await mkdir(join(dir, '.hidden'), { recursive: true });
    await writeFile(
      join(dir, 'network', 'remote', 'vpn.md'),
      '# VPN problems\n\n## Symptoms\n\nThe client cannot connect.\n',
    );
    await writeFile(join(dir, 'top.md'), '---\ntitle: Top level\n---\nSome useful body text about printers.\n');
    await writeFile(join(dir, 'empty.md'), '---\ntitle: Section index\n---\n');
    await writeFile(join(dir, 'notes.txt'), 'not markdown');
    await writeFile(join(dir, '.hidden', 'secret.md'), '# Hidden\n\nShould not be loaded.\n');
    await utimes(join(dir, 'top.md'), new Date('2026-03-04T05:06:07Z'), new Date('2026-03-04T05:06:07Z'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every markdown file recursively with ids relative to the folder, using forward slashes', async () => {
    const kb = await loadKnowledgeBase(dir);
    expect(kb.articles.map((a) => a.articleId)).toEqual(['empty.md', 'network/remote/vpn.md', 'top.md']);
    expect(kb.chunks.map((c) => c.articleId)).toEqual(['network/remote/vpn.md', 'top.md']);
    expect(kb.articles.find((a) => a.articleId === 'top.md')?.updatedAt).toBe('2026-03-04T05:06:07.000Z');
  });
});
