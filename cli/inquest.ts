// `npm run inquest -- <command>`: administration from a shell, against DATABASE_URL.
import { parseArgs } from 'node:util'
import { EnvError } from '../app/env.server'
import { loadEnvFile } from '../app/utils/load-env-file.server'
import { runCommand, CliError, COMMANDS } from './commands'

function usage() {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(14)} ${command.usage}`)
  return `Usage: npm run inquest -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n`
}

async function main(argv: string[]) {
  loadEnvFile()
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return 0
  }
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(`inquest: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  const { values } = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false })
  const output = await runCommand(name, values as Record<string, string | boolean | undefined>)
  process.stdout.write(output.endsWith('\n') ? output : `${output}\n`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof CliError || error instanceof EnvError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    process.stderr.write(`inquest: ${known ? (error as Error).message : String((error as Error).stack ?? error)}\n`)
    process.exit(known ? 2 : 1)
  },
)
