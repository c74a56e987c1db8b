// Everything the worker bundles as workflow code.
export { availabilitySyncWorkflow } from './availability-sync.js';
