import { signToken } from '../../shared/auth/tokens.js';
import { assertValidId } from '../../shared/ids.js';
import { ROLES, type Principal, type Role } from '../../shared/types.js';
import { configOrExit } from '../boot.js';

export interface TokenOptions {
  role: string;
  sub?: string;
  agent?: string;
  ttl: string;
}

/** Mints a token with the configured secret (for scripts, CI, and `nox doctor`). */
export function mintToken(options: TokenOptions): string {
  if (!ROLES.includes(options.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const config = configOrExit();
  const secret = config.auth.jwt_secret;
  if (!secret) throw new Error('no auth.jwt_secret configured: run `nox up` once, or set NOX_JWT_SECRET');
  const role = options.role as Role;
  const principal: Principal =
    role === 'agent'
      ? { sub: assertValidId(options.agent ?? options.sub, 'agent'), role, agentId: assertValidId(options.agent ?? options.sub, 'agent') }
      : { sub: options.sub ?? `cli-${role}`, role };
  return signToken(secret, principal, { expiresIn: options.ttl });
}
