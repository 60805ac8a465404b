//go:build tools

// Package tools pins Pebble and pebble-challtestsrv (the ACME test CA and its DNS server) for the tests.
// Nothing here is compiled into the project: scripts/engine/pebble-binary.ts runs `go build` of the two
// commands below into the cache, the same way tools/pulumi-cli pins the Pulumi CLI.
package tools

import (
	_ "github.com/letsencrypt/pebble/v2/cmd/pebble"
	_ "github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv"
)
