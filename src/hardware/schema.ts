import { z } from '@hono/zod-openapi';
import {
  HWID_MAX_AUDIENCE,
  HWID_MAX_PER_REQUEST,
  HWID_MAX_TOKEN_CHARS,
  HWID_MAX_USES_DEFAULT,
  HWID_MAX_USES_MAX,
  HWID_TTL_DEFAULT_S,
  HWID_TTL_MAX_S,
} from '../constants';
import { ServerIdentity } from '../inventory/schema';
import { SCOPES } from '../inventory/units';

const Scope = z.enum(SCOPES).openapi({ description: 'Level of the hardware hierarchy an ID stands for' });
const PrincipalId = z.string().min(1).max(100);

/** What every minting request may set about the IDs it gets. */
const IdTerms = {
  audience: z
    .array(PrincipalId)
    .min(1)
    .max(HWID_MAX_AUDIENCE)
    .optional()
    .openapi({ description: 'Provider or customer ids allowed to present the IDs (default: the caller)' }),
  ttlSeconds: z.number().int().min(1).max(HWID_TTL_MAX_S).default(HWID_TTL_DEFAULT_S),
  maxUses: z.number().int().min(1).max(HWID_MAX_USES_MAX).default(HWID_MAX_USES_DEFAULT),
};

export const MintBody = z
  .strictObject({
    customerId: PrincipalId.optional().openapi({ description: 'Whose hardware; required for a provider, optional for the customer itself' }),
    scope: Scope,
    ...IdTerms,
  })
  .openapi('MintHardwareIds');

export const HardwareIdSchema = z
  .object({
    id: z.string().openapi({ description: 'The hardware ID: a signed JWT (EdDSA, `typ` hwid+jwt), verifiable with /.well-known/jwks.json' }),
    scope: Scope,
    coverage: z.number().int().openapi({ description: 'How many of the customer’s placements the unit holds' }),
    expiresAt: z.number().int().openapi({ description: 'Unix epoch milliseconds' }),
    usesLeft: z.number().int(),
  })
  .openapi('HardwareId');

export const MintResult = z
  .object({ items: z.array(HardwareIdSchema).openapi({ description: 'One ID per unit holding the customer’s data, in no meaningful order' }) })
  .openapi('HardwareIds');

const Tokens = z.array(z.string().min(1).max(HWID_MAX_TOKEN_CHARS)).min(1).max(HWID_MAX_PER_REQUEST);

export const VerifyBody = z.strictObject({ hardwareIds: Tokens }).openapi('VerifyHardwareIds');

export const VerifyResult = z
  .object({
    items: z.array(
      z.object({
        scope: Scope,
        expiresAt: z.number().int().openapi({ description: 'Unix epoch milliseconds' }),
        usesLeft: z.number().int().openapi({ description: 'After this check, which used one' }),
      }),
    ),
  })
  .openapi('VerifiedHardwareIds');

export const RevokeBody = z
  .union([z.strictObject({ hardwareIds: Tokens }), z.strictObject({ all: z.literal(true) })])
  .openapi('RevokeHardwareIds', { description: 'Either the IDs to revoke, or `all: true` for every live ID you own' });

export const RevokeResult = z.object({ revoked: z.number().int().openapi({ description: 'IDs that were live and are now revoked' }) }).openapi('RevokedHardwareIds');

export const DiscoverBody = z
  .strictObject({
    address: ServerIdentity.shape.dom0Ip.openapi({ description: 'The Dom0 IP or internal IP your VM observes' }),
    ...IdTerms,
  })
  .openapi('DiscoverHost');

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  })
  .openapi('JsonWebKeySet');
