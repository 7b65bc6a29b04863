import { createContext, useContext } from 'react'

// The per-request CSP nonce, handed from entry.server to the components that render <script> tags.
const NonceContext = createContext<string>('')

export const NonceProvider = NonceContext.Provider

export function useNonce() {
  return useContext(NonceContext)
}
