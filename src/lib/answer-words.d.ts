/** The types of answer-words.js, which stays JavaScript so that the CLI runs it under Node without a build. */
export declare function verdictWord(result: { approved: boolean; withheld: boolean }): 'approved' | 'denied' | 'withheld';
export declare function availabilityWord(entry: { available: boolean; withheld: boolean }): 'available' | 'unavailable' | 'withheld';
export declare function reasonWithCount(reason: { reason: string; servers: { min: number; max: number | null } | null }): string;
