import { expect } from 'chai';
import type { Request, Response } from 'express';
import { warnForwardedWithoutTrust } from '../../api/http/proxy-warning.js';
import type { Logger } from '../../shared/logger.js';

/** Behind a proxy with api.trust_proxy = 0 every client shares one per-IP bucket: said once. */
describe('the X-Forwarded-For warning', () => {
  const run = (trust: number, requests: Record<string, string>[]): string[] => {
    const said: string[] = [];
    const logger = { warn: (message: string) => said.push(message) } as unknown as Logger;
    const middleware = warnForwardedWithoutTrust(trust, logger);
    for (const headers of requests) middleware?.({ headers, path: '/api/x' } as unknown as Request, {} as Response, () => undefined);
    return said;
  };

  it('warns once when forwarded requests arrive while trust_proxy is 0', () => {
    const said = run(0, [{}, { 'x-forwarded-for': '10.0.0.1' }, { 'x-forwarded-for': '10.0.0.2' }]);
    expect(said).to.have.length(1);
    expect(said[0]).to.match(/api\.trust_proxy/);
  });

  it('stays quiet without forwarded requests, and when trust_proxy is set', () => {
    expect(run(0, [{}, {}])).to.deep.equal([]);
    expect(run(1, [{ 'x-forwarded-for': '10.0.0.1' }])).to.deep.equal([]);
  });
});
