import type { FailureMode } from '../../core/failure-mode';

export { FailureMode } from '../../core/failure-mode';

/** A failure mode a text can show by itself (changes show the other two: bad-deployment and config-change). */
export type SymptomMode = Exclude<FailureMode, 'bad-deployment' | 'config-change' | 'unknown'>;

/** One way of saying a failure. */
export interface Signature {
  readonly pattern: RegExp;
  /** How specific a match is. */
  readonly weight: number;
  /**
   * The words a component writes about its own state ("not accepting connections"), not about a peer it calls: for
   * a mode that usually blames the peer (network, dependency-failure), such a line still speaks for its writer.
   */
  readonly own?: boolean;
}

/**
 * Signatures: the words systems write when a component fails this way (log lines, alert names and annotations,
 * resolution notes). `weight` is how specific a match is: an `ENOSPC` can only mean a full disk, a timeout could be
 * many things. They describe the failure modes in general, not any particular estate or data set.
 */
export const SIGNATURES: Readonly<Record<SymptomMode, readonly Signature[]>> = {
  'disk-exhaustion': [
    { pattern: /no space left on device|\bENOSPC\b|disk quota exceeded/i, weight: 0.9 },
    {
      pattern: /\b(disk|volume|filesystem|file system|partition)\b[^.\n]{0,40}\b(full|100 ?%|exhausted|out of space)/i,
      weight: 0.8,
    },
    { pattern: /\b(DiskFull|FilesystemSpace|DiskSpace|VolumeFull|NodeFilesystem\w*|DiskPressure)\b/, weight: 0.75 },
    {
      pattern: /\b(disk|storage|filesystem) (usage|space|utili[sz]ation)\b|\binodes?\b[^.\n]{0,30}(exhausted|full)/i,
      weight: 0.5,
    },
  ],
  'memory-exhaustion': [
    { pattern: /\bOOMKilled\b|\boom[- ]?kill(er|ed)?\b|out of memory|OutOfMemoryError|\bENOMEM\b/i, weight: 0.9 },
    {
      pattern:
        /java heap space|heap (limit|exhausted|out of)|GC overhead limit|cannot allocate memory|memory limit (exceeded|reached)|JavaScript heap/i,
      weight: 0.85,
    },
    { pattern: /\b(KubePodOOMKilled|ContainerOOM\w*|MemoryPressure|HighMemory\w*)\b/, weight: 0.7 },
    { pattern: /\bmemory (usage|utili[sz]ation|leak)\b|\bheap (usage|used)\b/i, weight: 0.45 },
    { pattern: /\bmemory (used )?\d{2,3} ?% (used|full)?|\bmemory used \d{2,3} ?%/i, weight: 0.55 },
  ],
  'connection-exhaustion': [
    {
      pattern: /(connection|client|db|database|thread) pool[^.\n]{0,30}(exhausted|saturated|full)|pool exhausted/i,
      weight: 0.85,
    },
    {
      pattern:
        /too many (connections|clients)|remaining connection slots|max_connections|connection limit (exceeded|reached)/i,
      weight: 0.85,
    },
    {
      pattern:
        /(unable|failed|could not) to (acquire|obtain|get) (a )?(db |database )?connection|timeout waiting for (a )?(idle )?(object|connection)/i,
      weight: 0.7,
    },
    { pattern: /\bconnections?\b[^.\n]{0,20}\b(saturat\w+|at (max|limit)|(100|9\d) ?%)/i, weight: 0.5 },
    {
      pattern: /Connection is not available, request timed out|HikariPool[^\n]{0,40}(not available|timeout)/i,
      weight: 0.8,
    },
    { pattern: /connection pool (\d+)\/\1\b|connections in use (\d+) of \2\b/i, weight: 0.75 },
  ],
  'cpu-exhaustion': [
    { pattern: /\bcpu\b[^.\n]{0,20}\b(throttl\w+|saturat\w+|(100|9\d) ?%|exhausted|starv\w+)/i, weight: 0.8 },
    { pattern: /\b(CPUThrottlingHigh|HighCPU\w*|CpuUtilization\w*)\b|load average/i, weight: 0.65 },
  ],
  'dependency-failure': [
    { pattern: /\bupstream\b[^.\n]{0,60}\b(timed out|timeout|unavailable|failed|error|refused)/i, weight: 0.75 },
    {
      pattern:
        /circuit ?breaker\b[^.\n]{0,40}\bopen|did not (answer|respond) within|(request|call|read|response) timed out|\bETIMEDOUT\b|deadline exceeded|gateway time-?out|\b504\b/i,
      weight: 0.65,
    },
    {
      pattern:
        /\b(502|503) (bad gateway|service unavailable)|bad gateway|dependency[^.\n]{0,30}(unavailable|down|failing)/i,
      weight: 0.55,
    },
    { pattern: /\btime(d)? ?out\b/i, weight: 0.4 },
  ],
  // What a service that stopped answering writes about itself: its workers are all taken or blocked, its requests
  // run past their deadline inside it, its health checks time out. Its callers only see timeouts, which the scoring
  // model relays to it.
  unresponsive: [
    {
      pattern:
        /\ball \d+ (worker |request |http |server )?threads (are )?(busy|blocked|stuck|in use)|\b(worker|request|server) threads? (are )?(all )?(blocked|stuck|hung|exhausted)|thread starvation|\bstuck threads?\b|\bthread blocked\b|event loop (is )?blocked/i,
      weight: 0.8,
    },
    {
      pattern:
        /request processing (exceeded|took longer)|\brequests? (are )?(hanging|hung|stuck)\b|\b(hung|hanging|frozen|deadlocked) (process|service|server|worker|thread|request)s?\b|\b(not|stopped) responding\b|\bunresponsive\b/i,
      weight: 0.7,
    },
    {
      pattern:
        /\b(health ?check|liveness( probe)?|readiness( probe)?|health probe)\b[^.\n]{0,30}\b(timed out|timeout|time-out)\b/i,
      weight: 0.45,
    },
  ],
  'crash-loop': [
    { pattern: /CrashLoopBackOff|KubePodCrashLooping|back-?off restarting failed container|crash ?loop/i, weight: 0.9 },
    {
      pattern:
        /restart(ed|s|count)?[=: ]+\d{1,4} times|restart ?count[=: ]+[1-9]|restarting[^.\n]{0,40}(attempt|after crash)/i,
      weight: 0.7,
    },
    {
      pattern:
        /process (exited|crashed|terminated) (unexpectedly|with (exit )?code [1-9])|exited with (exit )?code [1-9]|segmentation fault|\bSIGSEGV\b|\bSIGABRT\b|core dumped/i,
      weight: 0.6,
    },
    { pattern: /exit(s|ed|ing)? with (exit )?(status|code) [1-9]/i, weight: 0.6 },
    { pattern: /Failed to (load|start) ApplicationContext|application (failed to start|startup failed)/i, weight: 0.5 },
  ],
  'certificate-expiry': [
    {
      pattern:
        /certificate[^.\n]{0,30}(has )?expired|CERT_HAS_EXPIRED|certificate has expired|x509: certificate[^.\n]{0,40}expired/i,
      weight: 0.9,
    },
    {
      pattern:
        /certificate[^.\n]{0,40}(expir\w+|not ?after)|\b(CertificateExpir\w*|SSLCert\w*|TLSCert\w*|DaysToExpiry)\b/i,
      weight: 0.75,
    },
    {
      pattern: /ssl handshake (failed|error)|tls handshake (failed|error)|certificate verify failed|PKIX path/i,
      weight: 0.55,
    },
  ],
  'credential-expiry': [
    {
      pattern:
        /(token|credential|credentials|password|secret|api key|access key)s?[^.\n]{0,20}(has |have )?expired|ExpiredToken\w*|InvalidClientTokenId/i,
      weight: 0.85,
    },
    {
      pattern:
        /authentication failed|invalid credentials|access denied|\b401\b unauthori[sz]ed|login failed for (user|service)/i,
      weight: 0.4,
    },
  ],
  throttling: [
    {
      pattern:
        /\b429\b|too many requests|rate[- ]?limit(ed|ing| exceeded)?|ThrottlingException|\bthrottl(ed|ing)\b|quota exceeded|RequestLimitExceeded/i,
      weight: 0.8,
    },
    {
      pattern: /(capacity|concurrency) (exceeded|limit)|provisioned throughput exceeded|queue (full|depth)/i,
      weight: 0.6,
    },
  ],
  network: [
    {
      pattern:
        /connection (to \S+ )?refused|\bECONNREFUSED\b|no route to host|\bEHOSTUNREACH\b|network (is )?unreachable|\bENETUNREACH\b/i,
      weight: 0.7,
    },
    {
      pattern:
        /\bENOTFOUND\b|name resolution|could not resolve host|dns (lookup|resolution) (failed|error)|\bSERVFAIL\b|NXDOMAIN/i,
      weight: 0.75,
    },
    { pattern: /connection reset by peer|\bECONNRESET\b|packet loss|broken pipe/i, weight: 0.5 },
    {
      pattern: /not accepting (tcp\/ip )?connections|primary (is )?down|database system is shutting down/i,
      weight: 0.7,
      own: true,
    },
  ],
};

/**
 * How plausibly a recent change causes errors of a kind: new code and new settings often exhaust pools or crash
 * processes, and throw errors no signature explains; they rarely fill disks or expire certificates. Weighs the link
 * from a change to errors that followed it, so a full disk after a deploy stays a full disk.
 */
export const CHANGE_LINKABLE: Readonly<Record<SymptomMode | 'generic', number>> = {
  generic: 1,
  'crash-loop': 0.6,
  'connection-exhaustion': 0.7,
  'cpu-exhaustion': 0.5,
  'memory-exhaustion': 0.4,
  throttling: 0.3,
  'dependency-failure': 0.3,
  unresponsive: 0.4,
  network: 0.25,
  'disk-exhaustion': 0.15,
  'credential-expiry': 0.15,
  'certificate-expiry': 0.05,
};

/**
 * The failure modes a text shows, each with the weight of its most specific matching signature, and whether that
 * signature describes the writer's own state.
 */
export function symptomsIn(text: string): { mode: SymptomMode; weight: number; own: boolean }[] {
  const found: { mode: SymptomMode; weight: number; own: boolean }[] = [];
  for (const [mode, signatures] of Object.entries(SIGNATURES) as [SymptomMode, readonly Signature[]][]) {
    const [best] = signatures.filter((s) => s.pattern.test(text)).sort((a, b) => b.weight - a.weight);
    if (best) found.push({ mode, weight: best.weight, own: best.own === true });
  }
  return found.sort((a, b) => b.weight - a.weight);
}

/** Change kinds (as change processes name them) that ship new code, and those that change settings. */
export function changeModeOf(kind: string): 'bad-deployment' | 'config-change' | undefined {
  const k = kind.toLowerCase();
  if (/deploy|release|rollout|upgrade|build|patch/.test(k)) return 'bad-deployment';
  if (/config|setting|flag|parameter|feature/.test(k)) return 'config-change';
  return undefined;
}

/** What would confirm a hypothesis and what would rule it out, in words a responder can act on. */
export function checksFor(
  mode: FailureMode,
  component: string,
  detail: { change?: { id: string; at: string }; example?: string; downstreamOf?: string } = {},
): { confirm: string[]; ruleOut: string[] } {
  const change = detail.change ? `${detail.change.id} (${detail.change.at})` : 'the most recent change';
  switch (mode) {
    case 'bad-deployment':
      return {
        confirm: [
          `The new errors on ${component} start right after ${change}.`,
          `The error rate of ${component} falls once it runs the previous version again.`,
        ],
        ruleOut: [
          `The same errors appear on ${component} before ${change}.`,
          `The errors persist on the previous version of ${component}.`,
        ],
      };
    case 'config-change':
      return {
        confirm: [
          `The errors on ${component} start right after ${change}.`,
          `Reverting ${change} on ${component} brings the error rate back down.`,
        ],
        ruleOut: [`The errors on ${component} predate ${change}.`, `The reverted configuration shows the same errors.`],
      };
    case 'disk-exhaustion':
      return {
        confirm: [`Disk usage of ${component} is at or near 100%.`, 'Writes fail with "No space left on device".'],
        ruleOut: [`${component} has ample free disk space and inodes.`],
      };
    case 'memory-exhaustion':
      return {
        confirm: [`${component} is OOM-killed or its memory use climbs to its limit.`],
        ruleOut: [`Memory use of ${component} is flat and well below its limit.`],
      };
    case 'connection-exhaustion':
      return {
        confirm: [`${component} has all its connections in use (used = max) while requests wait for one.`],
        ruleOut: [`${component}'s connection pool has idle connections while the errors continue.`],
      };
    case 'cpu-exhaustion':
      return {
        confirm: [`${component} runs at its CPU limit or is throttled.`],
        ruleOut: [`CPU of ${component} has headroom during the errors.`],
      };
    case 'dependency-failure':
      return {
        confirm: [
          `${component} itself is unhealthy or slow${detail.downstreamOf ? ` when ${detail.downstreamOf} calls it` : ''}.`,
          `The errors ${detail.downstreamOf ? `of ${detail.downstreamOf} ` : ''}stop when ${component} recovers.`,
        ],
        ruleOut: [`${component} answers health checks quickly while the errors continue.`],
      };
    case 'unresponsive':
      return {
        confirm: [
          `${component}'s health check times out or its requests hang (all workers busy or blocked).`,
          `The timeouts ${detail.downstreamOf ? `of ${detail.downstreamOf} ` : ''}stop once ${component} is restarted.`,
        ],
        ruleOut: [`${component} answers its health check quickly while the timeouts continue.`],
      };
    case 'crash-loop':
      return {
        confirm: [`${component} restarts repeatedly (restart count rising, CrashLoopBackOff).`],
        ruleOut: [`${component} has a stable uptime with no restarts.`],
      };
    case 'certificate-expiry':
      return {
        confirm: [`The certificate ${component} presents has expired or is about to (notAfter).`],
        ruleOut: [`The certificate of ${component} is valid for weeks more.`],
      };
    case 'credential-expiry':
      return {
        confirm: [`The credentials ${component} uses have expired or were rotated elsewhere.`],
        ruleOut: [`${component} authenticates fine with its current credentials.`],
      };
    case 'throttling':
      return {
        confirm: [`${component} answers 429 or reports throttling and its request rate is at its limit.`],
        ruleOut: [`${component} serves well below its rate limits.`],
      };
    case 'network':
      return {
        confirm: [`Connections to ${component} are refused, reset or cannot resolve its name.`],
        ruleOut: [`${component} is reachable on its port from its callers.`],
      };
    default:
      return {
        confirm: [`Reproduce the failure on ${component} and read its logs around the incident.`],
        ruleOut: [],
      };
  }
}
