/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  reporters: ["default", "<rootDir>/tests/helpers/summary-reporter.js"],
  // Key generation and OpenSSL round trips are real work: keep the default 5 s away from them.
  testTimeout: 60000,
  // The Automation API's language server keeps a handle open after the real-engine tests: do not wait for it.
  forceExit: true,
};
