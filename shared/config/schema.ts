import { z } from 'zod';
import {
  agentSection,
  auditSection,
  budgetsSection,
  costsSection,
  apiSection,
  approvalsSection,
  attentionSection,
  authSection,
  eventsSection,
  logSection,
  messagesSection,
  metricsSection,
  queuesSection,
  rateLimitSection,
  redisSection,
  registrySection,
  tasksSection,
  workerSection,
} from './sections.js';
import { mcpSection } from './mcp-section.js';
import { projectsSection } from './projects-section.js';

/**
 * system-config.toml, validated once at boot. Unknown keys are refused so that a typo
 * fails loudly instead of being ignored. Each section defaults to its documented values.
 */
export const configSchema = z
  .object({
    redis: redisSection.default(() => redisSection.parse({})),
    api: apiSection.default(() => apiSection.parse({})),
    auth: authSection.default(() => authSection.parse({})),
    rate_limit: rateLimitSection.default(() => rateLimitSection.parse({})),
    worker: workerSection.default(() => workerSection.parse({})),
    events: eventsSection.default(() => eventsSection.parse({})),
    log: logSection.default(() => logSection.parse({})),
    queues: queuesSection.default(() => queuesSection.parse({})),
    registry: registrySection.default(() => registrySection.parse({})),
    agent: agentSection.default(() => agentSection.parse({})),
    approvals: approvalsSection.default(() => approvalsSection.parse({})),
    mcp: mcpSection.default(() => mcpSection.parse({})),
    messages: messagesSection.default(() => messagesSection.parse({})),
    tasks: tasksSection.default(() => tasksSection.parse({})),
    metrics: metricsSection.default(() => metricsSection.parse({})),
    audit: auditSection.default(() => auditSection.parse({})),
    costs: costsSection.default(() => costsSection.parse({})),
    budgets: budgetsSection.default(() => budgetsSection.parse({})),
    projects: projectsSection.default(() => projectsSection.parse({})),
    attention: attentionSection.default(() => attentionSection.parse({})),
  })
  .strict();

export type NoxConfigFile = z.input<typeof configSchema>;

export type NoxConfig = z.output<typeof configSchema> & {
  /** absolute path of the registry folder this config was read from */
  registryDir: string;
  /** absolute path of the secrets file (shared/config/secrets.ts); it may not exist */
  secretsFile: string;
};
