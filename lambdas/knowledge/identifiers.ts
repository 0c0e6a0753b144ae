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
