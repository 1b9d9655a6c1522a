import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler, Router } from 'express';
import { errorFields } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';
import type { Principal } from '../shared/types.js';
import { allQueueNames } from './queue-stats.js';

/**
 * bull-board at /admin/queues behind the API's own auth (the login cookie, since a browser
 * cannot send a bearer header with a page load). Two boards share the path: operators and
 * admins get the full one, viewers a read-only one. Host queues come and go, so the board's
 * queue list is refreshed from the live hosts at most every few seconds.
 */
export const BULL_BOARD_PATH = '/admin/queues';
const REFRESH_MS = 5000;

export interface BullBoard {
  handler: RequestHandler;
}

export function createBoards(ctx: NoxContext): BullBoard {
  const make = (readOnlyMode: boolean) => {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BULL_BOARD_PATH);
    const board = createBullBoard({
      queues: [],
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: readOnlyMode ? 'Nox queues (read-only)' : 'Nox queues' } },
    });
    return { board, router: adapter.getRouter() as Router, readOnlyMode };
  };
  const full = make(false);
  const readOnly = make(true);
  let refreshedAt = 0;
  let known = '';

  const refresh = async (): Promise<void> => {
    if (Date.now() - refreshedAt < REFRESH_MS) return;
    refreshedAt = Date.now();
    const names = await allQueueNames(ctx);
    if (names.join(',') === known) return;
    known = names.join(',');
    for (const b of [full, readOnly]) {
      b.board.replaceQueues(names.map((n) => new BullMQAdapter(ctx.queue(n), { readOnlyMode: b.readOnlyMode })));
    }
  };

  const handler: RequestHandler = (req, res, next) => {
    const principal = res.locals.principal as Principal;
    refresh()
      .catch((err) => ctx.logger.warn('bull-board queue refresh failed', errorFields(err)))
      .finally(() => {
        const target = principal.role === 'admin' || principal.role === 'operator' ? full : readOnly;
        target.router(req, res, next);
      });
  };
  return { handler };
}
