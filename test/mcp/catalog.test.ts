import { expect } from 'chai';
import { McpServiceNotAllowedError } from '../../shared/errors/mcp-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { parseCatalog, parseCatalogServices, resolveService, secretEnvName, stringifyCatalog } from '../../shared/mcp/catalog.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { waitUntil } from '../support/harness.js';
import { connectClient, type ClientSession } from './support/endpoint-client.js';
import { startTestEndpoints } from './support/endpoint-host.js';
import { testEngine } from './support/engine.js';

const EXAMPLE = `
[services.github]
image = "ghcr.io/github/github-mcp-server:1.2"
description = "GitHub issues and pull requests"
command = ["stdio"]
agents = ["reviewer", "triage"]
network = { internal = "nox-mcp" }

[services.github.env]
GITHUB_TOOLSETS = "issues,pull_requests"
GITHUB_PERSONAL_ACCESS_TOKEN = { secret = "github-token" }

[services.github.limits]
memory_mb = 512

[services.fetch]
image = "mcp/fetch:latest"
agents = ["*"]
`;

const defaults = { memoryMb: 256, cpus: 0.5, pids: 128 };

function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('mcp catalog: mcp-services.toml', function () {
  this.timeout(60_000);

  it('parses services with their defaults and resolves one for an agent, secrets as references', () => {
    const catalog = parseCatalog(EXAMPLE);
    expect(Object.keys(catalog.services)).to.deep.equal(['github', 'fetch']);
    const fetch = catalog.services.fetch!;
    expect(fetch).to.include({ network: 'none', read_only_root: 'auto', description: '' });

    const { spec, secrets } = resolveService('github', catalog.services.github!, { agentId: 'reviewer', hostId: 'h1', defaults });
    expect(secrets).to.deep.equal(['github-token']);
    expect(spec.env).to.deep.equal({
      GITHUB_TOOLSETS: 'issues,pull_requests',
      GITHUB_PERSONAL_ACCESS_TOKEN: { fromEnv: 'NOX_SECRET_GITHUB_TOKEN' },
    });
    expect(spec.limits).to.deep.equal({ memoryMb: 512, cpus: 0.5, pids: 128 });
    expect(spec).to.include({ agentId: 'reviewer', service: 'github', hostId: 'h1', image: 'ghcr.io/github/github-mcp-server:1.2' });
    expect(spec.network).to.deep.equal({ internal: 'nox-mcp' });
    expect(spec.command).to.deep.equal(['stdio']);
  });

  it('refuses a credential written inline, naming the field', () => {
    const err = rejection(() =>
      parseCatalog(`[services.gh]\nimage = "x"\nagents = ["*"]\n[services.gh.env]\nGITHUB_TOKEN = "ghp_abc123"\n`),
    );
    expect(err.issues[0]!.path).to.equal('services.gh.env.GITHUB_TOKEN');
    expect(err.message).to.match(/secret/);
    expect(err.message).to.not.include('ghp_abc123');
  });

  it('refuses a service that names no agents, bad names, unknown keys and broken TOML', () => {
    expect(rejection(() => parseCatalog(`[services.x]\nimage = "x"\nagents = []\n`)).issues[0]!.path).to.equal('services.x.agents');
    expect(rejection(() => parseCatalog(`[services.x]\nimage = "x"\n`)).issues[0]!.path).to.equal('services.x.agents');
    expect(rejection(() => parseCatalog(`[services.Bad_Name]\nimage = "x"\nagents = ["*"]\n`)).issues[0]!.path).to.match(/^services/);
    expect(rejection(() => parseCatalog(`[services.x]\nimage = "x"\nagents = ["*"]\nprivileged = true\n`)).issues[0]!.code).to.equal('unrecognized_keys');
    expect(rejection(() => parseCatalog(`[services.x]\nlimits = { memory_mb = 1 }\nimage = "x"\nagents = ["*"]\n`)).issues[0]!.path).to.equal('services.x.limits.memory_mb');
    expect(rejection(() => parseCatalog('[services.x\n')).message).to.match(/not valid TOML/);
  });

  it('refuses an agent the service does not allow (nox:mcp-service-not-allowed); "*" allows all', () => {
    const catalog = parseCatalog(EXAMPLE);
    let err: unknown;
    try {
      resolveService('github', catalog.services.github!, { agentId: 'intruder', hostId: 'h1', defaults });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(McpServiceNotAllowedError);
    expect((err as McpServiceNotAllowedError).code).to.equal('nox:mcp-service-not-allowed');
    expect((err as McpServiceNotAllowedError).status).to.equal(403);
    expect(resolveService('fetch', catalog.services.fetch!, { agentId: 'anyone', hostId: 'h1', defaults }).spec.agentId).to.equal('anyone');
  });

  it('round-trips through TOML text and the registry reader’s tables', () => {
    const catalog = parseCatalog(EXAMPLE);
    const again = parseCatalog(stringifyCatalog(catalog));
    expect(again).to.deep.equal(catalog);
    expect(parseCatalogServices(catalog.services as Record<string, unknown>)).to.deep.equal(catalog);
  });

  it('runs a resolved catalog entry through an agent’s endpoint, its secret arriving only from the host', async () => {
    const { engine, image } = await testEngine();
    const t = await startTestEndpoints();
    const catalog = parseCatalog(`
[services.echo]
image = "${image}"
agents = ["a-cat"]
mounts = [{ source = "${NODE_MOUNT.source}", target = "/usr/bin/node" }]
[services.echo.env]
API_TOKEN = { secret = "echo-token" }
[services.echo.limits]
pids = 48
`);
    const { spec, secrets } = resolveService('echo', catalog.services.echo!, { agentId: 'a-cat', hostId: t.hostId, defaults });
    const { servers } = t.open('a-cat', { echo: { spec, sourceEnv: { [secretEnvName(secrets[0]!)]: 'tok-from-vault' } } });
    expect(JSON.stringify(servers.echo)).to.not.include('tok-from-vault');
    let session: ClientSession | undefined;
    try {
      session = await connectClient(servers.echo!);
      const { client } = session;
      const token = await client.callTool({ name: 'env', arguments: { name: 'API_TOKEN' } });
      expect(token.content).to.deep.equal([{ type: 'text', text: 'tok-from-vault' }]);
      const [container] = await listManagedContainers(engine, { host: t.hostId, agent: 'a-cat' });
      const info = await engine.docker.getContainer(container!.id).inspect();
      expect(info.HostConfig.PidsLimit).to.equal(48);
      expect(info.HostConfig.Memory).to.equal(256 * 1024 * 1024);

      await session.client.close();
      // The session removed its container when the connection ended.
      await waitUntil(async () => (await listManagedContainers(engine, { host: t.hostId })).length === 0, 30_000, 200);
    } finally {
      await session?.client.close().catch(() => undefined);
      await t.cleanup();
    }
  });
});
