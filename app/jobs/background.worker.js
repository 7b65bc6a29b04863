// The entry of the server's background thread (see background-thread.server.ts). Plain JavaScript:
// a worker thread does not inherit tsx's loader, so it registers it, then loads the TypeScript.
import { register } from 'tsx/esm/api'

register()
await import('./background-main.server.ts')
