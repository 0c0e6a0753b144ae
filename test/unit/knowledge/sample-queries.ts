/**
 * Queries written for the project's own sample knowledge base (`knowledge/`), each with the article a responder
 * needs. `ticket` queries are phrased the way people write to a service desk, `alert` queries the way monitoring
 * writes. Used by the unit tests and by `bench/knowledge.ts` to choose ranking defaults.
 */
export interface LabelledQuery {
  query: string;
  kind: 'ticket' | 'alert';
  expected: string;
}

export const SAMPLE_QUERIES: LabelledQuery[] = [
  // disk full
  {
    kind: 'ticket',
    query: 'the build server says no space left when we try to deploy',
    expected: 'linux/disk-full.md',
  },
  { kind: 'ticket', query: 'app01 ran out of disk, logs cannot be written', expected: 'linux/disk-full.md' },
  { kind: 'alert', query: 'FilesystemUsageCritical: /var on web-03 is 97% full', expected: 'linux/disk-full.md' },
  // cpu
  {
    kind: 'ticket',
    query: 'the reporting server is extremely sluggish and the fans are screaming',
    expected: 'linux/high-cpu.md',
  },
  {
    kind: 'alert',
    query: 'ServerCpuTooHigh: CPU utilization above 90% for 10 minutes on i-0abc',
    expected: 'linux/high-cpu.md',
  },
  { kind: 'alert', query: 'HostHighLoadAverage load average 24 on 8 cores', expected: 'linux/high-cpu.md' },
  // memory
  {
    kind: 'ticket',
    query: 'our java service dies every night and the logs say heap space',
    expected: 'linux/memory-leak-oom.md',
  },
  {
    kind: 'alert',
    query: 'ContainerOOMKilled: container api in pod checkout-7f9 terminated with exit code 137',
    expected: 'linux/memory-leak-oom.md',
  },
  {
    kind: 'ticket',
    query: 'memory usage keeps climbing until the process gets killed',
    expected: 'linux/memory-leak-oom.md',
  },
  // connection pool
  {
    kind: 'ticket',
    query: 'checkout fails with "too many clients already" from postgres',
    expected: 'database/connection-pool-exhaustion.md',
  },
  {
    kind: 'alert',
    query: 'RDSConnectionsHigh: DatabaseConnections at 100% of max_connections',
    expected: 'database/connection-pool-exhaustion.md',
  },
  {
    kind: 'ticket',
    query: 'app hangs for exactly 30 seconds then errors: timeout acquiring a connection',
    expected: 'database/connection-pool-exhaustion.md',
  },
  // slow queries
  {
    kind: 'ticket',
    query: 'the customer search page takes forever to load since the data migration',
    expected: 'database/slow-queries.md',
  },
  {
    kind: 'alert',
    query: 'PostgresLongRunningQuery: query running for more than 300 seconds',
    expected: 'database/slow-queries.md',
  },
  {
    kind: 'ticket',
    query: 'we keep getting deadlock detected errors when saving orders',
    expected: 'database/slow-queries.md',
  },
  // certificates
  {
    kind: 'ticket',
    query: 'chrome says your connection is not private when opening the customer portal',
    expected: 'security/certificate-expiry.md',
  },
  {
    kind: 'alert',
    query: 'SSLCertExpiringSoon: certificate for api.example.com expires in 5 days',
    expected: 'security/certificate-expiry.md',
  },
  {
    kind: 'ticket',
    query: 'partner integration fails with x509 certificate has expired',
    expected: 'security/certificate-expiry.md',
  },
  // dns
  {
    kind: 'ticket',
    query: 'intranet does not open by name but works with the IP address',
    expected: 'network/dns-resolution-failures.md',
  },
  {
    kind: 'alert',
    query: 'CoreDNSErrorsHigh: SERVFAIL responses above 5%',
    expected: 'network/dns-resolution-failures.md',
  },
  {
    kind: 'ticket',
    query: 'services randomly fail with getaddrinfo EAI_AGAIN',
    expected: 'network/dns-resolution-failures.md',
  },
  // 5xx after deploy
  {
    kind: 'ticket',
    query: 'since the release this afternoon customers get "something went wrong" at checkout',
    expected: 'application/api-5xx-after-deploy.md',
  },
  {
    kind: 'alert',
    query: 'ApiGateway5XXErrorRate above 5% for 5 minutes after deployment v2.14',
    expected: 'application/api-5xx-after-deploy.md',
  },
  {
    kind: 'alert',
    query: 'HTTPCode_Target_5XX_Count high on orders-alb, 502 Bad Gateway',
    expected: 'application/api-5xx-after-deploy.md',
  },
  // crashloop
  {
    kind: 'alert',
    query: 'KubePodCrashLooping: pod payments/api-5d8 is restarting 4 times / 10 minutes',
    expected: 'kubernetes/pod-crashloopbackoff.md',
  },
  {
    kind: 'ticket',
    query: 'my pod keeps restarting with back-off restarting failed container',
    expected: 'kubernetes/pod-crashloopbackoff.md',
  },
  {
    kind: 'ticket',
    query: 'new deployment stuck, containers die right after start with exec format error',
    expected: 'kubernetes/pod-crashloopbackoff.md',
  },
  // queue backlog
  {
    kind: 'alert',
    query: 'SQSOldestMessageAge: ApproximateAgeOfOldestMessage 1800 seconds on orders-queue',
    expected: 'messaging/queue-backlog.md',
  },
  {
    kind: 'ticket',
    query: 'order confirmation emails arrive hours late, messages are piling up',
    expected: 'messaging/queue-backlog.md',
  },
  {
    kind: 'alert',
    query: 'KafkaConsumerLagHigh: consumer group billing lag 250000',
    expected: 'messaging/queue-backlog.md',
  },
  // vpn
  { kind: 'ticket', query: "my laptop can't connect to the vpn since this morning", expected: 'network/vpn-access.md' },
  {
    kind: 'ticket',
    query: 'working from home and I cannot reach any internal sites',
    expected: 'network/vpn-access.md',
  },
  { kind: 'ticket', query: 'globalprotect keeps dropping every few minutes', expected: 'network/vpn-access.md' },
  // password / lockout
  {
    kind: 'ticket',
    query: 'I forgot my password and now my account is locked',
    expected: 'identity/password-reset-account-lockout.md',
  },
  {
    kind: 'ticket',
    query: 'my account keeps getting locked every morning even after reset',
    expected: 'identity/password-reset-account-lockout.md',
  },
  {
    kind: 'alert',
    query: 'Many accounts locked out: event 4740 from 35 users in 10 minutes',
    expected: 'identity/password-reset-account-lockout.md',
  },
  // email
  {
    kind: 'ticket',
    query: 'customers are not receiving our invoices by email, some bounced back',
    expected: 'email/email-delivery-failures.md',
  },
  {
    kind: 'ticket',
    query: 'our newsletter goes straight to spam at gmail',
    expected: 'email/email-delivery-failures.md',
  },
  { kind: 'alert', query: 'SESBounceRateHigh: bounce rate 6.2%', expected: 'email/email-delivery-failures.md' },
  // printer
  {
    kind: 'ticket',
    query: 'printer on the second floor shows offline and my documents are stuck in the queue',
    expected: 'end-user/printer-not-printing.md',
  },
  {
    kind: 'ticket',
    query: 'nothing comes out of the printer when I print',
    expected: 'end-user/printer-not-printing.md',
  },
  // laptop
  {
    kind: 'ticket',
    query: 'my computer is really slow and freezes all the time',
    expected: 'end-user/laptop-slow-or-not-starting.md',
  },
  {
    kind: 'ticket',
    query: "laptop won't turn on after the update, just a black screen",
    expected: 'end-user/laptop-slow-or-not-starting.md',
  },
  {
    kind: 'ticket',
    query: 'it is asking me for a bitlocker recovery key',
    expected: 'end-user/laptop-slow-or-not-starting.md',
  },
  // sso
  {
    kind: 'ticket',
    query: 'nobody can log in to the expense app, it says SAML response signature is invalid',
    expected: 'identity/sso-login-failures.md',
  },
  {
    kind: 'ticket',
    query: 'after clicking sign in with Okta the page just loops back to the login',
    expected: 'identity/sso-login-failures.md',
  },
  {
    kind: 'ticket',
    query: 'AADSTS50011 redirect URI does not match when signing in to the HR portal',
    expected: 'identity/sso-login-failures.md',
  },
  // lambda
  {
    kind: 'alert',
    query: 'LambdaThrottles: function order-processor Throttles > 0 for 5 minutes',
    expected: 'aws/lambda-throttling-timeouts.md',
  },
  {
    kind: 'ticket',
    query: 'our serverless function keeps hitting Task timed out after 30 seconds',
    expected: 'aws/lambda-throttling-timeouts.md',
  },
  {
    kind: 'ticket',
    query: 'API returns 429 rate exceeded from the lambda backend during the sale',
    expected: 'aws/lambda-throttling-timeouts.md',
  },
  // paraphrases that avoid the articles' own vocabulary
  {
    kind: 'ticket',
    query: 'the website shows a scary security warning before the home page',
    expected: 'security/certificate-expiry.md',
  },
  {
    kind: 'ticket',
    query: 'the server disk is completely filled up by huge log files',
    expected: 'linux/disk-full.md',
  },
  {
    kind: 'ticket',
    query: 'the machine room server is maxed out and everything on it crawls',
    expected: 'linux/high-cpu.md',
  },
  {
    kind: 'ticket',
    query: 'the web shop throws errors for everyone since the new version went live',
    expected: 'application/api-5xx-after-deploy.md',
  },
  {
    kind: 'ticket',
    query: 'home office: the company network is unreachable from my house',
    expected: 'network/vpn-access.md',
  },
  {
    kind: 'ticket',
    query: 'I typed my password wrong too many times and now I am blocked',
    expected: 'identity/password-reset-account-lockout.md',
  },
  {
    kind: 'ticket',
    query: 'mails we send to customers come back as undeliverable',
    expected: 'email/email-delivery-failures.md',
  },
  {
    kind: 'ticket',
    query: 'the paper tray is fine but my document never comes out',
    expected: 'end-user/printer-not-printing.md',
  },
  {
    kind: 'ticket',
    query: 'my notebook got a blue screen twice today',
    expected: 'end-user/laptop-slow-or-not-starting.md',
  },
  {
    kind: 'ticket',
    query: 'the corporate login page for the wiki keeps redirecting in circles',
    expected: 'identity/sso-login-failures.md',
  },
  {
    kind: 'ticket',
    query: 'background jobs are hours behind and work is waiting to be picked up',
    expected: 'messaging/queue-backlog.md',
  },
  {
    kind: 'ticket',
    query: 'the application cannot get a free database session during peak hours',
    expected: 'database/connection-pool-exhaustion.md',
  },
  {
    kind: 'ticket',
    query: 'the monthly report query now runs for minutes instead of seconds',
    expected: 'database/slow-queries.md',
  },
  {
    kind: 'ticket',
    query: 'the service gets killed by the kernel when it uses too much ram',
    expected: 'linux/memory-leak-oom.md',
  },
  {
    kind: 'ticket',
    query: 'hostnames stopped resolving for the payment provider',
    expected: 'network/dns-resolution-failures.md',
  },
  {
    kind: 'ticket',
    query: 'the container dies on start up and kubernetes starts it again and again',
    expected: 'kubernetes/pod-crashloopbackoff.md',
  },
  {
    kind: 'ticket',
    query: 'the upload function gives up after the time limit on big files',
    expected: 'aws/lambda-throttling-timeouts.md',
  },
];
