import type * as z from 'zod';
import type { InboundEvent } from '../domain/inboundEvents';
import type { questionBlockSchema } from '../flow/schema';

type QuestionInput = z.infer<typeof questionBlockSchema>['input'];

/**
 * The value to save, or undefined when the answer does not fit the question.
 *
 * Every answer is NFKC-normalised first, as keywords are compared: the full-width forms a zh-TW (or
 * Japanese) keyboard types fold to ASCII (`Ａ１２３` → `A123`, `０９１２…` → `0912…`, `ｍｅｉ＠…` →
 * `mei@…`), half-width katakana widen, an ideographic space is a space. Free text too: what a question
 * asks for is mostly an id, a name or an address a brand looks up, where `Ａ１２３` must be `A123`;
 * Chinese characters are unchanged, and the cost is that full-width punctuation in prose (，！？)
 * becomes its ASCII form.
 */
export function validateAnswer(input: QuestionInput, event: InboundEvent): string | number | undefined {
  const raw = event.type === 'text' ? event.text : event.type === 'postback' ? event.data : undefined;
  if (raw === undefined) return undefined;
  const text = raw.normalize('NFKC').trim();
  if (text === '') return undefined;
  switch (input.type) {
    case 'text':
      return text.length <= 1000 ? text : undefined;
    case 'number': {
      const plain = text.replace(/,/g, '');
      // Decimal only: Number() would also read 0x10 or 0b11.
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain)) return undefined;
      const n = Number(plain);
      if (!Number.isFinite(n)) return undefined;
      if (input.min !== undefined && n < input.min) return undefined;
      if (input.max !== undefined && n > input.max) return undefined;
      return n;
    }
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) && text.length <= 254 ? text : undefined;
    case 'phone': {
      // Digits with optional + and separators; 8 to 15 digits fits local and E.164 numbers.
      if (!/^\+?[\d\s\-()]+$/.test(text)) return undefined;
      const digits = text.replace(/[^\d+]/g, '');
      const count = digits.replace('+', '').length;
      return count >= 8 && count <= 15 ? digits : undefined;
    }
    case 'date': {
      const match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
      if (!match) return undefined;
      const [, y, m, d] = match;
      const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      const date = new Date(`${iso}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : undefined;
    }
    case 'choice': {
      const folded = text.toLowerCase();
      const fold = (written: string) => written.normalize('NFKC').trim().toLowerCase();
      const hit = input.choices.find((c) => fold(c.value) === folded || fold(c.label) === folded);
      return hit?.value;
    }
  }
}
