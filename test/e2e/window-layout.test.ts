/**
 * End to end (issue 12, 6): a chat window with a friend whose name is long still shows a whole composer placeholder,
 * and asking to delete a message doesn't squeeze its bubble. Same harness as chat.test.ts.
 */
import type { Browser } from 'playwright-core';
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { eventually, type ParleyUser, signIn, useBrowserStack } from './parley';

jest.setTimeout(90_000);

describe('chat window layout', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));

  test("a friend's long name: the composer's placeholder is shown whole, not cut off mid-word", async () => {
    const [a, b] = [uid('ann'), uid('max')];
    const longName = 'Maximilian Alexander Bartholomew von Habsburg-Lothringen';
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: longName } });
    await stack.drainEvents();
    const ann = await signIn(browser, stack, a);
    open.push(ann);
    const win = await ann.openChat(b);
    const composer = win.getByTestId('composer');
    // What the user reads in the empty composer: the placeholder's text, measured in the composer's own font, fits
    // in its text box (a textarea clips a longer one without any ellipsis).
    const fit = await composer.evaluate((el) => {
      const ta = el as HTMLTextAreaElement;
      const cs = getComputedStyle(ta);
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const box = ta.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return { text: ta.placeholder, width: ctx.measureText(ta.placeholder).width, box };
    });
    expect(fit.text.startsWith('Message ')).toBe(true);
    expect(fit.width).toBeLessThanOrEqual(fit.box);
    // The whole name is still what the composer is labelled with (screen readers).
    expect(await composer.getAttribute('aria-label') ?? (await ann.page.locator(`label[for="${await composer.getAttribute('id')}"]`).textContent())).toContain(longName);
    await ann.screenshot('long-name-composer');
  });

  test('asking to delete a message keeps its bubble as wide as it was', async () => {
    const [a, b] = [uid('ann'), uid('ben')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    await stack.drainEvents();
    const ann = await signIn(browser, stack, a);
    open.push(ann);
    await ann.openChat(b);
    await ann.send(b, 'See you at the gallery on Saturday, around three?');
    const msg = ann.messages(b).last();
    await eventually(async () => expect(await msg.getAttribute('data-status')).toBe('sent'));
    const bubbleBox = () => msg.evaluate((el) => {
      const r = el.querySelector('[data-testid="message-text"]')!.parentElement!.getBoundingClientRect();
      return { width: Math.round(r.width), height: Math.round(r.height) };
    });
    const before = await bubbleBox();
    await msg.hover();
    await msg.getByTestId('delete-message').click();
    await msg.getByTestId('confirm-delete').waitFor();
    expect(await bubbleBox()).toEqual(before);
    await ann.screenshot('delete-confirmation');
  });
});
