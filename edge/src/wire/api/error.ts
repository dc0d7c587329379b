/** The one error body of the API (api/server.ts): a message meant for the caller, naming the bad field. */
import { z } from 'zod';

export const errorBody = z.strictObject({ error: z.string() });
export type ErrorBody = z.infer<typeof errorBody>;
