import { approvalsSection } from '../config/sections.js';
import type { NoxConfig } from '../config/schema.js';
import { errorFields, type Logger } from '../logger.js';
import type { Actor, ChangeOp, CommitResult } from '../registry/changes.js';
import { files } from '../registry/layout.js';
import type { RegistryClient } from '../registry/registry-client.js';
import type { PolicyRule, PolicySet } from './policy.js';

/**
 * Where the policy comes from, live: the `[approvals]` table of system-config.toml as the
 * registry holds it NOW (a cached read that notices every commit), so a rule added by
 * "remember" or by a person's edit applies to the next question without a restart. A key
 * the file does not have falls back to the boot config (which also carries environment
 * and test overrides). A broken table is logged and the boot config is used.
 */
export interface PolicySource {
  current(): PolicySet;
  /** `approvals.require_second_person` as the registry holds it now (else the boot config) */
  requireSecondPerson(): boolean;
  /** adds a remembered rule: one registry commit (idempotent by approval id); returns the change id */
  remember(rule: PolicyRule, actor: Actor, approvalId: string): Promise<string>;
  /** replaces the rules and/or the remembered rules: one registry commit, waited for */
  replace(change: { rules?: PolicyRule[]; remembered?: PolicyRule[] }, actor: Actor): Promise<CommitResult>;
}

export function createPolicySource(config: NoxConfig, registry: RegistryClient, logger: Logger): PolicySource {
  const boot = config.approvals;
  /** the `[approvals]` keys the file sets, validated; {} when it sets none or is unreadable or invalid */
  const live = (): Partial<typeof boot> => {
    let table: unknown;
    try {
      table = registry.toml(files.systemConfig()).approvals;
    } catch (err) {
      logger.warn('system-config.toml unreadable; using the boot policy', errorFields(err));
    }
    if (table === undefined || table === null || typeof table !== 'object') return {};
    const parsed = approvalsSection.partial().safeParse(table);
    if (!parsed.success) {
      logger.warn('[approvals] in system-config.toml is invalid; using the boot policy', { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
      return {};
    }
    // Zod fills defaults even in partial(): keep only the keys the file really has.
    const own = table as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed.data).filter(([k]) => own[k] !== undefined)) as Partial<typeof boot>;
  };
  return {
    current() {
      const own = live();
      return { rules: own.rules ?? boot.rules, remembered: own.remembered ?? boot.remembered };
    },
    requireSecondPerson() {
      return live().require_second_person ?? boot.require_second_person;
    },
    async remember(rule, actor, approvalId) {
      return registry.submit(
        {
          id: `remember-${approvalId}`,
          message: `approvals: remember ${rule.tools?.join(', ') ?? `${rule.types?.join(', ') ?? 'rule'}${rule.fingerprints ? ` ${rule.fingerprints.map((f) => f.slice(0, 19)).join(', ')}` : ''}`} for ${rule.agents?.join(', ') ?? 'agent'}`,
          changes: [{ op: 'push', file: files.systemConfig(), key: ['approvals', 'remembered'], items: [rule] }],
        },
        actor,
        { priority: 'high' },
      );
    },
    async replace(change, actor) {
      const ops: ChangeOp[] = [];
      if (change.rules) ops.push({ op: 'set', file: files.systemConfig(), key: ['approvals', 'rules'], value: change.rules });
      if (change.remembered) ops.push({ op: 'set', file: files.systemConfig(), key: ['approvals', 'remembered'], value: change.remembered });
      const what = [change.rules ? `${change.rules.length} rules` : '', change.remembered ? `${change.remembered.length} remembered rules` : ''].filter(Boolean).join(' and ');
      return registry.change({ message: `approvals: policy set to ${what}`, changes: ops }, actor, { priority: 'high' });
    },
  };
}
