/** A provider's webhook endpoint and its signing secrets (sealed at rest) in `provider_settings`. */
import { and, eq, sql } from 'drizzle-orm';
import { providerSettings } from '../../schema';
import { WEBHOOK_ROTATION_OVERLAP_MS } from '../constants';
import type { Db } from '../db';
import { generateWebhookSecret } from './secrets';
import { seal, unseal } from '../lib/sealing';

/**
 * A new provider's webhook settings: a fresh signing secret, kept sealed. A statement for the batch
 * that registers the provider; the secret is returned once, to be shown to the provider.
 */
export async function newProviderSettings(db: Db, secretsKey: string, providerId: string) {
  const webhookSecret = generateWebhookSecret();
  return { webhookSecret, stmt: db.insert(providerSettings).values({ providerId, webhookSecretEnc: await seal(secretsKey, webhookSecret) }) };
}

export interface EndpointView {
  url: string | null;
  disabledAt: number | null;
  /** When the secret replaced by the last rotation stops signing. */
  previousSecretExpiresAt: number | null;
}

/**
 * Sets the URL, re-enables the endpoint and rotates the secret, in one statement: the current
 * secret becomes the previous one (still signing for the overlap), a new one becomes current.
 * Returns the new secret in clear, once; null when the provider has no settings row.
 */
export async function setEndpoint(db: Db, secretsKey: string, providerId: string, url: string, now: number) {
  const secret = generateWebhookSecret();
  const sealed = await seal(secretsKey, secret);
  const previousSecretExpiresAt = now + WEBHOOK_ROTATION_OVERLAP_MS;
  const row = await db
    .update(providerSettings)
    .set({
      webhookUrl: url,
      previousSecretEnc: sql`${providerSettings.webhookSecretEnc}`,
      previousSecretExpiresAt,
      webhookSecretEnc: sealed,
      webhookDisabledAt: null,
    })
    .where(eq(providerSettings.providerId, providerId))
    .returning({ providerId: providerSettings.providerId })
    .get();
  return row ? { url, secret, previousSecretExpiresAt } : null;
}

export async function getEndpoint(db: Db, providerId: string, now: number): Promise<EndpointView | null> {
  const row = await db.select().from(providerSettings).where(eq(providerSettings.providerId, providerId)).get();
  if (!row) return null;
  const previousLive = row.previousSecretEnc && (row.previousSecretExpiresAt ?? 0) > now;
  return { url: row.webhookUrl, disabledAt: row.webhookDisabledAt, previousSecretExpiresAt: previousLive ? row.previousSecretExpiresAt : null };
}

export interface SigningEndpoint {
  url: string | null;
  disabled: boolean;
  /** Live secrets in clear, newest first. */
  secrets: string[];
}

/** What a delivery needs: where to send and which secrets sign. */
export async function signingEndpoint(db: Db, secretsKey: string, providerId: string, now: number): Promise<SigningEndpoint | null> {
  const row = await db.select().from(providerSettings).where(eq(providerSettings.providerId, providerId)).get();
  if (!row) return null;
  const secrets = [await unseal(secretsKey, row.webhookSecretEnc)];
  if (row.previousSecretEnc && (row.previousSecretExpiresAt ?? 0) > now) secrets.push(await unseal(secretsKey, row.previousSecretEnc));
  return { url: row.webhookUrl, disabled: row.webhookDisabledAt !== null, secrets };
}

/** Disables the endpoint after a 410, unless the provider has meanwhile moved it to another URL. */
export async function disableEndpoint(db: Db, providerId: string, url: string, now: number): Promise<void> {
  await db
    .update(providerSettings)
    .set({ webhookDisabledAt: now })
    .where(and(eq(providerSettings.providerId, providerId), eq(providerSettings.webhookUrl, url)))
    .run();
}
