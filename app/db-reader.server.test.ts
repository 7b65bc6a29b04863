import { describe, expect, it } from 'vitest'
import { getClient } from './db.server'
import { readTextBeside } from './db-reader.server'

describe('reads beside the caller', () => {
  it('answer on a connection of their own, seeing what the caller committed, while the caller goes on', async () => {
    await getClient().execute('create table if not exists reader_notes (body text not null)')
    await getClient().execute("insert into reader_notes (body) values ('one'), ('two')")
    let fallbackUsed = false
    const read = readTextBeside("select group_concat(body, ',') from reader_notes where body <> ?", ['none'], async () => {
      fallbackUsed = true
      return null
    })
    // The caller's own connection is free meanwhile.
    expect((await getClient().execute('select count(*) from reader_notes')).rows[0][0]).toBe(2)
    expect(await read).toBe('one,two')
    expect(fallbackUsed).toBe(false)
  })

  it('say what went wrong with a bad query', async () => {
    await expect(readTextBeside('select body from nowhere', [], async () => null)).rejects.toThrow(/no such table: nowhere/)
  })
})
