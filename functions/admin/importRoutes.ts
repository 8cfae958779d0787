import { importCurl } from '../../shared/import/curl';
import { checkImportedCard, ImportError, type ImportedCardInput } from '../../shared/import/importedCard';
import { importOperation, listOperations, loadOpenApi } from '../../shared/import/openapi';
import { SIGNING_SECRET_NAME } from '../../shared/http/signRequest';
import { OutboundError } from '../../shared/http/guardedFetch';
import { AdminError, invalid } from './adminError';
import type { AdminContext, RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// Import a card (issue 21). The OpenAPI parsers (swagger-parser, yaml: ~390 KiB) are loaded by the
// first OpenAPI import, never at cold start: shared/import/openapi.ts requires them on first use, and
// the Lambda bundle ships them beside index.js (infra/bundling.ts, SHIPPED_BESIDE). The importers
// themselves are small and load with the function.

/** Largest OpenAPI document fetched by URL. */
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

type StoreSecrets = Array<{ name: string; storeAs?: string | undefined; allowedHosts: string[] }> | undefined;

/** `POST /admin/import/curl`. */
export const importCurlRoute: RouteHandler<AdminRoutes['importCurl']> = async ({ body }, ctx) => {
  const imported = refusedAs400(() => importCurl(body.curl));
  return answer(imported, body.storeSecrets, ctx);
};

/** `POST /admin/import/openapi`. */
export const importOpenApiRoute: RouteHandler<AdminRoutes['importOpenApi']> = async ({ body }, ctx) => {
  const source = body.url !== undefined ? await fetchDocument(body.url, ctx) : (body.document ?? '');
  const document = await refusedAs400Async(() => loadOpenApi(source));
  const title = document.info?.title;
  const operations = listOperations(document);
  if (body.operationId === undefined) return { ...(title ? { title } : {}), operations };
  const imported = refusedAs400(() =>
    importOperation(document, body.operationId as string, {
      ...(body.url ? { documentUrl: body.url } : {}),
      ...(body.server !== undefined ? { server: body.server } : {}),
    }),
  );
  return { ...(title ? { title } : {}), operations, imported: await answer(imported, undefined, ctx) };
};

/** The document at `url`, through the guarded outbound path (the cards' and the dry runs' caller). */
async function fetchDocument(url: string, { workspaceId, deps }: AdminContext): Promise<string> {
  const { allowedPorts } = await deps.store.workspaceSettings.get(workspaceId);
  try {
    const response = await deps.fetch({
      method: 'GET',
      url,
      headers: { accept: 'application/json, application/yaml, text/yaml;q=0.9, */*;q=0.5' },
      timeoutMs: 10_000,
      maxResponseBytes: MAX_DOCUMENT_BYTES,
      allowedPorts,
    });
    if (response.status < 200 || response.status > 299)
      throw invalid([{ path: 'url', message: `the document's URL answered ${response.status}` }], 'cannot import');
    return response.body;
  } catch (error) {
    if (error instanceof OutboundError)
      throw invalid([{ path: 'url', message: `the document could not be fetched (${error.kind}): ${error.message}` }], 'cannot import');
    throw error;
  }
}

/** The import as the API answers it: secrets stored when asked, their values never in the answer. */
async function answer(imported: ImportedCardInput, storeSecrets: StoreSecrets, { workspaceId, deps }: AdminContext) {
  const stored = new Set<string>();
  let card = imported.card;
  for (const request of storeSecrets ?? []) {
    const offer = imported.secrets.find((s) => s.name === request.name);
    const target = request.storeAs ?? request.name;
    if (!offer) throw invalid([{ path: 'storeSecrets', message: `${request.name} is not a secret this import offers` }], 'cannot import');
    if (offer.value === undefined)
      throw invalid(
        [
          {
            path: 'storeSecrets',
            message: `the source holds no value for ${request.name} (only a placeholder): store it with PUT /admin/secrets/${target}`,
          },
        ],
        'cannot import',
      );
    if (target === SIGNING_SECRET_NAME)
      throw invalid(
        [{ path: 'storeSecrets', message: `${SIGNING_SECRET_NAME} signs callcard's calls and is never sent` }],
        'cannot import',
      );
    await deps.store.secrets.put(workspaceId, target, offer.value, new Date(deps.now?.() ?? Date.now()), request.allowedHosts);
    deps.logger.info('secret saved', { workspaceId, name: target, allowedHosts: request.allowedHosts.length, by: 'import' });
    stored.add(request.name);
    if (target !== request.name)
      card = JSON.parse(JSON.stringify(card).split(`{{ secrets.${request.name} }}`).join(`{{ secrets.${target} }}`)) as typeof card;
  }
  if (card !== imported.card) checkImportedCard(card);
  const renamed = new Map((storeSecrets ?? []).map((r) => [r.name, r.storeAs ?? r.name]));
  return {
    ...imported,
    card,
    secrets: imported.secrets.map(({ value, ...offer }) => ({
      ...offer,
      name: renamed.get(offer.name) ?? offer.name,
      valueOffered: value !== undefined,
      ...(stored.has(offer.name) ? { stored: true } : {}),
    })),
  };
}

/** An import refusal is the admin's to fix: 400 with why (and where in the card). */
function refusedAs400<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asAdminError(error);
  }
}

async function refusedAs400Async<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asAdminError(error);
  }
}

function asAdminError(error: unknown): unknown {
  if (!(error instanceof ImportError)) return error;
  return new AdminError(400, {
    error: `cannot import: ${error.message}`,
    problems: error.problems.map((p) => ({ path: `card.${p.path}`, message: p.message })),
  });
}
