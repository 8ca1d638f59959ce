package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/revel-connect/revel-connect/internal/redact"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "healthcheck",
		Usage: "Exit 0 if a running revel-connect reports ready, for container health checks",
		Description: `Asks the HTTP server of a running revel-connect (port 4195 unless the config
moves it) whether its input and output are connected. The container image has
no shell or curl, so its HEALTHCHECK runs this.

  revel-connect healthcheck --url http://127.0.0.1:4195/ready`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:4195/ready", Usage: "the readiness endpoint"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "how long to wait for an answer"},
		},
		Action: func(c *cli.Context) error {
			return checkReady(c.Context, c.String("url"), c.Duration("timeout"))
		},
	})
}

// checkReady succeeds when url answers 200 within timeout.
func checkReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %s", redact.URLs(url), resp.Status)
	}
	return nil
}
