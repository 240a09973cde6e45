/**
 * Free text callers name things with (names, labels, descriptions, reasons) is shown to other
 * principals in the console, the CLI and logs. Control characters can forge log lines or terminal
 * output, bidi overrides and isolates make text read differently from what it is (Trojan Source),
 * and unpaired surrogates are not text at all (they break UTF-8 encoders downstream). One schema
 * builder refuses them all, so every text field of every request gets the same rule.
 */
import { z } from '@hono/zod-openapi';

/** Bidi controls: ALM, LRM, RLM, embeddings and overrides (U+202A–202E), isolates (U+2066–2069). */
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
/** With the `u` flag a surrogate range matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = '\\ud800-\\udfff';
/** C0 controls, DEL and C1 controls; multi-line text keeps tab and newline. */
const SINGLE_LINE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI}${LONE_SURROGATE}]`, 'u');
const MULTI_LINE = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${BIDI}${LONE_SURROGATE}]`, 'u');

export interface TextOptions {
  /** Longest accepted, in UTF-16 code units after trimming. */
  max: number;
  /** Shortest accepted after trimming (default 1: blank text is refused). */
  min?: number;
  /** Tab and newline allowed (CRLF is stored as LF), for descriptions and messages. */
  multiline?: boolean;
}

/** The first refused character of `value` as `U+XXXX`, or null when there is none. */
export function forbiddenCharacter(value: string, multiline = false): string | null {
  const found = (multiline ? MULTI_LINE : SINGLE_LINE).exec(value);
  return found ? `U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** A trimmed string that refuses control, bidi-control and unpaired surrogate characters. */
export function text({ max, min = 1, multiline = false }: TextOptions) {
  const base = multiline ? z.string().overwrite((s) => s.replace(/\r\n/g, '\n')) : z.string();
  return base
    .trim()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const found = forbiddenCharacter(value, multiline);
      if (found)
        ctx.addIssue({
          code: 'custom',
          message: `must not contain ${found}: control characters${multiline ? ' (other than tab and newline)' : ''}, bidi controls and unpaired surrogates are refused`,
        });
    });
}
