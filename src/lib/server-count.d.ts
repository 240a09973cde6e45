/** The types of server-count.js, which stays JavaScript so that the CLI runs it under Node without a build. */
export declare function serverCount(band: { min: number; max: number | null } | null): string;
