/** The live bitrate ladder (issue 12): what other rooms may rely on. */
export { LadderManager, type LadderDemand } from './manager';
export { rungPath, splitRungName, planRungs, resolveLadder, type PlannedRung, type ResolvedLadder } from './plan';
