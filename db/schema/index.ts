export * from './identity'
export * from './connectors'
export * from './linker'
