import { pino, type DestinationStream, type Logger } from 'pino'
import { getEnv } from '../env.server'
import { singleton } from '../utils/singleton.server'

// Paths that never reach a log line, whatever logs them.
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-gitlab-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
]

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'inquest' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}

export function getLogger(): Logger {
  return singleton('logger', () => createLogger(getEnv().LOG_LEVEL))
}
