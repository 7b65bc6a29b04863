export * from './identity'
export * from './connectors'
