// The failure converter every castsync client and worker shares (also bundled into the workflow code). Failure
// messages and stack traces can name a user's data, so they are moved into an encoded attribute that the payload
// codec encrypts. CommonJS because the SDK loads it with require() (dataConverter.failureConverterPath).
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
