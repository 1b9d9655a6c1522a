import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { EngineConfigError, EngineUnavailableError, McpImageNotFoundError } from '../../shared/errors/mcp-errors.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import { parseDockerHost } from '../../shared/mcp/engine-endpoint.js';
import { archiveKind, importImageArchive, inspectImage, removeImage, splitRef } from '../../shared/mcp/images.js';
import { FIXTURE_LABEL } from '../fixtures/mcp/build-image.js';
import { testEngine } from './support/engine.js';

describe('mcp engine: endpoint and images', function () {
  this.timeout(120_000);
  let engine: Engine;
  let image: string;
  before(async () => {
    ({ engine, image } = await testEngine());
  });

  it('parses DOCKER_HOST forms and refuses the ones it cannot serve', () => {
    expect(parseDockerHost('unix:///run/x.sock')).to.include({ kind: 'unix', socketPath: '/run/x.sock' });
    expect(parseDockerHost('tcp://10.0.0.2:2376')).to.include({ kind: 'tcp', host: '10.0.0.2', port: 2376 });
    expect(parseDockerHost('localhost:1234')).to.include({ kind: 'tcp', host: 'localhost', port: 1234 });
    expect(parseDockerHost(undefined)).to.include({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(() => parseDockerHost('ssh://me@box')).to.throw(EngineConfigError, /not supported/);
    expect(() => parseDockerHost('unix://relative.sock')).to.throw(EngineConfigError, /absolute/);
  });

  it('answers ping and names itself', async () => {
    await engine.ping();
    const about = await engine.describe();
    expect(about.name).to.be.oneOf(['docker', 'podman']);
    expect(about.version).to.be.a('string').and.not.empty;
  });

  it('reports an engine that is not there as nox:engine-unavailable', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nox-noengine-'));
    try {
      const missing = createEngine({ dockerHost: `unix://${dir}/none.sock` });
      const err = await missing.ping().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(EngineUnavailableError);
      expect((err as EngineUnavailableError).code).to.equal('nox:engine-unavailable');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('imported the test image from a rootfs tar with its CMD and labels', async () => {
    const info = await inspectImage(engine, image);
    expect(info.tags).to.include(image);
    expect(info.cmd).to.deep.equal(['/usr/bin/node', '/app/server.mjs']);
    expect(info.labels[FIXTURE_LABEL]).to.match(/^[0-9a-f]{16}$/);
  });

  it('loads an image archive (docker save format) under a new tag, and removes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nox-archive-'));
    const ref = `localhost/nox-test-archive:${Date.now().toString(36)}`;
    try {
      const archive = path.join(dir, 'saved.tar');
      await pipeline(await engine.docker.getImage(image).get(), createWriteStream(archive));
      expect(await archiveKind(archive)).to.equal('image-archive');

      const loaded = await importImageArchive(engine, archive, { ref });
      expect(loaded.tags).to.include(ref);
      expect(loaded.cmd).to.deep.equal(['/usr/bin/node', '/app/server.mjs']);
    } finally {
      await removeImage(engine, ref);
      await rm(dir, { recursive: true, force: true });
    }
    const gone = await inspectImage(engine, ref).then(() => undefined, (e: unknown) => e);
    expect(gone).to.be.instanceOf(McpImageNotFoundError);
  });

  it('says nox:mcp-image-not-found for an image that is not on the engine (and does not pull)', async () => {
    const err = await inspectImage(engine, 'localhost/nox-no-such-image:0').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(McpImageNotFoundError);
    expect((err as McpImageNotFoundError).code).to.equal('nox:mcp-image-not-found');
  });

  it('splits image references with registry ports and default tags', () => {
    expect(splitRef('localhost:5000/a/b:2')).to.deep.equal({ repo: 'localhost:5000/a/b', tag: '2' });
    expect(splitRef('localhost:5000/a/b')).to.deep.equal({ repo: 'localhost:5000/a/b', tag: 'latest' });
    expect(splitRef('mcp/fetch')).to.deep.equal({ repo: 'mcp/fetch', tag: 'latest' });
  });
});
