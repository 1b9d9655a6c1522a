import { expect } from 'chai';
import { McpRegistryUnreachableError } from '../../shared/errors/mcp-errors.js';
import { discoverImages, listLocalImages, pullImage, searchImages } from '../../shared/mcp/discovery.js';
import { testEngine } from './support/engine.js';

/**
 * Discovery and pull through the engine. `localhost:1` is a registry that refuses every
 * connection on any machine, so "unreachable" is tested deterministically, online or not.
 */
describe('mcp discovery: local images, registry search and pull', function () {
  this.timeout(60_000);

  it('lists local images matching a term', async () => {
    const { engine, image } = await testEngine();
    const local = await listLocalImages(engine, 'nox-test-mcp');
    expect(local.flatMap((i) => i.tags)).to.include(image);
    expect(await listLocalImages(engine, 'no-such-image-term-xyz')).to.deep.equal([]);
  });

  it('says the registry is unreachable (nox:mcp-registry-unreachable) instead of answering an empty search', async () => {
    const { engine } = await testEngine();
    const err = await searchImages(engine, 'localhost:1/nox').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(McpRegistryUnreachableError);
    expect((err as McpRegistryUnreachableError).code).to.equal('nox:mcp-registry-unreachable');
    expect((err as Error).message).to.include('localhost:1');

    const found = await discoverImages(engine, 'localhost:1/nox');
    expect(found.local).to.deep.equal([]);
    expect(found.remote.ok).to.equal(false);
    expect(found.remote.ok ? '' : found.remote.reason).to.match(/not reachable.*localhost:1/);
  });

  it('fails a pull from an unreachable registry with that reason, and leaves no image behind', async () => {
    const { engine } = await testEngine();
    const err = await pullImage(engine, 'localhost:1/nox/none:1').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(McpRegistryUnreachableError);
    expect((err as Error).message).to.match(/localhost:1/);
    expect(await listLocalImages(engine, 'localhost:1/nox')).to.deep.equal([]);
  });
});
