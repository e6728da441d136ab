// Number fields the core scenario schema and the workloads' settings share.
import { z } from 'zod';

export const positiveInt = z.number().int().positive();
export const nonNegativeInt = z.number().int().nonnegative();
