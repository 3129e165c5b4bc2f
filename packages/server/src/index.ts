export { EngineError } from './engine-error.js'
export { type LocalEngine, type LocalEngineOptions, localEngine } from './engines/local/local-engine.js'
export { type OpenAIEngine, type OpenAIEngineOptions, openaiEngine } from './engines/openai/openai-engine.js'
export { createGate, type Gate, type GateFilter } from './engines/scripted/gate.js'
export {
  type ScriptedEngine,
  type ScriptedEngineOptions,
  type ScriptedOutcome,
  scriptedEngine,
} from './engines/scripted/scripted-engine.js'
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
  WorkerOptions,
} from './types.js'
export { type RunningWorker, startWorker } from './worker.js'
