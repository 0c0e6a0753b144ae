/** The bundle's code with its static `@aws-sdk/*` and `@smithy/*` imports turned into `require()` (see the .cjs). */
export function requireRuntimeSdk(code: string, bannerEnd: string): string;
/** Rewrites a bundle file in place, and its source map (`<file>.map`) when there is one. */
export function requireRuntimeSdkInFile(file: string, bannerEnd: string): void;
/** A source map's `mappings` with generated columns moved left past the removed ranges. */
export function shiftMappings(
  mappings: string,
  removed: readonly { line: number; column: number; length: number }[],
): string;
