import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The stand-in Claude CLI (test/fixtures/fake-claude.mjs): the exact stream-json protocol, scripted behaviours. */
export const FAKE_CLAUDE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fake-claude.mjs');
