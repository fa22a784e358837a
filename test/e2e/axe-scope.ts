/**
 * A small axe-core check of one part of the page (the e2e files for issue 12's items 3, 8 and 9 use it on what they
 * add: the read-only line, the dock's overflow button and menu, the jump buttons; the
 * whole page is item 10's). Violations come back as short lines.
 */
import type { ParleyUser } from './parley';

export async function axeViolations(user: ParleyUser, testId: string): Promise<string[]> {
  if (!(await user.page.evaluate(() => 'axe' in window))) await user.page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return user.page.evaluate(async (id) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    if (!el) return [`no element with data-testid ${id}`];
    const axe = (window as unknown as { axe: { run(ctx: Element, opts: object): Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(el, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => String(n.target)).join(', ')}`);
  }, testId);
}
