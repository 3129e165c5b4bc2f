export { EngineError } from './engine-error.js'
export { createGate, type Gate, type GateFilter } from './gate.js'
export {
  type ScriptedEngine,
  type ScriptedEngineOptions,
  type ScriptedOutcome,
  scriptedEngine,
} from './scripted-engine.js'
export { createServer, type RunningServer, startServer } from './server.js'
export type {
  Engine,
  EngineDocument,
  EngineOutput,
  EngineParams,
  FaultAction,
  FaultPlan,
  FaultRoute,
  FaultRule,
  RequestLogEntry,
  ServerOptions,
  ServerToken,
} from './types.js'
