import { byKind, CHANNEL_KINDS, type ChannelKind } from '../../shared/channels/registry';
import { resolveMessages } from '../../shared/engine/resolveMessages';
import { parseWithProblems } from '../../shared/flow/parseProblems';
import { messageBlockSchema } from '../../shared/flow/schema';
import { customerTexts, flowTextsSchema } from '../../shared/flow/texts';
import type { ResolvedMessage } from '../../shared/messages/message';
import { TemplateError, type TemplateContext } from '../../shared/templating/liquid';
import { invalid, type Problem } from './adminError';
import type { RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

const PREVIEW_CUSTOMER = 'preview';

/**
 * A message block as each channel would show it, with sample values: its templates rendered and its
 * repeats expanded by the engine (`resolveMessages`, as a turn does), then rendered by the LINE and
 * Messenger renderers the executor sends with (the dry run's follow-up uses the same). Nothing is
 * called, written or sent; no secret is read (message templates cannot name one, and the context has
 * none). Only the block previewed must be valid: the rest of a flow being edited may not be yet.
 */
export const previewMessages: RouteHandler<AdminRoutes['preview']> = async ({ body }, { workspaceId, deps }) => {
  const at = `flow.blocks.${body.blockId}`;
  const blocks = body.flow.blocks;
  const block =
    typeof blocks === 'object' && blocks !== null && Object.hasOwn(blocks, body.blockId)
      ? (blocks as Record<string, unknown>)[body.blockId]
      : undefined;
  if (block === undefined) throw invalid([{ path: 'blockId', message: `no block named "${body.blockId}"` }]);
  const type = typeof block === 'object' && block !== null && 'type' in block ? (block as { type: unknown }).type : undefined;
  if (type !== 'message')
    throw invalid([
      {
        path: 'blockId',
        message: `"${body.blockId}" is ${typeof type === 'string' ? `a ${type} block` : 'not a block'}, not a message block`,
      },
    ]);
  const parsed = parseWithProblems(messageBlockSchema, block);
  if (!parsed.ok)
    throw invalid(
      parsed.problems.map((p) => ({ path: p.path === '(root)' ? at : `${at}.${p.path}`, message: p.message })),
      'invalid block',
    );

  // A carousel's altText when its own renders empty: the flow's wording, else the workspace language's.
  const { language } = await deps.store.workspaceSettings.get(workspaceId);
  const texts = flowTextsSchema.safeParse(body.flow.texts);
  const carouselAltText = customerTexts(language, texts.success ? texts.data : undefined).carouselAltText;

  const attributes = body.attributes;
  const context = (channel: ChannelKind): TemplateContext => ({
    customer: { id: PREVIEW_CUSTOMER, channel, attributes },
    attributes,
    trigger: { type: 'postback', params: body.trigger?.params ?? {}, chat: 'user', speakerId: PREVIEW_CUSTOMER },
    // A sample verified customer, as a turn shows a live binding.
    ...(body.binding
      ? { binding: { memberId: body.binding.memberId, method: 'oneTimeCode', attributes: { ...body.binding.attributes } } }
      : {}),
    // The sample stands for a card's answer: templates read it as `response.body`.
    ...(body.response !== undefined ? { response: { status: 200, headers: {}, body: body.response } } : {}),
  });
  // Message by message, so that a template that cannot render is a problem at its message's path.
  const resolve = async (channel: ChannelKind) => {
    const messages: ResolvedMessage[] = [];
    let empty = false;
    const problems: Problem[] = [];
    for (const [i, message] of parsed.data.messages.entries()) {
      try {
        const resolved = await resolveMessages([message], context(channel), { carouselAltText });
        messages.push(...resolved.messages);
        empty ||= resolved.empty;
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        problems.push({ path: `${at}.messages.${i}`, message: error.message });
      }
    }
    if (problems.length) throw invalid(problems, 'the block cannot render');
    return { messages, empty };
  };
  // Each channel of the registry in turn (its templates see `customer.channel`), rendered under its kind.
  const resolved = {} as Record<ChannelKind, Awaited<ReturnType<typeof resolve>>>;
  for (const kind of CHANNEL_KINDS) resolved[kind] = await resolve(kind);
  return {
    blockId: body.blockId,
    ...byKind((adapter) => adapter.render(resolved[adapter.kind].messages)),
    // As the registry's first channel (LINE) resolved it.
    empty: resolved[CHANNEL_KINDS[0]].empty,
  };
};
