import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the bundles that carry the AWS SDK (see
 * `callcardBundling('bundled')` in ./bundling.ts; esbuild's alias swaps it in, nothing imports this
 * file directly). Every SDK client's runtime config takes `defaultProvider` from that package: the
 * whole default chain (environment, SSO, web identity, INI files, process, ECS and EC2 metadata),
 * with the nested STS, SSO and sign-in clients it needs, about 90 KiB minified.
 *
 * On Lambda the chain always stops at its first link: the runtime puts the execution role's
 * credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. So the bundle
 * keeps that link only. (Local runs and tests do not bundle and use the full chain.)
 */
export const defaultProvider = (init?: FromEnvInit): ReturnType<typeof fromEnv> => fromEnv(init);
