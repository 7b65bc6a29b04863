// Branch names hold `/` (feature/login). In a URL path the API takes the branch as one segment with
// `/` encoded as `%2F`: /api/v1/repositories/{id}/branches/feature%2Flogin/status. Remix hands the
// route the segment decoded once; a client that encoded twice (%252F) still gets its branch.
const MAX_BRANCH_LENGTH = 255

export function branchFromParam(raw: string | undefined): string | null {
  if (!raw) return null
  let branch = raw
  if (/%[0-9a-f]{2}/i.test(branch)) {
    try {
      branch = decodeURIComponent(branch)
    } catch {
      return null
    }
  }
  // What git refuses in a ref name, and what no webhook would send.
  if (branch.length > MAX_BRANCH_LENGTH || [...branch].some((char) => char.charCodeAt(0) < 32 || char.charCodeAt(0) === 127)) return null
  if (/[ ~^:?*[\\]|\.\.|@\{|^\/|\/$|\/\/|\.lock$|^-/.test(branch)) return null
  return branch
}

/** The API path of a branch's status, with the branch encoded as the API takes it. */
export function branchStatusPath(repositoryId: string, branch: string) {
  return `/api/v1/repositories/${encodeURIComponent(repositoryId)}/branches/${encodeURIComponent(branch)}/status`
}
