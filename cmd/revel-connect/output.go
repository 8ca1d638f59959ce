package main

import (
	"io"
	"os"
	"strings"

	"github.com/revel-connect/revel-connect/internal/redact"
)

// redactsOutput are the Benthos commands that print configs or quote them:
// echo expands environment variables and scrubs only fields marked secret,
// so a URL's user info would show.
var redactsOutput = map[string]bool{"echo": true, "lint": true}

// valueFlags are Benthos' root flags that take a value as the next argument.
var valueFlags = map[string]bool{"-c": true, "--config": true, "--log.level": true, "-s": true, "--set": true,
	"-r": true, "--resources": true, "-e": true, "--env-file": true, "-t": true, "--templates": true}

// subcommand is the first argument after the program that is neither a flag
// nor a flag's value.
func subcommand(args []string) string {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case valueFlags[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// redactOutput routes standard output and error through redact.URLs while a
// command in redactsOutput runs; call the returned func before exiting, to
// flush what it printed.
func redactOutput(args []string) (flush func()) {
	if !redactsOutput[subcommand(args)] {
		return func() {}
	}
	var closers []func()
	for _, std := range []**os.File{&os.Stdout, &os.Stderr} {
		real := *std
		r, w, err := os.Pipe()
		if err != nil {
			continue
		}
		*std = w
		done := make(chan struct{})
		go func() {
			defer close(done)
			b, _ := io.ReadAll(r) // a config or its lints: small
			_, _ = real.WriteString(redact.URLs(string(b)))
		}()
		closers = append(closers, func() { w.Close(); <-done; *std = real })
	}
	return func() {
		for _, c := range closers {
			c()
		}
	}
}
