import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { McpImageCheckError, McpRegistryUnreachableError } from '../../shared/errors/mcp-errors.js';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import { checkImage, installImage } from '../../workers/mcp/engine/install.js';
import { testRootfsTar } from '../fixtures/mcp/build-image.js';
import { testEngine } from './support/engine.js';

/** The engine half of installing a service image: fetch, check, and leave nothing behind on refusal. */
describe('mcp install: import or pull, then check', function () {
  this.timeout(60_000);
  const refs: string[] = [];
  let rootfsTar: string;
  before(async () => {
    await testEngine();
    rootfsTar = await testRootfsTar();
  });
  afterEach(async () => {
    const { engine } = await testEngine();
    for (const ref of refs.splice(0)) await removeImage(engine, ref);
  });

  it('installs a service image from a tar a person names, with the warnings the approver should see', async () => {
    const { engine } = await testEngine();
    const ref = `localhost/nox-test-install:${randomBytes(3).toString('hex')}`;
    refs.push(ref);
    const result = await installImage(engine, { ref, source: { tar: rootfsTar, changes: ['CMD ["/usr/bin/node", "/app/server.mjs"]'] } });
    expect(result.alreadyPresent).to.equal(false);
    expect(result.image.tags).to.include(ref);
    expect(result.image.cmd).to.deep.equal(['/usr/bin/node', '/app/server.mjs']);
    expect(result.warnings.join('\n')).to.match(/runs as root/);
    expect(result.warnings.join('\n')).to.not.match(/runs nothing/);

    const again = await installImage(engine, { ref, source: { tar: rootfsTar } });
    expect(again.alreadyPresent, 'a re-install is allowed and says so').to.equal(true);
    expect(again.warnings.join('\n')).to.match(/runs nothing by itself/);
  });

  it('refuses an image over the size limit (nox:mcp-image-check-failed) and removes what it imported', async () => {
    const { engine } = await testEngine();
    const ref = `localhost/nox-test-install:${randomBytes(3).toString('hex')}`;
    refs.push(ref);
    const err = await installImage(engine, { ref, source: { tar: rootfsTar }, maxSizeMb: 1 }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(McpImageCheckError);
    expect((err as McpImageCheckError).code).to.equal('nox:mcp-image-check-failed');
    expect((err as McpImageCheckError).problems[0]).to.match(/over the 1 MiB limit/);
    expect(await hasImage(engine, ref)).to.equal(false);
  });

  it('reports a pull from an unreachable registry as such', async () => {
    const { engine } = await testEngine();
    const err = await installImage(engine, { ref: 'localhost:1/nox/none:1', source: { pull: true } }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(McpRegistryUnreachableError);
  });

  it('refuses an image built for another platform', () => {
    const image = { id: 'x', tags: [], labels: {}, entrypoint: ['/srv'], cmd: null, env: [], user: '1000', sizeBytes: 10, created: '', os: 'linux', architecture: 'arm64', exposedPorts: [] };
    expect(checkImage(image, { os: 'linux', architecture: 'x86_64' }, 100).problems).to.deep.equal(['built for arm64, the engine runs amd64']);
    expect(checkImage({ ...image, architecture: 'amd64' }, { os: 'linux', architecture: 'x86_64' }, 100)).to.deep.equal({ problems: [], warnings: [] });
  });
});
