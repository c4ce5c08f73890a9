import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../ports';
import { rejectInvalid } from '../validation';

/** A sub-app whose routes are documented in the OpenAPI document and whose bad input is a 400 problem. */
export const router = () => new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid });
