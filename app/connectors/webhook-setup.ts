// What an admin does in GitHub or GitLab to point a repository's webhook at Inquest. Shown with the
// secret after registering or rotating, and (without the secret) on the repository page.

export interface SetupStep {
  text: string
  /** A value to paste, shown as code. */
  value?: string
}

export function webhookSetupSteps(provider: 'github' | 'gitlab', options: { url: string; externalName: string | null; secret?: string | null }): SetupStep[] {
  const secret = options.secret ? { value: options.secret } : {}
  if (provider === 'github') {
    return [
      { text: `In GitHub, open ${options.externalName ?? 'the repository'} → Settings → Webhooks → Add webhook.` },
      { text: 'Payload URL:', value: options.url },
      { text: 'Content type:', value: 'application/json' },
      { text: options.secret ? 'Secret:' : 'Secret: the webhook secret shown when the repository was registered or its secret last rotated.', ...secret },
      { text: 'Which events: choose “Let me select individual events” and tick Pushes, Workflow runs and Check suites.' },
      { text: 'Keep “Active” ticked and save. GitHub sends a ping: it shows under Recent deliveries on the repository page.' },
    ]
  }
  return [
    { text: `In GitLab, open ${options.externalName ?? 'the project'} → Settings → Webhooks → Add new webhook.` },
    { text: 'URL:', value: options.url },
    { text: options.secret ? 'Secret token:' : 'Secret token: the webhook secret shown when the repository was registered or its secret last rotated.', ...secret },
    { text: 'Trigger: tick Push events (all branches), Pipeline events and Job events.' },
    { text: 'Keep SSL verification on and add the webhook. “Test → Push events” sends one: it shows under Recent deliveries on the repository page.' },
  ]
}
