import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { openAiErrorBody } from "./openai/openai-error-response.js";

/** What Node's HTTP parser says went wrong with a request it could not read. */
interface ClientError extends Error {
  code?: string;
}

/**
 * The server's `clientError` handler: a request Node's HTTP parser refuses (a malformed request
 * line or header, a bad Content-Length or chunk, headers over the size limit, a request that took
 * too long to arrive) is answered as the server answers every refusal, with a 4xx and the OpenAI
 * error body, instead of Node's bare status line; then the connection is closed. A connection that
 * was reset, or whose response has begun, is only closed.
 */
export function answerClientError(error: ClientError, socket: Duplex): void {
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || response?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, message, code] = refusalOf(error.code);
  const body = openAiErrorBody(message, "invalid_request_error", code);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
      "content-type: application/json\r\n" +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      "connection: close\r\n\r\n" +
      body,
    // The server's sockets are half-open: without this a client that never closes its side (a
    // slowloris client) would keep the connection after its answer.
    () => socket.destroy(),
  );
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** The status, message and code of the answer to a parser error code. */
function refusalOf(code: string | undefined): [status: number, message: string, code: string] {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, "The request's headers are too large.", "headers_too_large"];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "The request took too long to arrive.", "request_timeout"];
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return [400, "The request's Content-Length header is not valid.", "invalid_http_request"];
    case "HPE_INVALID_TRANSFER_ENCODING":
    case "HPE_INVALID_CHUNK_SIZE":
      return [400, "The request's chunked body is not valid.", "invalid_http_request"];
    default:
      return [400, "The request is not valid HTTP/1.1.", "invalid_http_request"];
  }
}
