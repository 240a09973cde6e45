/**
 * B's share of the sessions: the SBC keeps it as a weight in basis points (SBC_WEIGHT_SCALE = every
 * session on B), the API and the schedule's steps speak percent.
 */
import { SBC_WEIGHT_SCALE } from '../constants';

const PER_PERCENT = SBC_WEIGHT_SCALE / 100;

export const percentOf = (weight: number): number => weight / PER_PERCENT;
export const weightOf = (percent: number): number => percent * PER_PERCENT;
