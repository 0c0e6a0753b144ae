import { z } from 'zod';

/**
 * Faults the drills inject into estate services (`POST /admin/faults`). Each kind names the admin action that fixes
 * it, so a runbook that picks the wrong action leaves the service broken, as it would in production.
 */
export const FaultSpec = z.discriminatedUnion('kind', [
  /** A new version that answers 5xx. Fixed by rollback; a restart brings the same bad version back. */
  z.object({
    kind: z.literal('bad-deploy'),
    version: z.string().optional(),
    change: z.string().optional(),
    by: z.string().default('ci-pipeline'),
    summary: z.string().optional(),
    errorRate: z.number().min(0).max(1).default(0.4),
  }),
  /** The process exits at start (CrashLoopBackOff). Fixed by restart. */
  z.object({ kind: z.literal('crash-loop'), exitCode: z.number().int().default(137) }),
  /** Heap grows until out of memory. Fixed by restart. */
  z.object({ kind: z.literal('memory-leak'), percentPerMinute: z.number().positive().default(120) }),
  /** Disk fills up (logs, WAL, temp files). Fixed by free-disk. */
  z.object({ kind: z.literal('disk-fill'), percentPerMinute: z.number().positive().default(150) }),
  /** A config change shrinks the connection pool until it is exhausted. Fixed by config rollback. */
  z.object({
    kind: z.literal('pool-exhaustion'),
    key: z.string().default('pool.maxSize'),
    to: z.number().int().min(1).default(20),
    change: z.string().optional(),
    by: z.string().default('config-pipeline'),
  }),
  /** Worker threads block: requests time out. Dependents see it as a dependency timing out. Fixed by restart. */
  z.object({ kind: z.literal('hang'), latencyMs: z.number().int().positive().default(30_000) }),
  /** The serving certificate is close to (or past) expiry. Fixed by rotate-certificate. */
  z.object({ kind: z.literal('certificate-expiry'), daysLeft: z.number().default(3) }),
  /** A credential the service uses has expired (it cannot log in to its database). Fixed by rotate-certificate. */
  z.object({ kind: z.literal('credential-expiry'), credential: z.string().default('db-password') }),
  /** Health flips between good and bad; stops by itself after `durationSeconds`. A restart also ends it. */
  z.object({
    kind: z.literal('flapping'),
    periodSeconds: z.number().positive().default(24),
    durationSeconds: z.number().positive().default(90),
  }),
  /** The database primary is down; the standby is in sync. Fixed by failover. */
  z.object({ kind: z.literal('primary-down') }),
  /** A feature flag turned on breaks requests. Fixed by turning the flag off. */
  z.object({
    kind: z.literal('feature-flag'),
    flag: z.string().min(1),
    errorRate: z.number().min(0).max(1).default(0.3),
    change: z.string().optional(),
    by: z.string().optional(),
  }),
  /** Traffic beyond capacity saturates connections. Fixed by scaling to `factor` x the replicas. */
  z.object({ kind: z.literal('load'), factor: z.number().min(1.1).default(2) }),
]);
export type FaultSpec = z.infer<typeof FaultSpec>;
export type FaultKind = FaultSpec['kind'];

/** Admin actions of the estate contract. */
export type AdminAction =
  | 'restart'
  | 'rollback'
  | 'scale'
  | 'free-disk'
  | 'rotate-certificate'
  | 'failover'
  | 'feature-flag'
  | 'config-rollback';

/** Which admin action clears each fault kind (feature-flag and load are cleared by their own conditions). */
export const FIXED_BY: Record<FaultKind, AdminAction> = {
  'bad-deploy': 'rollback',
  'crash-loop': 'restart',
  'memory-leak': 'restart',
  'disk-fill': 'free-disk',
  'pool-exhaustion': 'config-rollback',
  hang: 'restart',
  'certificate-expiry': 'rotate-certificate',
  'credential-expiry': 'rotate-certificate',
  flapping: 'restart',
  'primary-down': 'failover',
  'feature-flag': 'feature-flag',
  load: 'scale',
};
