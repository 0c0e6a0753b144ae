import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const projectRoot = resolve(__dirname, '..', '..');
const localCopy = process.env.LUMOS_BROWSER_DIR ?? join(projectRoot, 'node_modules', '.cache', 'lumos-chromium');

/** Where scripts/install-browser.sh puts Chromium, in the order it checks them. */
function candidates(): string[] {
  const roots = ['', localCopy];
  const names = [
    'usr/lib/chromium/chromium-headless-shell',
    'usr/bin/chromium-headless-shell',
    'usr/lib/chromium/chromium',
    'usr/bin/chromium',
  ];
  return [process.env.LUMOS_CHROMIUM ?? '', ...roots.flatMap((root) => names.map((name) => `${root}/${name}`))].filter(
    Boolean,
  );
}

/** Library folders of the project-local copy (binaries there need the libraries unpacked beside them). */
function libraryPath(): string {
  if (!existsSync(localCopy)) return '';
  const folders = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path, depth + 1);
      else if (/\.so(\.|$)/.test(name)) folders.add(dir);
    }
  };
  walk(localCopy, 0);
  return [...folders].join(':');
}

/** The Chromium the tests drive, or why there is none (the tests then say so instead of passing silently). */
export function findChromium(): { executablePath: string; env: Record<string, string> } | { missing: string } {
  const extra = libraryPath();
  const env: Record<string, string> = extra
    ? { LD_LIBRARY_PATH: [extra, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
    : {};
  for (const path of candidates()) {
    if (!existsSync(path)) continue;
    const probe = spawnSync(path, ['--headless', '--no-sandbox', '--version'], {
      env: { ...process.env, ...env },
      timeout: 15_000,
    });
    if (probe.status === 0) return { executablePath: path, env };
  }
  return { missing: `no Chromium found (run scripts/install-browser.sh); looked at ${candidates().join(', ')}` };
}

export interface ConsoleBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's headless Chromium through playwright-core with a fresh profile and nothing that reaches the
 * network on its own (no sync, no component updates, no QUIC, no first-run), so tests only talk to the runtime.
 * The profile is a fresh folder per launch (Playwright takes it as the persistent context's user-data-dir).
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<ConsoleBrowser> {
  const found = findChromium();
  if ('missing' in found) throw new Error(found.missing);
  const profile = mkdtempSync(join(tmpdir(), 'lumos-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: found.executablePath,
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    env: { ...process.env, ...found.env } as Record<string, string>,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
