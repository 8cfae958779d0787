import { parseArgs } from 'node:util';
import { createStore } from '../shared/store/store';
import { createTable } from '../shared/store/table';

/**
 * `npm run admin-key -- <workspaceId> [--table <name>]`: issue an admin key for a workspace, written
 * straight to the table with your AWS credentials (the API cannot issue the first key of a workspace:
 * it needs one). The key is printed once; only its SHA-256 is stored.
 */
async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { table: { type: 'string' } } });
  const [workspaceId] = positionals;
  const table = values.table ?? process.env.TABLE_NAME;
  if (!workspaceId || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(workspaceId) || !table) {
    console.error('Usage: npm run admin-key -- <workspaceId> --table <TableName output of the stateful stack> (or TABLE_NAME)');
    return 2;
  }
  const key = await createStore(createTable(table)).adminKeys.issue(workspaceId);
  console.log(`Admin key for workspace ${workspaceId} (shown once, store it in your secret manager):\n${key}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
