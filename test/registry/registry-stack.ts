import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, type Stack } from '../support/harness.js';

/**
 * An API node (no worker host), the registry writer and a registry client on the API's
 * context, on a fresh prefix and registry folder: what the registry routes need.
 * (history-routes and path-traversal build the same by hand, from before this helper.)
 */
export interface RegistryStack {
  stack: Stack;
  writer: RegistryWriter;
  client: RegistryClient;
  close(): Promise<void>;
}

export async function startRegistryStack(overrides: Record<string, unknown> = {}): Promise<RegistryStack> {
  const stack = await startStack({ withHost: false, overrides });
  const writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
  const client = createRegistryClient(stack.apiCtx);
  return {
    stack,
    writer,
    client,
    async close() {
      await client.close();
      await writer.close();
      await stack.cleanup();
    },
  };
}
