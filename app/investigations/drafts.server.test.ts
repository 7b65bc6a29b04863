import { describe, expect, it } from 'vitest'
import { userWithRole } from '../../tests/helpers/auth'
import { claimDraft, createDraft, deleteDraft, getDraft, listDrafts, restoreDraft, saveDraft } from './drafts.server'

describe('investigation drafts', () => {
  it('keeps what was typed, per person: someone else cannot read, save or delete it', async () => {
    const engineer = await userWithRole('engineer')
    const admin = await userWithRole('admin')
    const id = await createDraft(engineer.id, { what: { title: 'Checkout is red' } }, 1, 1_000)
    expect(await getDraft(id, engineer.id)).toMatchObject({ id, step: 1, data: { what: { title: 'Checkout is red' } }, updatedAt: 1_000 })
    expect(await getDraft(id, admin.id)).toBeNull()
    expect(await saveDraft(id, admin.id, { what: { title: 'hijacked' } }, 5)).toBe(false)
    expect(await deleteDraft(id, admin.id)).toBe(false)

    expect(await saveDraft(id, engineer.id, { what: { title: 'Checkout is red' }, where: { branch: 'main' } }, 2, 2_000)).toBe(true)
    expect(await getDraft(id, engineer.id)).toMatchObject({ step: 2, data: { where: { branch: 'main' } }, updatedAt: 2_000 })
    expect((await listDrafts(engineer.id)).find((draft) => draft.id === id)).toMatchObject({ title: 'Checkout is red', step: 2 })
    expect((await listDrafts(admin.id)).some((draft) => draft.id === id)).toBe(false)
    expect(await deleteDraft(id, engineer.id)).toBe(true)
    expect(await getDraft(id, engineer.id)).toBeNull()
  })

  it('moves the saved time forward on every save, even within one millisecond', async () => {
    const engineer = await userWithRole('engineer')
    const id = await createDraft(engineer.id, {}, 0, 5_000)
    await saveDraft(id, engineer.id, { what: { title: 'a' } }, 1, 5_000)
    await saveDraft(id, engineer.id, { what: { title: 'b' } }, 1, 5_000)
    expect((await getDraft(id, engineer.id))?.updatedAt).toBe(5_002)
  })

  it('hands a draft out once to create from, and takes it back if creating fails', async () => {
    const engineer = await userWithRole('engineer')
    const id = await createDraft(engineer.id, { what: { title: 'Once' } }, 4)
    const claimed = await claimDraft(id, engineer.id)
    expect(claimed?.data).toEqual({ what: { title: 'Once' } })
    expect(await claimDraft(id, engineer.id)).toBeNull()
    await restoreDraft(claimed!)
    expect(await getDraft(id, engineer.id)).toMatchObject({ step: 4, data: { what: { title: 'Once' } } })
  })
})
