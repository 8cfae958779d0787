import { readFile, writeFile } from 'node:fs/promises';
import { runFlowsCli } from './flowsCli';

/** `npm run flows -- <command>`: see FLOWS_USAGE in ./flowsCli.ts. */
runFlowsCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: (path, text) => writeFile(path, text, 'utf8'),
  env: { CALLCARD_API_URL: process.env.CALLCARD_API_URL, CALLCARD_ADMIN_KEY: process.env.CALLCARD_ADMIN_KEY, PORT: process.env.PORT },
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
