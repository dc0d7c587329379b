/**
 * Checks what the API answered against its contract (edge/src/wire/api): the JSON is parsed with
 * the route's response schema, whose objects are strict, so a field missing, mistyped or not
 * declared fails the test with every problem named by path.
 */
import { expect } from 'vitest';
import { z } from 'zod';

/** `value` parsed by `schema`, or a failed test naming each mismatch. */
export function expectShape<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    expect.fail(`answer does not match its contract:\n${z.prettifyError(result.error)}\nanswer: ${JSON.stringify(value).slice(0, 1000)}`);
  }
  return result.data;
}

/** The JSON body of an app.inject() answer, parsed by `schema`. */
export function expectMatches<S extends z.ZodType>(schema: S, res: { readonly body: string }): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(res.body);
  } catch {
    expect.fail(`answer is not JSON: ${res.body.slice(0, 200)}`);
  }
  return expectShape(schema, value);
}
