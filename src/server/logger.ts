import pino, { type Logger } from "pino";

/** The service's structured logger (JSON lines on stdout); secrets are redacted should one ever be passed. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name: "human-connect",
    level,
    redact: {
      paths: [
        "client_secret",
        "*.client_secret",
        "token",
        "*.token",
        "session_token",
        "id_token",
        "id_refresh_token",
        "headers.authorization",
        "*.headers.authorization",
      ],
      censor: "[redacted]",
    },
  });
}
