import { DrainMiner, templateText } from '../../../lambdas/agents/log-analysis/drain';
import { parseLogLine } from '../../../lambdas/agents/log-analysis/log-header';
import { applyMasker, MASKERS, maskVariables } from '../../../lambdas/agents/log-analysis/masking';

describe('header detection', () => {
  it.each([
    [
      'syslog (RFC 3164)',
      'Mar  7 09:12:01 web-01 sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port 52211 ssh2',
      { timestamp: 'Mar  7 09:12:01', host: 'web-01', component: 'sshd', pid: '4242' },
      'Accepted publickey for deploy from 10.1.2.3 port 52211 ssh2',
    ],
    [
      'syslog (RFC 5424)',
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su 8710 ID47 - 'su root' failed on /dev/pts/8",
      { timestamp: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', component: 'su', pid: '8710' },
      "'su root' failed on /dev/pts/8",
    ],
    [
      'ISO 8601 with a level',
      '2026-11-20T10:00:01.123Z ERROR payment declined for order 4411',
      { timestamp: '2026-11-20T10:00:01.123Z', level: 'ERROR' },
      'payment declined for order 4411',
    ],
    [
      'Apache/nginx access log',
      '192.168.1.20 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 200 2326 "-" "Mozilla/5.0"',
      { host: '192.168.1.20', timestamp: '10/Oct/2000:13:55:36 -0700' },
      '"GET /index.html HTTP/1.0" 200 2326 "-" "Mozilla/5.0"',
    ],
    [
      'an ingress access log led by its timestamp',
      '2026-11-20T10:00:00.000Z 10.0.0.5 - - "GET /api/cart HTTP/1.1" 200 512 "-" "curl/8.0" rt=0.035',
      { timestamp: '2026-11-20T10:00:00.000Z', host: '10.0.0.5' },
      '"GET /api/cart HTTP/1.1" 200 512 "-" "curl/8.0" rt=0.035',
    ],
    [
      'nginx error log',
      '2026-11-20T10:00:00.000Z [error] 1234#0: *7 upstream timed out, server: checkout',
      { timestamp: '2026-11-20T10:00:00.000Z', level: 'error' },
      '*7 upstream timed out, server: checkout',
    ],
    [
      'Apache error log',
      '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration',
      { timestamp: 'Wed Oct 11 14:32:52 2000', level: 'error', thread: 'client 127.0.0.1' },
      'client denied by server configuration',
    ],
    [
      'log4j with thread and logger',
      '2026-11-20 10:00:01,123 [http-nio-8080-exec-3] WARN  com.shop.cart.CartService - Cart 881 exceeds the limit',
      {
        timestamp: '2026-11-20 10:00:01,123',
        thread: 'http-nio-8080-exec-3',
        level: 'WARN',
        component: 'com.shop.cart.CartService',
      },
      'Cart 881 exceeds the limit',
    ],
    [
      'logback default',
      '10:00:01.123 [main] ERROR c.s.cart.CartService - Cart total failed',
      { timestamp: '10:00:01.123', thread: 'main', level: 'ERROR', component: 'c.s.cart.CartService' },
      'Cart total failed',
    ],
    [
      'Hadoop/Spark style with a logger and a colon',
      '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster',
      { level: 'INFO', thread: 'main', component: 'org.apache.hadoop.mapreduce.v2.app.MRAppMaster' },
      'Created MRAppMaster',
    ],
    [
      'Windows CBS columns',
      '2026-11-20 10:00:01, Error                 CBS    Failed to resolve package',
      { timestamp: '2026-11-20 10:00:01', level: 'Error', component: 'CBS' },
      'Failed to resolve package',
    ],
    [
      'Python logging, asctime - name - level',
      '2026-11-20 10:00:01,123 - shop.payments - ERROR - Card processor timed out',
      { timestamp: '2026-11-20 10:00:01,123', level: 'ERROR' },
      'Card processor timed out',
    ],
    [
      'Python logging, basicConfig default',
      'ERROR:shop.payments:Card processor timed out',
      { level: 'ERROR', component: 'shop.payments' },
      'Card processor timed out',
    ],
    [
      'Go standard log',
      '2026/11/20 10:00:01 http: TLS handshake error from 10.0.0.9:5123: EOF',
      { timestamp: '2026/11/20 10:00:01', component: 'http' },
      'TLS handshake error from 10.0.0.9:5123: EOF',
    ],
    [
      'glog',
      'I1120 10:00:01.123456    4242 server.go:88] Serving on :8080',
      { level: 'INFO', pid: '4242', component: 'server.go:88' },
      'Serving on :8080',
    ],
    [
      'Android logcat',
      '03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs opening app',
      { timestamp: '03-17 16:13:38.811', level: 'D', component: 'WindowManager' },
      'printFreezingDisplayLogs opening app',
    ],
    [
      'JSON lines',
      '{"level":"error","time":"2026-11-20T10:00:01Z","msg":"payment declined","order":4411}',
      { timestamp: '2026-11-20T10:00:01Z', level: 'error' },
      'payment declined',
    ],
    [
      'logfmt',
      'time="2026-11-20T10:00:01Z" level=warning msg="disk almost full" path=/var/lib',
      { timestamp: '2026-11-20T10:00:01Z', level: 'warning' },
      'disk almost full',
    ],
    [
      'AWS Lambda runtime line',
      '2026-11-20T10:00:01.123Z\t3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718\tERROR\tInvoke Error {"errorType":"TypeError"}',
      { timestamp: '2026-11-20T10:00:01.123Z', level: 'ERROR' },
      'Invoke Error {"errorType":"TypeError"}',
    ],
    [
      'pipe-delimited fields',
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      { timestamp: '20171223-22:15:29:606' },
      'onStandStepChanged 3579',
    ],
  ])('reads the header of %s', (_format, line, header, content) => {
    const parsed = parseLogLine(line);
    expect(parsed.header).toMatchObject(header);
    expect(parsed.content).toBe(content);
  });

  it('leaves a line without a header whole, even when it starts with a capitalised word and a level word', () => {
    expect(parseLogLine('Payment declined for order 4411')).toEqual({
      header: {},
      content: 'Payment declined for order 4411',
    });
    expect(parseLogLine('Link error on port 3').content).toBe('Link error on port 3');
  });

  it('never takes the whole line for a header', () => {
    expect(parseLogLine('2026-11-20T10:00:01Z warning').content).toBe('warning');
  });

  it('reads the first line of a Java stack trace like any other line', () => {
    const parsed = parseLogLine(
      '2026-11-20 10:00:01,123 ERROR [main] com.shop.Cart: total failed java.lang.NullPointerException',
    );
    expect(parsed.header.level).toBe('ERROR');
    expect(parsed.content).toBe('total failed java.lang.NullPointerException');
  });
});

describe('maskers', () => {
  const masker = (placeholder: string) => MASKERS.filter((m) => m.placeholder === placeholder);
  const mask = (placeholder: string, text: string) => masker(placeholder).reduce((out, m) => applyMasker(out, m), text);

  it.each([
    ['<URL>', 'fetch https://api.example.com/v1/orders?id=5 failed', 'fetch <URL> failed'],
    ['<EMAIL>', 'mail to ops@example.com bounced', 'mail to <EMAIL> bounced'],
    ['<UUID>', 'request 3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718 done', 'request <UUID> done'],
    [
      '<TIME>',
      'at 2026-11-20T10:00:00.123+01:00 and Sun Jul 17 15:25:06 2005 and 13:55:36',
      'at <TIME> and <TIME> and <TIME>',
    ],
    ['<IP>', 'from 10.0.0.7:443 and fe80::1 and 2001:db8:0:0:0:0:2:1', 'from <IP> and <IP> and <IP>'],
    ['<MAC>', 'station 00:1a:2b:3c:4d:5e joined', 'station <MAC> joined'],
    ['<PATH>', 'open /var/log/app.log and C:\\Windows\\system32\\x.dll', 'open <PATH> and <PATH>'],
    ['<HOST>', 'to db-01.prod.example.com:5432 and github.com via chrome.exe', 'to <HOST> and <HOST> via chrome.exe'],
    ['<HEX>', 'at 0x7fff1234 checksum deadbeef1234', 'at <HEX> checksum <HEX>'],
    ['<NUM>', 'took 35ms, read 1.2 KB in 10 sec, 42 rows, 99%', 'took <NUM>, read <NUM> in <NUM>, <NUM> rows, <NUM>'],
    [
      '<ID>',
      'block blk_-1234 on node-246 for t761 via SOCKS5 on eth0',
      'block <ID> on <ID> for <ID> via SOCKS5 on eth0',
    ],
  ])('%s masks its kind of value and nothing else', (placeholder, text, expected) => {
    expect(mask(placeholder, text)).toBe(expected);
  });

  it('keeps names of code apart from host names', () => {
    expect(maskVariables('action android.intent.action.SCREEN_ON in org.example.Main')).toBe(
      'action android.intent.action.SCREEN_ON in org.example.Main',
    );
  });

  it('reads dot leaders as a separator between a key and its value', () => {
    expect(maskVariables('store operation.............1')).toBe('store operation <NUM>');
  });

  it('masks a line with every kind of value in order, most specific first', () => {
    expect(maskVariables('GET https://a.example.com/x?id=5 from 10.0.0.7:443 at 2026-11-20T10:00:00Z took 35ms')).toBe(
      'GET <URL> from <IP> at <TIME> took <NUM>',
    );
  });
});

describe('template mining', () => {
  it('merges lines that differ only in a variable', () => {
    const miner = new DrainMiner();
    const a = miner.add('Accepted password for root from 10.0.0.1 port 5022 ssh2');
    const b = miner.add('Accepted password for root from 10.0.0.2 port 6022 ssh2');
    expect(miner.resolve(b)).toBe(miner.resolve(a));
    expect(templateText(miner.resolve(a))).toBe('Accepted password for root from <IP> port <NUM> ssh2');
  });

  it('keeps lines that differ in a constant word apart', () => {
    const miner = new DrainMiner();
    const id = '3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718';
    const ids = ['Resumed', 'Started', 'Paused', 'Started', 'Resumed', 'Paused'].map(
      (state) => miner.resolve(miner.add(`[instance: ${id}] VM ${state} (Lifecycle Event)`)).id,
    );
    expect(new Set(ids).size).toBe(3);
    expect(ids[1]).toBe(ids[3]);
  });

  it('takes a word position for a variable once it has shown many different words', () => {
    const miner = new DrainMiner();
    const users = ['admin', 'oracle', 'test', 'guest', 'ubuntu'];
    const templates = users.map((user) => miner.add(`Invalid user ${user} from 10.0.0.${user.length}`));
    const resolved = new Set(templates.map((t) => miner.resolve(t).id));
    expect(resolved.size).toBe(1);
    expect(templateText(miner.resolve(templates[0]!))).toBe('Invalid user <*> from <IP>');
    expect(miner.templates).toHaveLength(1);
  });

  it('treats a run of values of varying length as one variable', () => {
    const miner = new DrainMiner();
    const a = miner.add('close, 303 bytes sent, 275 bytes received, lifetime 00:01');
    const b = miner.add('close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02');
    expect(miner.resolve(b)).toBe(miner.resolve(a));
  });

  it('mines a raw line like its message: the header never splits or joins groups', () => {
    const miner = new DrainMiner();
    const a = miner.add('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown');
    const b = miner.add('Jul  2 04:01:22 other-host sshd(pam_unix)[23]: check pass; user unknown');
    const c = miner.add('Jun 14 15:16:02 combo sshd(pam_unix)[19939]: session opened for user root by (uid=0)');
    expect(miner.resolve(b)).toBe(miner.resolve(a));
    expect(miner.resolve(c)).not.toBe(miner.resolve(a));
    expect(templateText(miner.resolve(a))).toBe('check pass; user unknown');
  });

  it('reads a line only up to its length limit, so a runaway line is cut rather than mined whole', () => {
    const miner = new DrainMiner({ maxLineLength: 40 });
    const head = 'upload failed for customer archive, size';
    const a = miner.add(`${head} ${'x'.repeat(5000)}`);
    const b = miner.add(`${head} ${'y'.repeat(3000)} and more`);
    expect(miner.resolve(b)).toBe(miner.resolve(a));
    expect(templateText(miner.resolve(a))).toBe(head);
  });

  it('mines the whole line when asked not to look for a header', () => {
    const miner = new DrainMiner({ parseHeaders: false });
    expect(templateText(miner.add('ERROR disk full'))).toBe('ERROR disk full');
  });
});
