import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { scrape, total, value, type Sample } from '../support/prom-text.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('metrics: a Prometheus scrape after a known workload', function () {
  this.timeout(60_000);
  let stack: CollabStack;
  let socket: Socket | undefined;
  const priorities = ['high', 'normal', 'normal', 'low', 'high'] as const;

  before(async () => {
    stack = await startCollabStack({ overrides: { 'worker.metrics_port': 0, 'agent.sampling_interval_ms': 200 } });
    await stack.createAgent('pa');
    await stack.createAgent('pb');
    // five messages, one request each: four to pb, one to pa
    for (const [i, priority] of priorities.entries()) {
      await stack.json('POST', '/api/messages', 202, { body: { to: i === 4 ? 'pa' : 'pb', content: `job ${i}`, priority } });
    }
    await waitUntil(async () => (await stack.events('message.delivered')).length === 5, 15_000);
    await stack.waitStatus('pa', 'idle');
    await stack.waitStatus('pb', 'idle');
  });
  after(async () => {
    socket?.disconnect();
    await stack.cleanup();
  });

  const worker = (): Promise<Sample[]> => scrape(`http://127.0.0.1:${stack.hosts[0]!.metricsServer!.port}/metrics`);
  const api = (): Promise<Sample[]> => scrape(`${stack.api.url}/metrics`);

  it('the API counts its requests by route template and status, with latencies', async () => {
    const s = await api();
    expect(value(s, 'nox_http_requests_total', { method: 'POST', route: '/api/messages', status: '202' })).to.equal(5);
    expect(value(s, 'nox_http_requests_total', { method: 'POST', route: '/api/agents', status: '201' })).to.equal(2);
    expect(value(s, 'nox_http_requests_total', { method: 'POST', route: '/api/agents/:id/start', status: '202' })).to.equal(2);
    // one histogram observation per answered request
    expect(value(s, 'nox_http_request_duration_seconds_count', { method: 'POST', route: '/api/messages' })).to.equal(5);
    // no series per agent id: the template, never the path
    expect(s.some((x) => x.labels.route?.includes('/api/agents/pa'))).to.equal(false);
  });

  it("the API's fleet gauges read Redis: agents by runtime status, hosts, approvals, queues", async () => {
    const s = await api();
    expect(value(s, 'nox_agents', { status: 'idle' })).to.equal(2);
    expect(value(s, 'nox_hosts_alive')).to.equal(1);
    expect(value(s, 'nox_approvals_pending')).to.equal(0);
    expect(value(s, 'nox_queue_jobs', { queue: 'messages', state: 'failed' })).to.equal(0);
    expect(value(s, 'nox_queue_jobs', { queue: 'messages', state: 'completed' })).to.be.at.least(5);
    expect(value(s, 'nox_event_stream_length')).to.be.greaterThan(0);
    expect(value(s, 'nox_socket_connections')).to.equal(0);
    socket = io(stack.api.url, { auth: { token: tokenFor('viewer') }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve);
      socket!.once('connect_error', reject);
    });
    expect(value(await api(), 'nox_socket_connections')).to.equal(1);
  });

  it('the worker host counts messages routed and delivered by priority, and each routing job', async () => {
    const s = await worker();
    expect(total(s, 'nox_messages_routed_total')).to.equal(5);
    expect(value(s, 'nox_messages_routed_total', { priority: 'high' })).to.equal(2);
    expect(value(s, 'nox_messages_delivered_total', { priority: 'normal' })).to.equal(2);
    expect(total(s, 'nox_messages_delivered_total')).to.equal(5);
    expect(value(s, 'nox_job_duration_seconds_count', { queue: 'messages', job: 'message.route', outcome: 'ok' })).to.equal(5);
    expect(total(s, 'nox_job_failures_total')).to.equal(0);
    // every series says which host it comes from
    expect(s.find((x) => x.name === 'nox_messages_delivered_total')?.labels.nox_host).to.equal(stack.hosts[0]!.id);
  });

  it("turns, tokens and cost per agent match what the stand-in CLI reported in its transcript", async () => {
    const s = await worker();
    for (const id of ['pa', 'pb']) {
      const turns = (await stack.turnsOf(id)).length; // the stand-in's own record of its user turns
      expect(turns).to.be.greaterThan(0);
      expect(value(s, 'nox_agent_turns_total', { agent: id })).to.equal(turns);
      // test/fixtures/fake-claude.mjs: 100 input and 20 output tokens and $0.01 per turn
      expect(value(s, 'nox_agent_tokens_total', { agent: id, kind: 'input' })).to.equal(100 * turns);
      expect(value(s, 'nox_agent_tokens_total', { agent: id, kind: 'output' })).to.equal(20 * turns);
      expect(value(s, 'nox_agent_cost_usd_total', { agent: id })).to.be.closeTo(0.01 * turns, 1e-9);
      const runtime = await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, id);
      expect(runtime?.turns).to.equal(turns);
    }
    expect(total(await worker(), 'nox_agent_turns_total')).to.equal((await stack.turnsOf('pa')).length + (await stack.turnsOf('pb')).length);
  });

  it('CPU and memory per running agent from the health monitor, and the process defaults', async () => {
    await waitUntil(async () => (await worker()).some((x) => x.name === 'nox_agent_memory_bytes' && x.labels.agent === 'pb'), 5000);
    const s = await worker();
    expect(value(s, 'nox_agent_memory_bytes', { agent: 'pb' })).to.be.greaterThan(1_000_000);
    expect(value(s, 'nox_host_agents_running')).to.equal(2);
    expect(value(s, 'nox_process_resident_memory_bytes')).to.be.greaterThan(10_000_000);
    // a stopped agent loses its series at the next sample
    await stack.json('POST', '/api/agents/pa/stop', 202);
    await stack.waitStatus('pa', 'stopped');
    await waitUntil(async () => !(await worker()).some((x) => x.name === 'nox_agent_memory_bytes' && x.labels.agent === 'pa'), 5000);
    expect(value(await worker(), 'nox_host_agents_running')).to.equal(1);
  });
});
