import type { SimpleGit } from 'simple-git';

/**
 * The second line of defence for secrets (the first: they never enter the registry's git
 * tree, shared/config/secrets.ts). Registries made before that kept the JWT key and password
 * hashes in system-config.toml, so old commits may still hold them until
 * `nox registry purge-secrets` rewrites the history. Everything that shows history text —
 * a commit's diff, a file at a commit — goes through `redactSecrets`; backup refuses to push
 * while `historyHoldsSecrets`.
 *
 * Known secret keys, in any TOML line (a table line, an inline table, a diff line):
 * jwt_secret, password_hash, webhook_url, password, scrape_token, host_token, and every key
 * under [mcp.secrets]. Also any scrypt hash and any host credential, wherever they appear.
 */
export const REDACTED = '‹redacted›';

const KEY_VALUE = /\b(jwt_secret|password_hash|webhook_url|password|scrape_token|host_token)(\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}\]]+)/g;
const HOST_CREDENTIAL = /noxh_[0-9a-f]{16}_[0-9a-f]{64}/g;
const SCRYPT_HASH = /scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/@\s:"']*:)[^/@\s"']+@/gi;
/** a table header line, possibly behind a diff's +/-/space */
const TABLE_HEADER = /^[+\- ]?\s*\[+\s*([A-Za-z0-9_."-]+)\s*\]+\s*$/;
const SECRET_TABLES = new Set(['mcp.secrets', 'secrets']);
const ENTRY = /^([+\- ]?\s*[A-Za-z0-9_."-]+\s*=\s*).*$/;

/** Replaces every secret value in TOML or diff text by ‹redacted›; other text is kept as is. */
export function redactSecrets(text: string): string {
  if (!mayHoldSecret(text)) return text;
  let inSecretTable = false;
  return text
    .split('\n')
    .map((line) => {
      const header = TABLE_HEADER.exec(line);
      if (header) {
        inSecretTable = SECRET_TABLES.has(header[1]!.replace(/"/g, ''));
        return line;
      }
      if (line.startsWith('diff --git') || line.startsWith('@@')) inSecretTable = false;
      if (inSecretTable) {
        const entry = ENTRY.exec(line);
        if (entry) return `${entry[1]}"${REDACTED}"`;
      }
      return line
        .replace(KEY_VALUE, (_m, key: string, eq: string) => `${key}${eq}"${REDACTED}"`)
        .replace(SCRYPT_HASH, REDACTED)
        .replace(HOST_CREDENTIAL, REDACTED)
        .replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`);
    })
    .join('\n');
}

function mayHoldSecret(text: string): boolean {
  return /jwt_secret|password|webhook_url|scrape_token|host_token|noxh_|scrypt\$|secrets|:\/\/[^\s]*@/.test(text);
}

/** git -G pattern (POSIX ERE) of a line that sets a secret key */
const SECRET_LINE_ERE = '(jwt_secret|password_hash|webhook_url|password|scrape_token|host_token)[[:space:]]*=|^[[:space:]]*\\[mcp\\.secrets\\]';

/**
 * Whether any commit of any branch added or removed a line setting a secret key in
 * system-config.toml (the only file that ever held them). One `git log -G` over that file.
 */
export async function historyHoldsSecrets(git: SimpleGit, file = 'system-config.toml'): Promise<boolean> {
  const out = await git.raw(['log', '--all', '--format=%H', '-n1', '-G', SECRET_LINE_ERE, '--', file]).catch(() => '');
  return out.trim().length > 0;
}

/** Whether the exact `value` was ever added to or removed from `file` by a commit of any branch (git's pickaxe). */
export async function valueInHistory(git: SimpleGit, value: string, file = 'system-config.toml'): Promise<boolean> {
  const out = await git.raw(['log', '--all', '--format=%H', '-n1', '-S', value, '--', file]).catch(() => '');
  return out.trim().length > 0;
}
