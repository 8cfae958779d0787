import { History } from '../../../console/src/history';

// Undo and redo of the editor's JSON text (console/src/history.ts), on a clock the test moves.

function clocked(options: { depth?: number } = {}) {
  let now = 0;
  const history = new History('v0', { ...options, now: () => now });
  return { history, tick: (ms: number) => (now += ms) };
}

describe('History', () => {
  test('each push is a step; undo and redo walk them; a push after an undo drops the redo', () => {
    const { history } = clocked();
    expect([history.canUndo, history.canRedo]).toEqual([false, false]);
    expect(history.undo()).toBeUndefined();
    history.push('v1');
    history.push('v2');
    expect(history.canUndo).toBe(true);
    expect(history.undo()).toBe('v1');
    expect(history.undo()).toBe('v0');
    expect(history.undo()).toBeUndefined();
    expect(history.canRedo).toBe(true);
    expect(history.redo()).toBe('v1');
    history.push('v3');
    expect(history.canRedo).toBe(false);
    expect(history.redo()).toBeUndefined();
    expect(history.undo()).toBe('v1');
    expect(history.undo()).toBe('v0');
  });

  test('the same text again is no step', () => {
    const { history } = clocked();
    history.push('v0');
    expect(history.canUndo).toBe(false);
    history.push('v1');
    history.push('v1');
    expect(history.undo()).toBe('v0');
    expect(history.canUndo).toBe(false);
  });

  test('pushes with the same merge key within a second are one step; another key, a pause or no key is a new one', () => {
    const { history, tick } = clocked();
    history.push('a', { merge: 'name' });
    tick(300);
    history.push('ab', { merge: 'name' });
    tick(900);
    history.push('abc', { merge: 'name' });
    // 1.2 s of typing, each keystroke within a second of the one before: one step.
    expect(history.undo()).toBe('v0');
    expect(history.redo()).toBe('abc');
    tick(100);
    history.push('abc!', { merge: 'text' });
    tick(1500);
    history.push('abc!?', { merge: 'text' });
    tick(10);
    history.push('abc!?.');
    tick(10);
    history.push('abc!?..', { merge: 'text' });
    expect(history.undo()).toBe('abc!?.');
    expect(history.undo()).toBe('abc!?');
    expect(history.undo()).toBe('abc!');
    expect(history.undo()).toBe('abc');
  });

  test('typing right after an undo starts a new step instead of rewriting the one undone to', () => {
    const { history, tick } = clocked();
    history.push('a', { merge: 'name' });
    tick(10);
    history.push('ab', { merge: 'name' });
    tick(10);
    history.push('x');
    expect(history.undo()).toBe('ab');
    tick(10);
    history.push('abc', { merge: 'name' });
    expect(history.undo()).toBe('ab');
    expect(history.undo()).toBe('v0');
  });

  test('the depth bounds how far undo goes back', () => {
    const { history } = clocked({ depth: 3 });
    for (let i = 1; i <= 10; i++) history.push(`v${i}`);
    expect([history.undo(), history.undo(), history.undo(), history.undo()]).toEqual(['v9', 'v8', 'v7', undefined]);
    expect(history.redo()).toBe('v8');
  });

  test('the default depth is 200 steps', () => {
    const history = new History('v0');
    for (let i = 1; i <= 250; i++) history.push(`v${i}`);
    let steps = 0;
    let last: string | undefined;
    for (let text = history.undo(); text !== undefined; text = history.undo()) [steps, last] = [steps + 1, text];
    expect([steps, last]).toEqual([200, 'v50']);
  });

  test('reset starts again from a text with nothing to undo or redo', () => {
    const { history } = clocked();
    history.push('v1');
    history.push('v2');
    history.undo();
    history.reset('other');
    expect([history.canUndo, history.canRedo, history.current]).toEqual([false, false, 'other']);
    history.push('other2');
    expect(history.undo()).toBe('other');
  });
});
