import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { configureDatabase, lendTurns, openDatabase } from './db.server'
import { leaveCheckpointsToOthers, startBackgroundCheckpoints } from './db-checkpoints.server'

const directory = mkdtempSync(path.join(tmpdir(), 'inquest-db-checkpoints-'))

afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** Opens a fresh embedded database in WAL mode, as the server does, with a table of ~3 MB of rows to write. */
async function database(name: string) {
  const file = path.join(directory, `${name}.db`)
  const env = { DATABASE_URL: `file:${file}` } as Parameters<typeof openDatabase>[0]
  const handle = openDatabase(env)
  const { client } = handle
  await configureDatabase(client, env.DATABASE_URL)
  await client.execute('create table blobs (body text not null)')
  const writeThreeMegabytes = async () => {
    for (let commit = 0; commit < 30; commit++) await client.execute({ sql: 'insert into blobs (body) values (?)', args: ['x'.repeat(100_000)] })
  }
  const writeSixMegabytesAtOnce = () =>
    client.batch(Array.from({ length: 60 }, () => ({ sql: 'insert into blobs (body) values (?)', args: ['x'.repeat(100_000)] })), 'write')
  // A steady stream: 400 commits of 20 KB, one a millisecond.
  const writeEightMegabytesSteadily = async () => {
    for (let commit = 0; commit < 400; commit++) {
      await client.execute({ sql: 'insert into blobs (body) values (?)', args: ['x'.repeat(20_000)] })
      await pause(1)
    }
  }
  /** Background checkpoints that take this database's turns (not the process's own database). */
  const startCheckpoints = (options: { restartAtPages?: number; turnBackoffMs?: number } = {}) => startBackgroundCheckpoints(client, env, { ...options, lend: (port) => lendTurns(port, handle) })
  return { client, env, file, writeThreeMegabytes, writeSixMegabytesAtOnce, writeEightMegabytesSteadily, startCheckpoints }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('background checkpoints', () => {
  it('copy the write-ahead log into the database file from their own thread, so commits need not', async () => {
    const { client, file, writeThreeMegabytes, startCheckpoints } = await database('background')
    const checkpoints = await startCheckpoints()
    expect(checkpoints).not.toBeNull()
    // The request thread's connection would checkpoint only past the safety net.
    expect((await client.execute('pragma wal_autocheckpoint')).rows[0][0]).toBe(8192)
    await writeThreeMegabytes()
    await pause(300)
    expect(statSync(file).size).toBeGreaterThan(3_000_000)
    await checkpoints!.stop()
    client.close()
  })

  it('start the log over under a steady stream of commits, once it passes the restart threshold', async () => {
    const { client, file, writeEightMegabytesSteadily, startCheckpoints } = await database('restart')
    // A small log and no pause between passes in the turn, so that a short test sees many restarts.
    const checkpoints = await startCheckpoints({ restartAtPages: 64, turnBackoffMs: 0 })
    await writeEightMegabytesSteadily()
    await checkpoints!.stop()
    // Every commit was copied, and the log was written over from its start again and again: it ends
    // well short of the 8 MB written (usually under 2 MB; under 5 on a busy machine, where the
    // checkpoint thread falls behind for a while), where without restarts it holds nearly all of it.
    expect(statSync(file).size).toBeGreaterThan(7_000_000)
    expect(statSync(`${file}-wal`).size).toBeLessThan(5_000_000)
    client.close()
  })

  it('without the restart, the log grows with every commit of a steady stream, copied or not', async () => {
    const { client, file, writeEightMegabytesSteadily, startCheckpoints } = await database('no-restart')
    const checkpoints = await startCheckpoints({ restartAtPages: Number.MAX_SAFE_INTEGER })
    await writeEightMegabytesSteadily()
    await checkpoints!.stop()
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(6_000_000)
    client.close()
  })

  it('without them, the same writes stay in the log (below SQLite’s own threshold)', async () => {
    const { client, file, writeThreeMegabytes } = await database('foreground')
    await client.execute('pragma wal_autocheckpoint = 8192')
    await writeThreeMegabytes()
    await pause(300)
    expect(statSync(file).size).toBeLessThan(100_000)
    client.close()
  })

  it('are left to the checkpoint thread by the background thread’s connection, even after a big commit', async () => {
    const { client, env, file, writeSixMegabytesAtOnce } = await database('background-connection')
    await leaveCheckpointsToOthers(client, env)
    expect((await client.execute('pragma wal_autocheckpoint')).rows[0][0]).toBe(0)
    await writeSixMegabytesAtOnce()
    expect(statSync(file).size).toBeLessThan(100_000)
    client.close()
  })

  it('are run by the commit itself past 1,000 log pages otherwise (SQLite’s default)', async () => {
    const { client, file, writeSixMegabytesAtOnce } = await database('default-connection')
    await writeSixMegabytesAtOnce()
    expect(statSync(file).size).toBeGreaterThan(6_000_000)
    await leaveCheckpointsToOthers(client, { DATABASE_URL: 'file:x.db', DATABASE_SYNC_URL: 'libsql://db.example.com' })
    expect((await client.execute('pragma wal_autocheckpoint')).rows[0][0]).toBe(1000)
    client.close()
  })

  it('are not started for a database that is not a local file', async () => {
    const { client } = await database('remote')
    expect(await startBackgroundCheckpoints(client, { DATABASE_URL: 'libsql://db.example.com' })).toBeNull()
    expect(await startBackgroundCheckpoints(client, { DATABASE_URL: 'file:x.db', DATABASE_SYNC_URL: 'libsql://db.example.com' })).toBeNull()
    client.close()
  })
})
