import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeBlocks, headings, outputMismatch, shownCommands } from '../support/readmeTour';

/**
 * The README is the first thing a new user runs: it must stay whole and runnable. (The tour itself is
 * run, command by command, by test/integration/readmeTour.test.ts.)
 */
const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const scripts = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);

describe('README.md', () => {
  it('shows the console screenshots it names, and they are files of the repository', () => {
    const images = [...readme.matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)].map((match) => ({ alt: match[1] ?? '', file: match[2] ?? '' }));
    expect(images.map((image) => image.file)).toEqual(
      expect.arrayContaining([
        'docs/screenshots/console-card-form.png',
        'docs/screenshots/console-card-form-test.png',
        'docs/screenshots/console-simulator.png',
      ]),
    );
    for (const image of images) {
      expect(image.alt.length).toBeGreaterThan(10);
      expect(fs.readFileSync(path.join(root, image.file)).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('has balanced code fences', () => {
    expect(() => codeBlocks(readme)).not.toThrow();
  });

  it('has each heading once', () => {
    const all = headings(readme);
    expect(all.filter((heading, index) => all.indexOf(heading) !== index)).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const named = [...readme.matchAll(/npm run ([a-z][\w:-]*\w)/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(5);
    expect([...new Set(named)].filter((name) => !scripts.includes(name ?? ''))).toEqual([]);
  });

  it('names only example files that are shipped', () => {
    const named = [...readme.matchAll(/\bexamples\/[\w./-]*\w/g)].map((match) => match[0]);
    expect(named.length).toBeGreaterThan(0);
    expect([...new Set(named)].filter((file) => !fs.existsSync(path.join(root, file)))).toEqual([]);
  });

  it('shows only request bodies that are JSON (inline `-d` bodies parse; `-d @file` files exist and parse)', () => {
    const commands = codeBlocks(readme).flatMap((block) => block.lines);
    const bodies = commands.flatMap((line) => [...line.matchAll(/(?:-d|--data(?:-raw)?) '([^']*)'/g)].map((match) => match[1] ?? ''));
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) expect(() => JSON.parse(body)).not.toThrow();
    const files = commands.flatMap((line) => [...line.matchAll(/(?:-d|--data(?:-binary)?) @(\S+)/g)].map((match) => match[1] ?? ''));
    for (const file of files) expect(() => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))).not.toThrow();
  });

  it('elides nothing in a command: every `$` line runs as printed', () => {
    const elided = shownCommands(codeBlocks(readme)).filter((shown) => shown.command.includes('…'));
    expect(elided.map((shown) => shown.command)).toEqual([]);
  });
});

describe('the README tour reader', () => {
  it('matches outputs line by line, `…` standing for left-out text', () => {
    expect(outputMismatch(['reply (+12 ms)', '  Hello …!'], ['reply (+340 ms)', '  Hello Mei-Hua!'])).toBeUndefined();
    expect(outputMismatch(['a', '…', 'z'], ['a', 'b', 'c', 'z'])).toBeUndefined();
    expect(outputMismatch(['a', 'z'], ['a', 'b', 'z'])).toBe('z');
    expect(outputMismatch(['reply (+1 ms)', '  Hello'], ['reply (+1 ms)', '  Goodbye'])).toBe('  Hello');
  });

  it('compares a whole JSON line by its value: DynamoDB Local orders map keys its own way', () => {
    const shown = '{"customerId":"U1","attributes":{"memberId":"M001","phone":"09…"},"updatedAt":"2026-12-04T10:00:00.000Z"}';
    expect(
      outputMismatch(
        [shown.replace('09…', '0912345678')],
        ['{"updatedAt":"2026-12-05T01:02:03.456Z","attributes":{"phone":"0912345678","memberId":"M001"},"customerId":"U1"}'],
      ),
    ).toBeUndefined();
    // Values still count, and a line with `…` in it is matched by its text only.
    expect(outputMismatch(['{"a":1,"b":2}'], ['{"b":2,"a":3}'])).toBe('{"a":1,"b":2}');
    expect(
      outputMismatch(
        [shown],
        ['{"attributes":{"phone":"0912345678","memberId":"M001"},"customerId":"U1","updatedAt":"2026-12-05T01:02:03.456Z"}'],
      ),
    ).toBe(shown);
  });
});
