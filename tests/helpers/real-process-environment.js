/**
 * A jest environment whose tests see Node's real `process`. jest's default gives each test file a copy whose
 * event listeners Node never calls, and the Pulumi Automation API learns that an inline program failed through
 * process.on("unhandledRejection"): under the copy, a failed preview never returns. Used by the tests that drive
 * the real engine (docblock: @jest-environment ./tests/helpers/real-process-environment.js).
 */
const { TestEnvironment } = require("jest-environment-node");

class RealProcessEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.process = process;
  }
}

module.exports = RealProcessEnvironment;
