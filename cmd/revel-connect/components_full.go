//go:build benthos_full

package main

// leftOut is empty in a benthos_full build: every core component is there,
// as in a general-purpose Benthos (docs/security.md says what that allows).
var leftOut []string
