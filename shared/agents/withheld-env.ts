/**
 * Environment variables an agent never gets, not even through `agent.env` (the config
 * refuses them at boot): what would let it act as the worker — Redis, the container engine,
 * Nox's signing key, passwords and tokens (DESIGN.md, "Containment"). The agent's own token
 * reaches it as a 0600 file (NOX_AGENT_TOKEN_FILE), never as a variable.
 */
export function isWithheldFromAgents(name: string): boolean {
  return name === 'REDIS_URL' || name === 'DOCKER_HOST' || name === 'NOX_TOKEN' || name === 'NOX_AGENT_TOKEN' || name === 'NOX_HOST_TOKEN' || (name.startsWith('NOX_') && /SECRET|PASSWORD/.test(name));
}
