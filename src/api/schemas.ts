/** zod schemas shared by several route descriptions (api/openapi.ts). */
import { z } from 'zod';

/** Every error body of the DashScope-style routes. */
export const errorBody = z
  .object({
    request_id: z.string().describe('The request id, also in the x-request-id header.'),
    code: z.string().describe('A stable error code, see docs/errors.md.'),
    message: z.string(),
  })
  .describe('A DashScope error body.');

export const requestIdOnly = z.object({ request_id: z.string() });

export const COMMON_SCHEMAS = { ErrorBody: errorBody, RequestIdOnly: requestIdOnly } as const;

/** The error response every authenticated route can give. */
export const AUTH_ERRORS = {
  '401': { description: 'No or invalid API key (InvalidApiKey).', schema: 'ErrorBody' },
} as const;

export const RATE_LIMITED = {
  '429': { description: 'Over the workspace request rate (Throttling.RateQuota), with Retry-After.', schema: 'ErrorBody' },
} as const;
