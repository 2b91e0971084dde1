// What visiontune reads and writes, and how: the input policy, confinement of paths named by
// data files, bounded reads, output claims and crash-safe folder replacement.
export { type Confined, confine, isWithin } from './confine.js';
export { writeStep } from './fault.js';
export { acquireLock, type Lock } from './lock.js';
export { makeDirs } from './make-dirs.js';
export {
  type ClaimOptions,
  claimOutDir,
  moveAside,
  type OutDirClaim,
  withOutDir,
  writeReason,
} from './out-dir.js';
export { OWNER_FILE, readOwner } from './owner.js';
export {
  byteLimit,
  DEFAULT_MAX_PIXELS,
  type InputPolicy,
  type InputPolicyOptions,
  inputPolicy,
  inputPolicySchema,
  setInputPolicy,
} from './policy.js';
export {
  fsReason,
  parseJsonDocument,
  readDocument,
  readInputFile,
  readJsonDocument,
  refuseReason,
} from './read-input.js';
export { type ReplaceOptions, readableDir, recoverDir, replaceDir } from './replace-dir.js';
export { isMachineError, isSystemError, writeFailure } from './write-failure.js';
