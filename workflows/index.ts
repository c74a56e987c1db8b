// Everything the worker bundles as workflow code.
export { availabilityPullWorkflow } from './availability-pull.js';
export { availabilitySyncWorkflow } from './availability-sync.js';
export { connectionCheckWorkflow } from './connection-check.js';
export { mediaSyncWorkflow } from './media-sync.js';
export { optionExpiryWorkflow } from './option-expiry.js';
export { profileSyncWorkflow } from './profile-sync.js';
export { reconcileWorkflow } from './reconcile.js';
export { calendarRefreshWorkflow } from './calendar-refresh.js';
