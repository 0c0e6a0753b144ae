/**
 * Loads the runtime's AWS SDK with `require()` instead of `import` in an ESM bundle.
 *
 * The SDK packages are CommonJS. When an ES module imports one, Node first scans the package's code with its
 * CommonJS export lexer (to find the named exports) and routes the package's own `require()` calls through the ES
 * module loader. For the dozens of `@aws-sdk/*` and `@smithy/*` files a client pulls in, that was about half of a
 * function's import time (Postmortem: about 250 ms of CPU with `import`, about 130 ms with `require`). `require()`
 * loads the same files (the packages' `main`, `dist-cjs`) through the plain CommonJS loader.
 *
 * esbuild writes an `import` statement for each external package, so this rewrites esbuild's output: the static
 * imports of `@aws-sdk/*` and `@smithy/*` packages are removed, and one `const` per package, bound by `require()`, is
 * appended to the bundle's first line (the banner line, which defines `require` and has no source-map mappings). All
 * imports of an ES module run before its body, so loading these packages first keeps the order of evaluation. The
 * source map's generated columns are moved to match. Dynamic `import()` is left as is.
 */
'use strict';

const { existsSync, readFileSync, writeFileSync } = require('node:fs');

const SDK_PACKAGE = '@(?:aws-sdk|smithy)/[^"\'\\n]+';
/** A static import of an SDK package, as esbuild writes it (minified or not). */
const STATIC_IMPORT = new RegExp(
  `import[ \\t]*(?:(\\*[ \\t]*as[ \\t]+[\\w$]+)|([\\w$]+)?[ \\t]*,?[ \\t]*(?:\\{([^}\\n]*)\\})?)[ \\t]*from[ \\t]*(["'])(${SDK_PACKAGE})\\4;?`,
  'g',
);
/** Anything that still imports an SDK package statically after the rewrite. */
const LEFTOVER_IMPORT = new RegExp(`(?:from\\s*|import\\s*)["']${SDK_PACKAGE}["']`);

/**
 * The bundle's code with its static SDK imports turned into `require()` on the first line, and the ranges removed
 * (0-based line and column, length). Throws when the first line is not the banner that defines `require`, or when an
 * SDK import is left that this does not understand.
 * @param {string} code
 * @param {string} bannerEnd the text the banner ends with (the bundle's first line must end with it)
 * @returns {{ code: string, removed: { line: number, column: number, length: number }[] }}
 */
function rewrite(code, bannerEnd) {
  /** @type {Map<string, string[]>} */
  const named = new Map();
  const whole = [];
  const removed = [];
  const rewritten = code.replace(STATIC_IMPORT, (statement, namespace, defaultName, names, _quote, pkg, offset) => {
    const quoted = JSON.stringify(pkg);
    if (namespace) whole.push(`const ${namespace.replace(/^\*\s*as\s+/, '')}=require(${quoted});`);
    // The default import of a CommonJS module is its `module.exports`.
    if (defaultName) whole.push(`const ${defaultName}=require(${quoted});`);
    for (const entry of (names ?? '').split(',')) {
      const trimmed = entry.trim();
      if (trimmed === '') continue;
      const [imported, local = imported] = trimmed.split(/\s+as\s+/).map((s) => s.trim());
      if (imported === 'default') whole.push(`const ${local}=require(${quoted});`);
      else named.set(pkg, [...(named.get(pkg) ?? []), imported === local ? imported : `${imported}:${local}`]);
    }
    if (!namespace && !defaultName && names === undefined) whole.push(`require(${quoted});`);
    const lineStart = code.lastIndexOf('\n', offset - 1) + 1;
    const line = lineStart === 0 ? 0 : code.slice(0, lineStart).split('\n').length - 1;
    removed.push({ line, column: offset - lineStart, length: statement.length });
    return '';
  });
  const leftover = rewritten.match(LEFTOVER_IMPORT);
  if (leftover) throw new Error(`an AWS SDK import was not rewritten to require(): ${leftover[0]}`);
  if (removed.length === 0) return { code, removed };
  if (removed.some((range) => range.line === 0)) throw new Error('an AWS SDK import on the banner line');
  const declarations = [
    ...[...named].map(([pkg, props]) => `const{${props.join(',')}}=require(${JSON.stringify(pkg)});`),
    ...whole,
  ];
  const firstLineEnd = rewritten.indexOf('\n');
  const firstLine = firstLineEnd === -1 ? rewritten : rewritten.slice(0, firstLineEnd);
  if (!firstLine.endsWith(bannerEnd)) throw new Error('the bundle does not start with the banner that defines require');
  return { code: firstLine + declarations.join('') + rewritten.slice(firstLine.length), removed };
}

/**
 * @param {string} code
 * @param {string} bannerEnd
 * @returns {string}
 */
function requireRuntimeSdk(code, bannerEnd) {
  return rewrite(code, bannerEnd).code;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** @param {string} segment @returns {number[]} */
function decodeVlq(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`not a source-map VLQ digit: ${char}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** @param {number[]} values @returns {string} */
function encodeVlq(values) {
  let out = '';
  for (const n of values) {
    let value = n < 0 ? (-n << 1) | 1 : n << 1;
    do {
      let digit = value & 31;
      value >>>= 5;
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
  }
  return out;
}

/**
 * A source map's `mappings` with generated columns moved left past the removed ranges (a position inside a removed
 * range moves to where the range was). Only generated columns change, so every other field's delta stays as it was.
 * @param {string} mappings
 * @param {{ line: number, column: number, length: number }[]} removed
 * @returns {string}
 */
function shiftMappings(mappings, removed) {
  return mappings
    .split(';')
    .map((line, index) => {
      const ranges = removed.filter((range) => range.line === index);
      if (ranges.length === 0 || line === '') return line;
      const moved = (column) => {
        let shift = 0;
        for (const range of ranges) {
          if (column >= range.column + range.length) shift += range.length;
          else if (column >= range.column) shift += column - range.column;
        }
        return column - shift;
      };
      let column = 0;
      let previous = 0;
      return line
        .split(',')
        .map((segment) => {
          const [delta = 0, ...rest] = decodeVlq(segment);
          column += delta;
          const next = moved(column);
          const encoded = encodeVlq([next - previous, ...rest]);
          previous = next;
          return encoded;
        })
        .join(',');
    })
    .join(';');
}

/**
 * Rewrites a bundle file in place, and its source map (`<file>.map`) when there is one.
 * @param {string} file
 * @param {string} bannerEnd
 */
function requireRuntimeSdkInFile(file, bannerEnd) {
  const result = rewrite(readFileSync(file, 'utf8'), bannerEnd);
  if (result.removed.length === 0) return;
  writeFileSync(file, result.code);
  const mapFile = `${file}.map`;
  if (existsSync(mapFile)) {
    const map = JSON.parse(readFileSync(mapFile, 'utf8'));
    map.mappings = shiftMappings(map.mappings, result.removed);
    writeFileSync(mapFile, JSON.stringify(map));
  }
}

/** `node runtime-sdk-require.cjs <index.mjs> <banner end>`: rewrites the bundle (and its map) in place. */
if (require.main === module) {
  const [file, bannerEnd] = process.argv.slice(2);
  if (!file || !bannerEnd) throw new Error('usage: node runtime-sdk-require.cjs <index.mjs> <banner end>');
  requireRuntimeSdkInFile(file, bannerEnd);
}

module.exports = { requireRuntimeSdk, requireRuntimeSdkInFile, shiftMappings };
