import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { assetsModule, buildConsoleAssets, GENERATED_MODULE } from '../console/build';

/** `npm run console:build`: rebuild functions/console/consoleAssets.generated.ts from console/, and print the first-load size. */
const assets = buildConsoleAssets();
writeFileSync(GENERATED_MODULE, assetsModule(assets));
let raw = 0;
let gzipped = 0;
for (const asset of assets) {
  const bytes = Buffer.byteLength(asset.body);
  const zipped = gzipSync(asset.body).length;
  raw += bytes;
  gzipped += zipped;
  console.log(`${asset.path.padEnd(24)} ${String(bytes).padStart(7)} B   gzip ${String(zipped).padStart(6)} B`);
}
console.log(`${'first load'.padEnd(24)} ${String(raw).padStart(7)} B   gzip ${String(gzipped).padStart(6)} B`);
console.log(`wrote ${GENERATED_MODULE}`);
