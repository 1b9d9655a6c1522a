import type { RequestHandler } from 'express';
import { newCorrelationId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';

export const CORRELATION_HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's correlation id (if it is a sane token) or makes one, echoes it in
 * the response, and gives the request a child logger that carries it. Jobs and events
 * the request causes carry the same id.
 */
export function correlation(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get(CORRELATION_HEADER);
    const id = given && ACCEPTABLE.test(given) ? given : newCorrelationId();
    res.locals.correlationId = id;
    res.locals.logger = logger.child({ correlationId: id });
    res.setHeader(CORRELATION_HEADER, id);
    next();
  };
}
