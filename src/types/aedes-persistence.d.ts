// aedes-persistence ships types for its main entry only; the in-memory persistence with the
// promise API is its own file. src/broker/persistence.ts gives it a precise interface.
declare module 'aedes-persistence/asyncPersistence.js' {
  const MemoryPersistence: unknown
  export default MemoryPersistence
}
