/**
 * The request serializer of the access log: Fastify's default fields, with the `api_key` query
 * parameter (accepted on the SSE routes for browsers' EventSource) masked, so that keys never
 * reach the logs.
 */
import type { FastifyRequest } from 'fastify';

export function redactApiKey(url: string): string {
  return url.replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]');
}

export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactApiKey(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
