export * from './catalog';
export * from './compatibility';
export * from './inventory';
export * from './principals';
export * from './hardware';
export * from './agent';
