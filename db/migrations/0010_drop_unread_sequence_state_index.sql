-- No query reads linker_sequences by state alone (each one's plan uses the key index), and every
-- state change paid for this index.
DROP INDEX `linker_sequences_state_idx`;
