/**
 * A call of the tools server (workers/tools-server/api-client.ts) that the API refused:
 * the status and the raw body, and a message that gives the problem's code and detail so
 * the agent reading the tool result knows why. A plain Error: it is the API's answer
 * relayed, not an error Nox raises.
 */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Nox API answered ${status}: ${describeProblem(body)}`);
  }
}

function describeProblem(body: string): string {
  try {
    const p = JSON.parse(body) as { detail?: string; title?: string; code?: string };
    return [p.code, p.detail ?? p.title].filter(Boolean).join(' — ') || body.slice(0, 500);
  } catch {
    return body.slice(0, 500);
  }
}
