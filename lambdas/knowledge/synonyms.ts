import { words } from './lexical';

/**
 * How people describe IT problems, mapped to the words runbooks use. Each entry: the phrases (any of them, matched
 * as whole words after lower-casing and dropping apostrophes) and the terms they add to the query.
 *
 * Written for this project from general IT support vocabulary; it is deliberately generic (no product or alert
 * names) so it helps any knowledge base, not one particular set of articles.
 */
export const IT_SYNONYMS: readonly { readonly phrases: readonly string[]; readonly adds: string }[] = [
  // connectivity and availability
  {
    phrases: ['cant connect', 'cannot connect', 'unable to connect', 'wont connect', 'not connecting', 'no connection'],
    adds: 'connection failed unreachable',
  },
  {
    phrases: ['down', 'not working', 'broken', 'dead', 'not responding', 'unreachable'],
    adds: 'outage unavailable failing',
  },
  {
    phrases: ['slow', 'sluggish', 'laggy', 'takes forever', 'taking ages', 'very slow'],
    adds: 'latency performance slow',
  },
  {
    phrases: ['hang', 'hangs', 'hanging', 'frozen', 'freezes', 'freezing', 'stuck'],
    adds: 'unresponsive freezing stuck',
  },
  { phrases: ['timed out', 'time out', 'times out', 'timeout', 'timeouts'], adds: 'timeout latency' },
  {
    phrases: ['keeps disconnecting', 'drops', 'dropping', 'disconnects', 'flaky', 'intermittent'],
    adds: 'intermittent disconnect',
  },
  { phrases: ['wifi', 'wi fi', 'wireless', 'internet'], adds: 'network wifi' },
  { phrases: ['vpn', 'remote access', 'work from home', 'working from home', 'wfh'], adds: 'vpn remote access tunnel' },
  {
    phrases: ['dns', 'name resolution', 'resolve', 'resolving', 'hostname', 'nslookup', 'nxdomain'],
    adds: 'dns resolution name lookup',
  },
  // identity
  {
    phrases: ['log in', 'login', 'logon', 'log on', 'sign in', 'signin', 'sign on'],
    adds: 'login sign authentication',
  },
  { phrases: ['locked out', 'lockout', 'account locked', 'locked account'], adds: 'lockout locked account password' },
  {
    phrases: [
      'forgot password',
      'forgotten password',
      'reset password',
      'password reset',
      'password expired',
      'new password',
    ],
    adds: 'password reset',
  },
  {
    phrases: ['sso', 'single sign on', 'saml', 'oidc', 'identity provider', 'idp'],
    adds: 'sso saml identity provider',
  },
  { phrases: ['mfa', '2fa', 'two factor', 'authenticator', 'otp', 'verification code'], adds: 'mfa authentication' },
  {
    phrases: ['permission denied', 'access denied', 'forbidden', '403', 'unauthorized', '401'],
    adds: 'permission access denied',
  },
  // storage, compute, memory
  {
    phrases: ['disk', 'drive', 'storage', 'no space', 'out of space', 'ran out of space', 'disk full', 'volume'],
    adds: 'disk filesystem space',
  },
  { phrases: ['inode', 'inodes', 'too many files'], adds: 'inodes files filesystem' },
  { phrases: ['memory', 'ram', 'out of memory', 'oom', 'oomkilled', 'heap'], adds: 'memory oom' },
  { phrases: ['cpu', 'processor', 'high load', 'load average', 'maxed out', 'pegged'], adds: 'cpu load utilisation' },
  // networking and security
  {
    phrases: ['cert', 'certs', 'certificate', 'certificates', 'ssl', 'tls', 'https', 'not secure', 'not private'],
    adds: 'certificate tls',
  },
  { phrases: ['expired', 'expiring', 'expires', 'expiry', 'expiration'], adds: 'expiry expired renewal' },
  { phrases: ['firewall', 'blocked port', 'port blocked', 'security group'], adds: 'firewall network blocked' },
  { phrases: ['packet loss', 'dropped packets', 'network errors'], adds: 'network packets errors' },
  { phrases: ['clock', 'time drift', 'wrong time', 'ntp', 'time sync'], adds: 'clock time synchronisation ntp' },
  // applications and platforms
  {
    phrases: ['500', '502', '503', '504', '5xx', 'server error', 'bad gateway', 'internal error'],
    adds: '5xx error server',
  },
  {
    phrases: ['deploy', 'deployed', 'deployment', 'release', 'released', 'rollout', 'new version', 'upgrade'],
    adds: 'deploy release rollout',
  },
  { phrases: ['rollback', 'roll back', 'revert'], adds: 'rollback release' },
  {
    phrases: ['crash', 'crashes', 'crashing', 'crashed', 'keeps restarting', 'restart loop', 'restarting', 'crashloop'],
    adds: 'crash restart',
  },
  {
    phrases: ['pod', 'pods', 'container', 'containers', 'k8s', 'kubernetes', 'cluster'],
    adds: 'pod container kubernetes',
  },
  { phrases: ['database', 'db', 'postgres', 'postgresql', 'mysql', 'sql', 'rds'], adds: 'database' },
  {
    phrases: ['too many connections', 'connection pool', 'pool exhausted', 'no connections available'],
    adds: 'connection pool',
  },
  { phrases: ['query', 'queries', 'report', 'reports'], adds: 'query' },
  { phrases: ['deadlock', 'lock wait', 'blocked query', 'locks'], adds: 'lock deadlock' },
  {
    phrases: ['queue', 'queues', 'backlog', 'lag', 'consumer', 'messages piling', 'not processed'],
    adds: 'queue backlog consumer',
  },
  {
    phrases: ['throttle', 'throttled', 'throttling', 'rate limit', 'rate limited', 'too many requests', '429'],
    adds: 'throttling rate limit',
  },
  { phrases: ['lambda', 'serverless', 'function'], adds: 'lambda function' },
  { phrases: ['replica', 'replication', 'out of sync'], adds: 'replication replica' },
  { phrases: ['backup', 'backups', 'restore'], adds: 'backup restore' },
  { phrases: ['config', 'configuration', 'misconfigured', 'settings'], adds: 'configuration' },
  // end-user devices and collaboration
  { phrases: ['email', 'e mail', 'mail', 'emails', 'outlook', 'inbox', 'mailbox'], adds: 'email mail delivery' },
  {
    phrases: ['bounce', 'bounced', 'bouncing', 'undeliverable', 'ndr', 'not delivered', 'spam', 'junk'],
    adds: 'bounce delivery',
  },
  { phrases: ['printer', 'print', 'printing', 'prints', 'toner', 'paper jam'], adds: 'printer print' },
  {
    phrases: ['laptop', 'computer', 'pc', 'notebook', 'macbook', 'desktop', 'workstation', 'machine'],
    adds: 'laptop computer device',
  },
  { phrases: ['blue screen', 'bsod', 'kernel panic'], adds: 'blue screen crash' },
  {
    phrases: ['wont turn on', 'wont start', 'wont boot', 'doesnt start', 'doesnt boot', 'no power', 'black screen'],
    adds: 'not starting power boot',
  },
  { phrases: ['bitlocker', 'recovery key', 'encrypted'], adds: 'bitlocker recovery key' },
];

interface CompiledEntry {
  phrases: string[][];
  adds: string[];
}

const compiled: CompiledEntry[] = IT_SYNONYMS.map((entry) => ({
  phrases: entry.phrases.map((phrase) => words(phrase)),
  adds: words(entry.adds),
}));

/**
 * Extra words for `query` from {@link IT_SYNONYMS}: the `adds` of every entry one of whose phrases occurs in the
 * query, without words the query already has. The caller searches them with a lower weight than the query itself.
 */
export function expandQuery(query: string): string[] {
  const queryWords = words(query);
  const present = new Set(queryWords);
  const added = new Set<string>();
  for (const entry of compiled) {
    if (!entry.phrases.some((phrase) => containsPhrase(queryWords, phrase))) continue;
    for (const word of entry.adds) if (!present.has(word)) added.add(word);
  }
  return [...added];
}

function containsPhrase(haystack: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= haystack.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (haystack[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
