import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../shared/runtime/version.js';
import { selfCommand } from '../../shared/runtime/self-command.js';

/**
 * There is no Docker engine on the build machines, so docker-compose.yml and the
 * Dockerfile are checked by construction: the file parses, the services and their
 * commands are the real ones, Redis runs with AOF and noeviction, and the image copies
 * only paths that exist after a build.
 */
interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const root = projectRoot();
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

function noxHelp(args: string[]): { status: number | null; out: string } {
  const cmd = selfCommand('bin/cli', [...args, '--help']);
  const r = spawnSync(cmd.command, cmd.args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('docker-compose.yml and Dockerfile', () => {
  it('has redis, api and worker services', () => {
    expect(compose.services).to.include.keys('redis', 'api', 'worker');
  });

  it('runs Redis with AOF and noeviction, with a health check the others wait for', () => {
    const cmd = compose.services.redis!.command!.join(' ');
    expect(cmd).to.match(/--appendonly yes/).and.to.match(/--maxmemory-policy noeviction/);
    expect(compose.services.redis!.healthcheck!.test).to.include('ping');
    for (const name of ['api', 'worker', 'registry-writer']) {
      expect(compose.services[name]!.depends_on!.redis!.condition).to.equal('service_healthy');
      expect(compose.services[name]!.environment!.REDIS_URL).to.equal('redis://redis:6379');
      // the password comes from the operator's environment, never written in the file
      expect(compose.services[name]!.environment!.NOX_REDIS_PASSWORD).to.match(/^\$\{NOX_REDIS_PASSWORD:\?/);
    }
    expect(cmd).to.match(/--requirepass \$\{NOX_REDIS_PASSWORD:\?/);
  });

  it('starts the real nox sub-commands', () => {
    for (const name of ['api', 'worker']) {
      const command = compose.services[name]!.command!;
      expect(command.slice(0, 2)).to.deep.equal(['node', 'bin/nox.js']);
      const help = noxHelp(command.slice(2));
      expect(help.status, help.out).to.equal(0);
    }
    expect(compose.services.api!.command).to.deep.equal(['node', 'bin/nox.js', 'api']);
    expect(compose.services.worker!.command).to.deep.equal(['node', 'bin/nox.js', 'worker']);
    // exactly one registry writer, and the scalable workers are not it
    const writers = Object.values(compose.services).filter((s) => (s.command ?? []).includes('--registry-writer'));
    expect(writers).to.have.length(1);
  });

  it('keeps the worker scalable: no fixed name, no published port, no fixed host id', () => {
    const worker = compose.services.worker!;
    expect(worker.container_name).to.equal(undefined);
    expect(worker.ports).to.equal(undefined);
    expect(worker.environment).not.to.have.property('NOX_HOST_ID');
  });

  it('has a Dockerfile whose entry point and copied sources exist', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).to.match(/^FROM node:20/m);
    expect(dockerfile).to.include('npm run build');
    expect(existsSync(path.join(root, 'bin', 'nox.js'))).to.equal(true);
    for (const [, from] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      if (from === '.') continue;
      expect(existsSync(path.join(root, from as string)), from).to.equal(true);
    }
    const api = compose.services.api!;
    expect(api.healthcheck!.test.join(' ')).to.include('/health');
  });
});
