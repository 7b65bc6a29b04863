export * from './identity'
