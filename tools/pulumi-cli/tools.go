//go:build tools

// Package tools pins the Pulumi CLI so that `go build` can produce it from the Go module proxy.
// scripts/engine builds it with the version stamped in; see README ("The engine").
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
