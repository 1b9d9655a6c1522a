import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The messages and approvals pages follow the lists' cursors (issue 21): the first page is
 * live, "Older" appends the next page from the API's `next`, until there is none, and the
 * page lists what a walk of the API lists, in its order.
 */
describe('dashboard: messages and approvals page by cursor', function () {
  this.timeout(150_000);
  let stack: CollabStack;
  const browser = useBrowser('paging');
  const until = (check: () => Promise<boolean>): Promise<void> => waitUntil(check, 15_000);
  /** every id of a list, following its cursors */
  const walk = async (path: string, key: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: Record<string, unknown> = await stack.json('GET', `${path}${path.includes('?') ? '&' : '?'}limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200);
      ids.push(...(page[key] as { id: string }[]).map((x) => x.id));
      cursor = page.next as string | null;
    }
    return ids;
  };

  before(async () => {
    stack = await startCollabStack({ overrides: { 'auth.users': [{ name: 'pia', role: 'operator', password_hash: await hashPassword('pia password') }] } });
    await stack.createAgent('pp-a', false);
    await stack.json('POST', '/api/messages/batch', 202, { body: { messages: Array.from({ length: 110 }, (_, i) => ({ to: 'pp-a', content: `note ${i}` })) } });
    for (let i = 0; i < 12; i++) await stack.json('POST', '/api/messages', 202, { body: { to: 'pp-a', content: `later ${i}` } });
    await until(async () => (await stack.json<{ total: number }>('GET', '/api/messages?limit=1', 200)).total === 122);
    for (let i = 0; i < 60; i++) await stack.json('POST', '/api/approvals', 202, { token: tokenFor('agent', 'pp-a', 'pp-a'), body: { description: `may I ${i}?` } });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('messages: 50 at first, then older pages to the end, in the API’s order', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'pia', 'pia password', '/messages?limit=50');
    const items = page.getByTestId('message-feed').getByTestId('message');
    await until(async () => (await items.count()) === 50);
    const expected = await walk('/api/messages', 'messages');
    expect(expected).to.have.length(122);
    await page.getByTestId('messages-older').click();
    await until(async () => (await items.count()) === 100);
    await page.getByTestId('messages-older').click();
    await until(async () => (await items.count()) === 122);
    await page.getByTestId('messages-count').getByText('122 shown, no older ones').waitFor();
    expect(await page.getByTestId('messages-older').count()).to.equal(0);
    const contents = await items.locator('.subject').allTextContents();
    const byId = new Map((await stack.json<{ messages: { id: string; content: string }[] }>('GET', '/api/messages?limit=1000', 200)).messages.map((m) => [m.id, m.content]));
    // the subject starts with the type's tag
    expect(contents.map((c) => c.replace(/^\s*text\s+/, '').trim())).to.deep.equal(expected.map((id) => byId.get(id)));
    await screenshot(page, 'messages-paged');
    expect(tab.errors).to.deep.equal([]);
  });

  it('approvals: "All" lists 50, then the older ones', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'pia', 'pia password', '/approvals');
    await page.getByRole('button', { name: 'All' }).click();
    const cards = page.getByTestId('approvals').locator('> *');
    await until(async () => (await cards.count()) === 50);
    await page.getByTestId('approvals-older').click();
    await until(async () => (await cards.count()) === 60);
    expect(await page.getByTestId('approvals-older').count()).to.equal(0);
    const expected = await walk('/api/approvals?status=all', 'approvals');
    const shown = await cards.allTextContents();
    expect(shown.map((t) => /may I (\d+)\?/.exec(t)?.[1])).to.deep.equal(Array.from({ length: 60 }, (_, i) => String(59 - i)));
    expect(expected).to.have.length(60);
    expect(tab.errors).to.deep.equal([]);
  });
});
