import type { ReactNode } from 'react';
import { arr, num, str, type Row } from '../lib/fields';

/**
 * What an approval grants, laid out for the person deciding (DESIGN.md, "Containment": an
 * approval shows all it grants): a spawn's child config — model, permission mode, tools,
 * MCP servers with their commands, folders, budget, prompt — and an MCP install's image,
 * command, user and mounts. Other approvals show their input as before.
 */
/** the request types "remember" can make a rule of (shared/approvals/policy.ts `cannotRemember`: others are one-off acts) */
export const REMEMBERABLE = new Set(['tool_use', 'spawn_agent']);

export function GrantDetails({ type, input }: { type: string | undefined; input: Row | undefined }) {
  if (!input) return null;
  if (type === 'spawn_agent') return <SpawnGrant input={input} />;
  if (type === 'install_mcp') return <InstallGrant input={input} />;
  return null;
}

function SpawnGrant({ input }: { input: Row }) {
  const servers = Object.entries((input.mcp_servers ?? {}) as Record<string, Row>);
  const budget = num(input, 'max_budget_usd');
  const prompt = str(input, 'system_prompt');
  return (
    <dl className="nox-grant" data-testid="grant">
      <Item label="model">{str(input, 'model') ?? 'default'}</Item>
      <Item label="permission mode">{str(input, 'permission_mode') ?? 'default'}</Item>
      <Item label="allowed tools">{list(arr(input, 'allowed_tools'))}</Item>
      <Item label="disallowed tools">{list(arr(input, 'disallowed_tools'))}</Item>
      <Item label="MCP servers">
        {servers.length === 0
          ? 'none'
          : servers.map(([name, server]) => (
              <div key={name}>
                <code>{name}</code>: <code>{commandLine(server)}</code>
                {env(server.env)}
              </div>
            ))}
      </Item>
      <Item label="workdir">{str(input, 'workdir') ?? 'default'}</Item>
      <Item label="add_dirs">{list(arr(input, 'add_dirs'))}</Item>
      <Item label="budget">{budget === undefined ? 'none' : `$${budget}`}</Item>
      <Item label="starts">{input.start === true ? 'at once' : 'no'}</Item>
      {prompt !== undefined && (
        <Item label="system prompt">
          <pre className="nox-json">{prompt}</pre>
        </Item>
      )}
    </dl>
  );
}

function InstallGrant({ input }: { input: Row }) {
  const mounts = arr(input, 'mounts') as Row[];
  const runs = [...arr(input, 'entrypoint'), ...arr(input, 'command')].map(String).join(' ');
  const network = input.network === 'none' || input.network === undefined ? 'none' : `internal ${str(input, 'network.internal') ?? '?'}`;
  return (
    <dl className="nox-grant" data-testid="grant">
      <Item label="image">{str(input, 'image') ?? '—'}</Item>
      <Item label="command">{runs === '' ? 'the image’s own' : <code>{runs}</code>}</Item>
      <Item label="user">{str(input, 'user') ?? 'the image’s own'}</Item>
      <Item label="mounts">
        {mounts.length === 0
          ? 'none'
          : mounts.map((m) => (
              <div key={`${str(m, 'source')}:${str(m, 'target')}`}>
                <code>{str(m, 'source')}</code> → <code>{str(m, 'target')}</code> ({m.read_only === false ? 'read-write' : 'read-only'})
              </div>
            ))}
      </Item>
      <Item label="network">{network}</Item>
      <Item label="env">{env(input.env) ?? 'none'}</Item>
      <Item label="agents">{list(arr(input, 'agents'))}</Item>
    </dl>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

const list = (values: unknown[]): string => (values.length === 0 ? 'none' : values.map(String).join(', '));

function commandLine(server: Row): string {
  const command = str(server, 'command');
  if (command !== undefined) return [command, ...arr(server, 'args').map(String)].join(' ');
  return str(server, 'url') ?? JSON.stringify(server);
}

/** `NAME=value` per variable; a secret reference as `{secret name}` */
function env(values: unknown): ReactNode {
  if (!values || typeof values !== 'object' || Object.keys(values).length === 0) return undefined;
  return (
    <div className="nox-muted">
      {Object.entries(values as Row).map(([k, v]) => (
        <div key={k}>
          <code>
            {k}={typeof v === 'string' ? v : `{secret ${str(v, 'secret') ?? '?'}}`}
          </code>
        </div>
      ))}
    </div>
  );
}
