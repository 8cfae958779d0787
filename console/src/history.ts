// Undo and redo of the flow editor's JSON text: each edit is a step, except that consecutive edits
// with the same `merge` key (typing into one field) within `mergeMs` of the previous one are one step.
// The oldest steps go past `depth`. No DOM: test/unit/console/history.test.ts runs it in node.

export interface HistoryOptions {
  /** How many steps back undo can go (200). */
  depth?: number;
  /** How close (ms) two edits with the same merge key must be to become one step (1000). */
  mergeMs?: number;
  /** The clock (tests give their own). */
  now?: () => number;
}

export class History {
  private steps: string[];
  private index = 0;
  /** The merge key and time of the last push, while the step it made may still take more. */
  private last: { merge: string; at: number } | undefined;
  private readonly depth: number;
  private readonly mergeMs: number;
  private readonly now: () => number;

  constructor(initial: string, options: HistoryOptions = {}) {
    this.steps = [initial];
    this.depth = Math.max(1, options.depth ?? 200);
    this.mergeMs = options.mergeMs ?? 1000;
    this.now = options.now ?? (() => Date.now());
  }

  /** The text now (the step undo and redo move from). */
  get current(): string {
    return this.steps[this.index] ?? '';
  }

  get canUndo(): boolean {
    return this.index > 0;
  }

  get canRedo(): boolean {
    return this.index < this.steps.length - 1;
  }

  /**
   * The text after an edit: a new step (what could be redone is dropped), or the same step as the
   * previous push when both carry the same `merge` key and came within `mergeMs`. The same text
   * again is no step.
   */
  push(text: string, opts: { merge?: string } = {}): void {
    const at = this.now();
    const merging =
      opts.merge !== undefined &&
      this.last !== undefined &&
      this.last.merge === opts.merge &&
      at - this.last.at <= this.mergeMs &&
      this.index > 0 &&
      !this.canRedo;
    this.last = opts.merge !== undefined ? { merge: opts.merge, at } : undefined;
    if (text === this.current) return;
    if (merging) {
      this.steps[this.index] = text;
      return;
    }
    this.steps = this.steps.slice(0, this.index + 1);
    this.steps.push(text);
    if (this.steps.length > this.depth + 1) this.steps.splice(0, this.steps.length - this.depth - 1);
    this.index = this.steps.length - 1;
  }

  /** The text before the last step, or undefined when there is none. */
  undo(): string | undefined {
    if (!this.canUndo) return undefined;
    this.index -= 1;
    this.last = undefined;
    return this.current;
  }

  /** The text of the step undone last, or undefined when there is none. */
  redo(): string | undefined {
    if (!this.canRedo) return undefined;
    this.index += 1;
    this.last = undefined;
    return this.current;
  }

  /** Start again from `text` (another flow loaded, a version opened): nothing to undo or redo. */
  reset(text: string): void {
    this.steps = [text];
    this.index = 0;
    this.last = undefined;
  }
}
