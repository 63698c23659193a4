import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';

/** Parses and validates query parameters; a bad value is a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(
  schema: S,
  query: Record<string, string>,
): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HTTPException(400, {
      message: `${issue.path.join('.') || 'query'}: ${issue.message}`,
    });
  }
  return parsed.data;
}
