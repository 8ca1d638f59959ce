package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// stopOnSignal returns a context cancelled by Ctrl-C or SIGTERM, or after
// d when d > 0.
func stopOnSignal(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}
