/**
 * Maskers: each replaces one kind of value that varies between occurrences of the same log event with a typed
 * placeholder, so the template miner compares what is constant. They are general by design (formats from RFCs and
 * common practice, never from a particular system's logs) and run in the order listed, most specific first: a URL
 * holds a host and a path, a timestamp holds numbers.
 */

/** One kind of variable value and how to recognise it. */
export interface Masker {
  /** The placeholder written instead of the value, such as `<IP>`. */
  readonly placeholder: string;
  /** Global pattern of the value; the `keep` group, if any, survives (delimiters before the value). */
  readonly pattern: RegExp;
  /** A further test of a match, where a pattern alone cannot tell. */
  readonly accept?: (match: string) => boolean;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const CLOCK = '\\d{1,2}:\\d{2}(?::\\d{1,2})?(?:[.,:]\\d{1,9})?';
const ZONE = '(?:\\s?(?:Z|[+-]\\d{2}:?\\d{2}|UTC|GMT|[A-Z]{3,4}T))?';

/**
 * Timestamps in the usual notations: ISO 8601 / RFC 3339, syslog's `Mmm dd hh:mm:ss`, `ctime` (`Sun Dec 04 04:47:44
 * 2005`), Apache's `10/Oct/2000:13:55:36 -0700`, dates with `/`, `-` or `.` and a bare clock time.
 */
export const TIMESTAMP_PATTERN = new RegExp(
  [
    `\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?:[T\\s_-]${CLOCK}|-\\d{2}\\.\\d{2}\\.\\d{2}(?:\\.\\d+)?)?${ZONE}`,
    `\\d{1,2}/${MONTH}/\\d{4}(?::\\d{2}:\\d{2}:\\d{2})?${ZONE}`,
    `(?:${WEEKDAY},?\\s+)?${MONTH}\\s+\\d{1,2}(?:,?\\s+\\d{4})?\\s+${CLOCK}(?:\\s+\\d{4})?${ZONE}`,
    `(?:${WEEKDAY},?\\s+)?\\d{1,2}\\s+${MONTH}\\s+\\d{4}(?:\\s+${CLOCK})?${ZONE}`,
    `\\d{1,4}[-/.]\\d{1,2}(?:[-/.]\\d{2,4})?[\\s_T-]${CLOCK}${ZONE}`,
    `\\d{8}[-T_\\s]\\d{1,2}:\\d{1,2}:\\d{1,2}(?:[.,:]\\d{1,9})?${ZONE}`,
    CLOCK,
  ]
    .map((alternative) => `(?:${alternative})`)
    .join('|'),
);

const BOUNDARY_BEFORE = '(^|[\\s=:,;(\\[{<>"\'|])';

/** The maskers, in the order they run. */
export const MASKERS: readonly Masker[] = [
  { placeholder: '<URL>', pattern: /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>()[\]{}]+/gi },
  { placeholder: '<EMAIL>', pattern: /\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b/gi },
  { placeholder: '<UUID>', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
  {
    placeholder: '<TIME>',
    pattern: new RegExp(`(?<![\\w.:/-])(?:${TIMESTAMP_PATTERN.source})(?![\\w:/]|\\.\\d)`, 'gi'),
  },
  {
    placeholder: '<IP>',
    pattern:
      /(?<![\w.])(?:(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)(?::\d{1,5})?(?![\w.])/gi,
  },
  { placeholder: '<MAC>', pattern: /\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi },
  // A path starts after a delimiter; a single segment (`/tmp`) counts, so does a Windows drive or a UNC share.
  {
    placeholder: '<PATH>',
    pattern: new RegExp(`${BOUNDARY_BEFORE}(?:[a-z]:\\\\|\\\\\\\\|~?/)[^\\s"'<>|,;()\\[\\]{}]*[\\w./\\\\-]`, 'gi'),
  },
  // Host names: three or more labels of lower-case letters, digits and hyphens (as DNS names are written), with or
  // without a port. `android.intent.action.SCREEN_ON` or `org.example.Main` are names of code, not hosts.
  {
    placeholder: '<HOST>',
    pattern: /(?<![\w.-])(?:[a-z0-9-]+\.){2,}[a-z][a-z0-9-]*(?::\d{1,5})?(?![\w-]|\.\w)/g,
  },
  // Two labels are a host only with a port or under a generic top-level domain (`github.com:443`, `example.org`).
  {
    placeholder: '<HOST>',
    pattern:
      /(?<![\w.-])(?:[a-z0-9-]+\.[a-z][a-z0-9-]*:\d{1,5}|[a-z0-9-]+\.(?:com|net|org|edu|gov|mil|int|io|info|biz|local|internal|lan))(?![\w-]|\.\w)/g,
  },
  { placeholder: '<HEX>', pattern: /(?<![\w.-])(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,})\b/gi },
  // A number with its unit is one value: `35ms`, `1.2 KB`, `10 sec`, `512 bytes`.
  {
    placeholder: '<NUM>',
    pattern:
      /(?<![\w.-])[-+]?\d+(?:[.,]\d+)*\s?(?:[kmgtp]i?b|bytes?|b|ms|us|µs|ns|secs?|seconds?|s|mins?|minutes?|h|hrs?|hours?|days?|%)(?![\w.])/gi,
  },
  { placeholder: '<NUM>', pattern: /(?<![\w.-])[-+]?\d+(?:\.\d+)?(?![\w.]|\.\d)/g },
  // Identifiers: a token whose digits make it unique (`blk_-123`, `node-246`, `appattempt_1_0001`, `t761`). A word
  // with one or two trailing digits is a name (`SOCKS5`, `eth0`, `ext4`, `x86`) and stays.
  {
    placeholder: '<ID>',
    pattern: /[\w.@#$%+~/-]*\d[\w.@#$%+~/-]*/g,
    accept: (token) => /\d{3}|[-_.:/#@]\d|\d\D+\d|^\d/.test(token),
  },
];

/** Applies one masker to a text. */
export function applyMasker(text: string, masker: Masker): string {
  const keepsDelimiter = masker.pattern.source.startsWith(BOUNDARY_BEFORE);
  return text.replace(masker.pattern, (...match: unknown[]) => {
    const whole = match[0] as string;
    if (masker.accept && !masker.accept(whole)) return whole;
    return keepsDelimiter ? `${match[1] as string}${masker.placeholder}` : masker.placeholder;
  });
}

/** Masks the parts of a line that vary between occurrences of the same event (every masker, in order). */
export function maskVariables(line: string): string {
  // Dot leaders (`store operation.......1`) lay out a key and its value: they separate like a space.
  let masked = line.replace(/\.{3,}/g, ' ');
  for (const masker of MASKERS) masked = applyMasker(masked, masker);
  return masked;
}

/** Placeholders (`<IP>`, `<NUM>`, ...) and the miner's wildcard all stand for a value. */
export const PLACEHOLDER = /<[A-Z]+>|<\*>/;
