import { expect } from 'chai';
import { startStack, type Stack } from '../support/harness.js';

describe('OpenAPI document', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ withHost: false });
  });
  after(() => stack.cleanup());

  it('is served without auth and describes every route from the zod schemas that validate it', async () => {
    const res = await stack.call('GET', '/api/openapi.json');
    expect(res.status).to.equal(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, unknown>; 'x-roles': string[] }>>;
    };
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.paths).to.include.keys('/api/auth/login', '/api/system/ping', '/api/system/hosts', '/api/system/health');
    const login = doc.paths['/api/auth/login']!.post!;
    expect(login.requestBody!.content['application/json']!.schema.properties).to.have.keys('username', 'password');
    expect(login.responses).to.include.keys('200', '400', '429');
    const ping = doc.paths['/api/system/ping']!.post!;
    expect(ping['x-roles']).to.deep.equal(['admin', 'operator']);
    expect(ping.requestBody!.content['application/json']!.schema.properties).to.include.keys('hostId', 'workMs');
    expect(ping.responses).to.include.keys('401', '403');
  });
});
