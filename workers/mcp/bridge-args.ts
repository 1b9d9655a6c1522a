import { z } from 'zod';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';

/** The bridge's command line, validated (bridge-main.ts parses, bridge-command.ts builds). */
export const bridgeArgs = z
  .object({
    spec: runSpecSchema,
    /** default: DOCKER_HOST from the bridge's environment */
    dockerHost: z.string().min(1).optional(),
    stopTimeoutS: z.number().int().min(0).max(300).optional(),
    tmpfsMb: z.number().int().min(1).max(65_536).optional(),
    /** a 0600 JSON file of secret values ({NAME: value}) merged into the bridge's environment */
    secretsFile: z.string().startsWith('/').optional(),
  })
  .strict();
export type BridgeArgs = z.output<typeof bridgeArgs>;
