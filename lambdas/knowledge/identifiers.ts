/**
 * Splits identifiers the way people read them: `KubePodCrashLooping` -> `Kube Pod Crash Looping`,
 * `HTTPServerErrors` -> `HTTP Server Errors`. The joined form is kept too, so someone typing the identifier in lower
 * case still matches. Returns `[word]` for ordinary words.
 */
export function splitIdentifier(word: string): string[] {
  const parts = word
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(' ');
  return parts.length > 1 ? [word, ...parts] : [word];
}

/**
 * Rewrites identifiers inside running text as words, leaving ordinary words and punctuation alone:
 * `ServerCpuTooHigh fired` -> `Server Cpu Too High fired`, `node_exporter` -> `node exporter`.
 */
export function spellOutIdentifiers(text: string): string {
  return text.replace(/[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*/g, (word) =>
    word
      .split(/[_-]+/)
      .flatMap((part) => {
        const split = splitIdentifier(part);
        return split.length > 1 ? split.slice(1) : split;
      })
      .join(' '),
  );
}
