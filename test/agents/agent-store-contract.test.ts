import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { newAgentConfig, patchAgentConfig } from '../../shared/agents/agent-config.js';
import { createRedisAgentStore, type AgentStore } from '../../shared/agents/agent-store.js';
import { createRegistryAgentStore } from '../../shared/agents/registry-agent-store.js';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';

import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { testConfig, testContext, dropPrefix } from '../support/harness.js';

/** The two AgentStore implementations pass the same contract. */
const implementations: { name: string; make(ctx: NoxContext): Promise<{ store: AgentStore; close(): Promise<void> }> }[] = [
  { name: 'redis', make: async (ctx) => ({ store: createRedisAgentStore(ctx.redis, ctx.keys), close: async () => undefined }) },
  {
    name: 'registry (agents.toml)',
    make: async (ctx) => {
      const writer: RegistryWriter = await startRegistryWriter(ctx, { watchTasks: false });
      const client: RegistryClient = createRegistryClient(ctx);
      return {
        store: createRegistryAgentStore(client, ctx.logger),
        close: async () => {
          await client.close();
          await writer.close();
        },
      };
    },
  },
];

for (const impl of implementations) {
  describe(`AgentStore contract: ${impl.name}`, () => {
    let ctx: NoxContext;
    let store: AgentStore;
    let close: () => Promise<void>;
    before(async () => {
      ctx = testContext(testConfig(), 'worker');
      ({ store, close } = await impl.make(ctx));
    });
    after(async () => {
      await close();
      await dropPrefix(ctx.config.redis.prefix);
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
    });

    it('creates, reads, lists in id order, refuses a duplicate', async () => {
      const b = newAgentConfig({ id: 'sc-b', labels: { zone: 'a' }, resource_limits: { max_memory_mb: 512 }, mcp_servers: { x: { command: 'node' } } });
      await store.create(b, 'user:alice');
      await store.create(newAgentConfig({ id: 'sc-a' }), 'system');
      expect(await store.get('sc-b')).to.deep.equal(b);
      expect((await store.list()).map((c) => c.id)).to.deep.equal(['sc-a', 'sc-b']);
      let error: unknown;
      await store.create(newAgentConfig({ id: 'sc-a' }), 'system').catch((e: unknown) => (error = e));
      expect((error as { code?: string }).code).to.equal('nox:agent-exists');
      expect(await store.get('sc-none')).to.equal(undefined);
    });

    it('updates and removes; updating a missing agent is a not-found', async () => {
      const current = (await store.get('sc-a'))!;
      const next = patchAgentConfig(current, { system_prompt: 'new', parent: 'sc-b' }, new Date(Date.now() + 1000));
      await store.update(next, 'user:bob');
      expect((await store.get('sc-a'))!.system_prompt).to.equal('new');
      expect((await store.get('sc-a'))!.parent).to.equal('sc-b');
      let error: unknown;
      await store.update(newAgentConfig({ id: 'sc-ghost' }), 'system').catch((e: unknown) => (error = e));
      expect((error as { code?: string }).code).to.equal('nox:agent-not-found');
      expect(await store.remove('sc-a', 'system')).to.equal(true);
      expect(await store.remove('sc-a', 'system')).to.equal(false);
      expect((await store.list()).map((c) => c.id)).to.deep.equal(['sc-b']);
    });
  });
}
