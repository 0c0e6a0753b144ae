/** A node of the Atlassian Document Format (the JSON body of Jira Cloud REST v3 comments and rich-text fields). */
export interface AdfNode {
  type: string;
  version?: number;
  attrs?: Record<string, unknown>;
  text?: string;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  content?: AdfNode[];
}

const text = (value: string, marks?: AdfNode['marks']): AdfNode => ({
  type: 'text',
  text: value,
  ...(marks ? { marks } : {}),
});

/** `**bold**` spans become strong marks; everything else stays literal text. */
function inline(line: string): AdfNode[] {
  const nodes: AdfNode[] = [];
  const pattern = /\*\*([^*]+)\*\*/g;
  let last = 0;
  for (const match of line.matchAll(pattern)) {
    if (match.index > last) nodes.push(text(line.slice(last, match.index)));
    nodes.push(text(match[1]!, [{ type: 'strong' }]));
    last = match.index + match[0].length;
  }
  if (last < line.length) nodes.push(text(line.slice(last)));
  return nodes.filter((n) => n.text !== '');
}

/**
 * Plain text as Lumos writes notes (blank-line paragraphs, `## ` headings, `- ` bullet lists, `**bold**`) as an ADF
 * document. Lines of one paragraph are joined with hard breaks, so the note reads as it was written.
 */
export function textToAdf(value: string): AdfNode {
  const content: AdfNode[] = [];
  const blocks = value.replace(/\r\n/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    let paragraph: string[] = [];
    const flush = () => {
      if (paragraph.length === 0) return;
      const parts: AdfNode[] = [];
      paragraph.forEach((line, i) => {
        if (i > 0) parts.push({ type: 'hardBreak' });
        parts.push(...inline(line));
      });
      content.push({ type: 'paragraph', content: parts });
      paragraph = [];
    };
    let bullets: string[] = [];
    const flushBullets = () => {
      if (bullets.length === 0) return;
      content.push({
        type: 'bulletList',
        content: bullets.map((b) => ({ type: 'listItem', content: [{ type: 'paragraph', content: inline(b) }] })),
      });
      bullets = [];
    };
    for (const line of lines) {
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
      if (heading) {
        flush();
        flushBullets();
        content.push({
          type: 'heading',
          attrs: { level: Math.min(6, heading[1]!.length + 1) },
          content: inline(heading[2]!),
        });
      } else if (bullet) {
        flush();
        bullets.push(bullet[1]!);
      } else {
        flushBullets();
        paragraph.push(line);
      }
    }
    flush();
    flushBullets();
  }
  return { type: 'doc', version: 1, content: content.length ? content : [{ type: 'paragraph', content: [] }] };
}

/** The text of an ADF tree (or a plain string, as REST v2 and Data Center return it). */
export function adfToText(node: unknown, depth = 0): string {
  if (typeof node === 'string') return node;
  if (depth > 60 || !node || typeof node !== 'object') return '';
  if (Array.isArray(node)) return node.map((n) => adfToText(n, depth + 1)).join('');
  const n = node as AdfNode;
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = adfToText(n.content, depth + 1);
  return ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote'].includes(n.type) ? `${inner}\n` : inner;
}
