// A function for the reader thread to call by name (see callBeside in app/db-reader.server.ts): it
// hands back what it read before it goes on, then answers with what it read after.
import type { BesideReader, BesideResult } from '../../app/db-reader.server'

export async function handThenAnswer(reader: BesideReader, first: string, then: string): Promise<BesideResult<string | null>> {
  reader.hand(await reader.readText(first, []))
  return { value: await reader.readText(then, []) }
}
