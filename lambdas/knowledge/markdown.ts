import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import type { KnowledgeChunk } from '../ports/knowledge-index';

/** One markdown file of a knowledge base, parsed but not yet chunked. */
export interface KnowledgeArticle {
  /** Path relative to the knowledge base folder, with `/` separators (e.g. `linux/disk-full.md`). */
  articleId: string;
  title: string;
  category?: string;
  services: string[];
  /** Extra search terms the author listed in the front matter (`keywords`, `tags`, `aliases`). */
  keywords: string[];
  /** ISO 8601 timestamp from the front matter, else the file's modification time. */
  updatedAt?: string;
  /** Markdown body without the front matter. */
  body: string;
}

/** A chunk with the article metadata the index uses for ranking. */
export interface ArticleChunk extends KnowledgeChunk {
  category?: string;
  /** Services and keywords of the article, shared by all its chunks. */
  keywords: string[];
  /** Position of the chunk in its article (0 = first). */
  ordinal: number;
}

/** How articles are cut into chunks. */
export interface ChunkingOptions {
  /**
   * Longest chunk, in characters; longer sections are split at paragraph, line or sentence boundaries.
   * @default 1200
   */
  readonly maxChars?: number;
  /**
   * Characters of the previous piece repeated at the start of the next one when a section is split.
   * @default 200
   */
  readonly overlapChars?: number;
  /**
   * Sections with fewer letters and digits than this are dropped as empty or boilerplate.
   * @default 12
   */
  readonly minChars?: number;
}

/** A folder of markdown files loaded and chunked. */
export interface LoadedKnowledgeBase {
  articles: KnowledgeArticle[];
  chunks: ArticleChunk[];
}

const DEFAULT_CHUNKING: Required<ChunkingOptions> = { maxChars: 1200, overlapChars: 200, minChars: 12 };

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
/** Section bodies that say nothing yet (runbook stubs). */
const PLACEHOLDER = /^(?:todo|tbd|tba|n\/a|none|coming soon|wip)\b[\s.:!-]*$/i;

/**
 * Loads every `.md` file under `dir` (recursively, in a stable order) and chunks it by headings.
 * Hidden folders and `node_modules` are skipped.
 */
export async function loadKnowledgeBase(dir: string, options: ChunkingOptions = {}): Promise<LoadedKnowledgeBase> {
  const files = await listMarkdownFiles(dir);
  const articles: KnowledgeArticle[] = [];
  for (const file of files) {
    const [source, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    articles.push(parseMarkdownArticle(toArticleId(dir, file), source, { modifiedAt: info.mtime }));
  }
  const chunks = articles.flatMap((article) => chunkArticle(article, options));
  return { articles, chunks };
}

/** Every markdown file under `dir`, sorted, as absolute-or-joined paths. */
export async function listMarkdownFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && extname(entry.name).toLowerCase() === '.md') found.push(path);
    }
  };
  await walk(dir);
  return found.sort();
}

/** The article id of `file` inside `dir`: its relative path with `/` separators on every platform. */
export function toArticleId(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

/**
 * Parses one markdown document: front matter (YAML), title, metadata and body.
 * Title: front matter `title`, else the first `#` heading, else the file name.
 * A front matter block that is not valid YAML is treated as having no metadata rather than failing the whole load.
 */
export function parseMarkdownArticle(
  articleId: string,
  source: string,
  options: { modifiedAt?: Date } = {},
): KnowledgeArticle {
  const match = FRONT_MATTER.exec(source);
  const meta = match ? readFrontMatter(match[1]) : {};
  const body = match ? source.slice(match[0].length) : source.replace(/^\uFEFF/, '');
  const title =
    asText(meta['title']) ?? firstHeading(body) ?? titleFromFileName(articleId.split('/').pop() ?? articleId);
  const updatedAt =
    toIsoDate(meta['updated'] ?? meta['updatedAt'] ?? meta['updated_at'] ?? meta['lastmod'] ?? meta['date']) ??
    (options.modifiedAt ? options.modifiedAt.toISOString() : undefined);
  return {
    articleId,
    title,
    category: asText(meta['category']),
    services: asList(meta['services'] ?? meta['service']),
    keywords: [...asList(meta['keywords']), ...asList(meta['tags']), ...asList(meta['aliases'])],
    updatedAt,
    body,
  };
}

/**
 * Cuts an article into chunks, one per heading section, keeping the heading path (`Diagnosis > Check disk`).
 * The top `#` heading that repeats the title is not part of the path. Empty and placeholder sections are skipped;
 * sections longer than `maxChars` are split with `overlapChars` of overlap. Headings inside code fences are text.
 */
export function chunkArticle(article: KnowledgeArticle, options: ChunkingOptions = {}): ArticleChunk[] {
  const settings = { ...DEFAULT_CHUNKING, ...options };
  const sections = splitSections(article.body, article.title);
  const chunks: ArticleChunk[] = [];
  const keywords = [...new Set([...article.services, ...article.keywords])];
  for (const section of sections) {
    const text = cleanMarkdown(section.lines.join('\n'));
    if (isBoilerplate(text, settings.minChars)) continue;
    for (const piece of splitLongText(text, settings.maxChars, settings.overlapChars)) {
      const ordinal = chunks.length;
      chunks.push({
        chunkId: `${article.articleId}#${ordinal}`,
        articleId: article.articleId,
        title: article.title,
        section: section.path.length > 0 ? section.path.join(' > ') : undefined,
        text: piece,
        updatedAt: article.updatedAt,
        category: article.category,
        keywords,
        ordinal,
      });
    }
  }
  return chunks;
}

interface Section {
  path: string[];
  lines: string[];
}

function splitSections(body: string, title: string): Section[] {
  const sections: Section[] = [];
  /** Heading stack indexed by level (1..6). */
  const stack: (string | undefined)[] = [];
  let current: Section = { path: [], lines: [] };
  let fence: string | undefined;
  let titleHeadingSeen = false;
  for (const line of body.split(/\r?\n/)) {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1];
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      current.lines.push(line);
      continue;
    }
    const heading = fence === undefined ? HEADING.exec(line) : null;
    if (!heading) {
      current.lines.push(line);
      continue;
    }
    const level = heading[1].length;
    const text = cleanInline(heading[2]);
    sections.push(current);
    // The article's own `# Title` (or the H1 repeating it under another spelling) names the article, not a section.
    const isTitleHeading = level === 1 && !titleHeadingSeen && stack.every((entry) => entry === undefined);
    if (isTitleHeading) titleHeadingSeen = true;
    stack.length = level;
    stack[level - 1] = isTitleHeading || sameWords(text, title) ? undefined : text;
    current = { path: stack.filter((entry): entry is string => Boolean(entry)), lines: [] };
  }
  sections.push(current);
  return sections;
}

/**
 * Turns markdown into plain-ish text fit for search and snippets: links keep their text, images, HTML tags, Hugo
 * shortcodes, reference-link definitions and bare URLs go; code stays (commands are worth finding).
 */
export function cleanMarkdown(markdown: string): string {
  const lines: string[] = [];
  let inFence = false;
  for (const raw of markdown.split('\n')) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      if (raw.trim()) lines.push(raw.replace(/\s+$/, ''));
      continue;
    }
    if (/^\s*\[[^\]]+\]:\s*\S+/.test(raw)) continue; // reference-link definition
    const line = cleanInline(raw.replace(/<!--[\s\S]*?-->/g, ''))
      .replace(/^\s*[-*+]\s+/, '- ')
      .replace(/^\s*>\s?/, '')
      .replace(/\s+$/, '');
    if (/^\s*(?:[-*_]\s*){3,}$/.test(line)) continue; // thematic break
    if (/^- \d+$/.test(line)) continue; // a numbered reference whose link was stripped
    lines.push(line);
  }
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function cleanInline(text: string): string {
  return text
    .replace(/\{\{[<%][\s\S]*?[%>]\}\}/g, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
    .replace(/https?:\/\/[^\s)>\]]+/g, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/[ \t]{2,}/g, ' ');
}

function isBoilerplate(text: string, minChars: number): boolean {
  const letters = text.replace(/[^\p{L}\p{N}]/gu, '');
  if (letters.length < minChars) return true;
  return PLACEHOLDER.test(text.trim());
}

/**
 * Splits text longer than `maxChars` into pieces at paragraph, then line, then sentence, then word boundaries;
 * each piece after the first starts with up to `overlapChars` of the previous piece's closing units.
 */
export function splitLongText(text: string, maxChars: number, overlapChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const units = toUnits(text, maxChars);
  const pieces: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const unit of units) {
    if (current.length > 0 && length + unit.length + 1 > maxChars) {
      pieces.push(current.join('\n'));
      const overlap: string[] = [];
      let overlapLength = 0;
      for (let i = current.length - 1; i >= 0; i--) {
        if (overlapLength + current[i].length > overlapChars) break;
        overlap.unshift(current[i]);
        overlapLength += current[i].length + 1;
      }
      current = overlap;
      length = overlapLength;
    }
    current.push(unit);
    length += unit.length + 1;
  }
  if (current.length > 0) pieces.push(current.join('\n'));
  return pieces;
}

function toUnits(text: string, maxChars: number): string[] {
  const splitters: ((part: string) => string[])[] = [
    (part) => part.split(/\n\s*\n/),
    (part) => part.split('\n'),
    (part) => part.split(/(?<=[.!?])\s+/),
    (part) => part.split(/\s+/),
  ];
  const refine = (parts: string[], level: number): string[] =>
    parts.flatMap((part) => {
      if (part.length <= maxChars || level >= splitters.length) return [part];
      return refine(splitters[level](part), level + 1);
    });
  const units = refine([text], 0).flatMap((unit) => {
    if (unit.length <= maxChars) return [unit];
    const slices: string[] = [];
    for (let i = 0; i < unit.length; i += maxChars) slices.push(unit.slice(i, i + maxChars));
    return slices;
  });
  return units.map((unit) => unit.trim()).filter((unit) => unit.length > 0);
}

function readFrontMatter(yamlText: string): Record<string, unknown> {
  try {
    const parsed: unknown = parseYaml(yamlText);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function firstHeading(body: string): string | undefined {
  let fence = false;
  for (const line of body.split(/\r?\n/)) {
    if (FENCE.test(line)) fence = !fence;
    if (fence) continue;
    const heading = /^#[ \t]+(.+?)[ \t]*#*[ \t]*$/.exec(line);
    if (heading) return cleanInline(heading[1]).trim() || undefined;
  }
  return undefined;
}

function titleFromFileName(fileName: string): string {
  const stem = basename(fileName, extname(fileName)).replace(/[-_]+/g, ' ').trim();
  return stem ? stem[0].toUpperCase() + stem.slice(1) : fileName;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(asText).filter((entry): entry is string => entry !== undefined);
  const single = asText(value);
  return single
    ? single
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
    : [];
}

function toIsoDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  const text = asText(value);
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function sameWords(a: string, b: string): boolean {
  const words = (text: string) =>
    text
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '');
  return words(a) === words(b);
}
