/** The outline of the document `GET /api/openapi.json` serves (openapi.ts builds it). */
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

export const openApiDocumentShape = z.strictObject({
  openapi: z.literal('3.1.0'),
  info: z.strictObject({ title: z.string(), version: z.string(), description: z.string() }),
  tags: z.array(z.strictObject({ name: z.string() })),
  paths: z.record(z.string(), z.record(z.string(), jsonObject)).describe('By path, then by method: OpenAPI operation objects'),
  components: z.strictObject({ schemas: z.record(z.string(), jsonObject), securitySchemes: z.record(z.string(), jsonObject) }),
});
export type OpenApiDocument = z.infer<typeof openApiDocumentShape>;
