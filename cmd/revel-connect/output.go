package main

import "strings"

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
