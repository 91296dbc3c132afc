// The score model (issue 4): pure functions over the assessments hosts report, no I/O.
//   recompute      — a unit's overall exposure and predicate recomputed as systemd does (point 1)
//   whatIf         — what a drop-in would change, with `exact` and the reason when not (point 2)
//   suggestDropIn  — an override.conf in stages, each line with what it removes and breaks (point 4)
//   parseDropIn    — drop-in text → directives, or a DropInError with one problem per bad line

export { POLICY_EXCLUDED } from './badness.js';
export {
  type Directive,
  type DropIn,
  DropInError,
  type DropInProblem,
  type DropInProblemCode,
  parseDropIn,
  parseUnitConfiguration,
} from './dropin.js';
export { type Recomputed, type RecomputeOptions, recompute } from './recompute.js';
export { type Suggestion, type SuggestionLine, type SuggestionStage, suggestDropIn } from './suggest.js';
export { type Mode, ScoreModelError } from './unit-model.js';
export {
  type Basis,
  type PreparedUnit,
  predict,
  prepareUnit,
  readBackRows,
  type WhatIfChange,
  type WhatIfOptions,
  type WhatIfResult,
  whatIf,
} from './whatif.js';
