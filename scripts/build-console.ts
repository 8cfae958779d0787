import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { assetsModule, buildConsoleAssets, firstLoad, GENERATED_MODULE } from '../console/build';

/**
 * `npm run console:build`: rebuild functions/console/consoleAssets.generated.ts from console/, and print
 * each file's size and the first load's (page, styles, main script and its chunks; a page's own chunk
 * loads when it is opened).
 */
const assets = buildConsoleAssets();
const first = new Set(firstLoad(assets).map((asset) => asset.path));
writeFileSync(GENERATED_MODULE, assetsModule(assets));
const total = { raw: 0, gzip: 0 };
const firstSize = { raw: 0, gzip: 0 };
const line = (name: string, raw: number, gzip: number) =>
  console.log(`${name.padEnd(44)} ${String(raw).padStart(7)} B   gzip ${String(gzip).padStart(6)} B`);
for (const asset of assets) {
  const raw = Buffer.byteLength(asset.body);
  const gzip = gzipSync(asset.body).length;
  for (const sum of first.has(asset.path) ? [total, firstSize] : [total]) {
    sum.raw += raw;
    sum.gzip += gzip;
  }
  line(asset.path, raw, gzip);
}
line('first load (page, styles, console.js + its chunks)', firstSize.raw, firstSize.gzip);
line('everything', total.raw, total.gzip);
console.log(`wrote ${GENERATED_MODULE}`);
