import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadEstateDefinition } from '../../../estate/definition';
import { type GovernanceConfig, loadGovernanceConfig } from '../../../lambdas/governance/governance-config';

const root = join(__dirname, '../../..');
const topology = JSON.parse(readFileSync(join(root, 'local/fixtures/topology.json'), 'utf8')) as {
  services: { id: string; aliases?: string[] }[];
};
const catalogue = JSON.parse(readFileSync(join(root, 'catalogue/service-catalogue.json'), 'utf8')) as {
  items: { id: string; service?: string }[];
};
const estate = loadEstateDefinition();
const topologyIds = new Set(topology.services.map((s) => s.id));
const aliases = new Set(topology.services.flatMap((s) => s.aliases ?? []));

/** Every service name a governance configuration uses, with where it uses it. */
function namedServices(config: Partial<GovernanceConfig>, source: string): { name: string; where: string }[] {
  const named: { name: string; where: string }[] = [];
  for (const name of Object.keys(config.services ?? {})) named.push({ name, where: `${source} services` });
  for (const freeze of config.freezes ?? [])
    for (const name of freeze.services ?? []) named.push({ name, where: `${source} freeze '${freeze.name}'` });
  for (const rule of config.routing?.alarmTickets ?? [])
    for (const name of rule.services ?? []) named.push({ name, where: `${source} routing.alarmTickets` });
  return named.filter((n) => n.name !== '*');
}

const stageDir = join(root, 'policies/stages');
const sources: [string, Partial<GovernanceConfig>][] = [
  ['policies/governance.yaml', loadGovernanceConfig({ dir: join(root, 'policies') })],
  ...readdirSync(stageDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f): [string, Partial<GovernanceConfig>] => [
      `policies/stages/${f}`,
      (parseYaml(readFileSync(join(stageDir, f), 'utf8')) ?? {}) as Partial<GovernanceConfig>,
    ]),
  ['estate/estate.yaml governance.drill', estate.governance.drill as Partial<GovernanceConfig>],
];

describe('service names in governance', () => {
  it.each(sources)('every service %s names is a topology service under its canonical name', (source, config) => {
    const unknown = namedServices(config, source)
      .filter((n) => !topologyIds.has(n.name))
      .map((n) => `${n.name} (${n.where}${aliases.has(n.name) ? ': an alias, use the canonical name' : ''})`);
    expect(unknown).toEqual([]);
  });

  it('lists every estate service, so each one has a domain and an environment', () => {
    const governed = Object.keys(loadGovernanceConfig({ dir: join(root, 'policies') }).services);
    expect(Object.keys(estate.services).filter((name) => !governed.includes(name))).toEqual([]);
  });

  it('covers the service every catalogue item acts on', () => {
    const governed = loadGovernanceConfig({ dir: join(root, 'policies') }).services;
    const missing = catalogue.items
      .filter((item) => item.service !== undefined && !(item.service in governed && topologyIds.has(item.service)))
      .map((item) => `${item.id}: ${item.service}`);
    expect(catalogue.items.some((item) => item.service)).toBe(true);
    expect(missing).toEqual([]);
  });

  it('flags an alias used in place of the canonical name', () => {
    const named = namedServices(
      { services: { 'laptop-fleet': { domain: 'end-user', environment: 'production', targets: {} } } },
      'test',
    );
    expect(named.filter((n) => !topologyIds.has(n.name)).map((n) => n.name)).toEqual(['laptop-fleet']);
    expect(aliases.has('laptop-fleet')).toBe(true);
  });
});
