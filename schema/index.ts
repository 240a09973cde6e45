export * from './agent';
export * from './catalog';
export * from './compatibility';
export * from './hardware';
export * from './inventory';
export * from './principals';
export * from './reconcile';
export * from './usage';
