/**
 * The certificate core: pure functions over bytes, with the clock, randomness and key generation passed in.
 * No Pulumi here.
 */
export * from "./limits";
export * from "./names";
export * from "./keys";
export * from "./random";
export * from "./x509";
export * from "./pkcs12";
export { OID } from "./oids";
export { readCertificate } from "./der-reader";
