package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/revel-connect/revel-connect/cmd/revel-connect/ceimport"
)

func init() { commands = append(commands, importCommand()) }

// importCommand converts a Cloud Elements instance into a pipeline, the
// first step of a migration (docs/migration.md).
func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "Print the pipeline that replaces a Cloud Elements Revel instance, from its POST /instances body",
		ArgsUsage: "[FILE|-]",
		Description: `Reads the JSON body that created a Cloud Elements Revel instance (POST
/instances) from FILE, or standard input when FILE is - or absent, and prints
a commented revel-connect pipeline that polls the same resources and POSTs
the same event notifications to the same callback. Credentials are never
written out: the pipeline reads REVEL_API_KEY, REVEL_API_SECRET and, when the
body sets event.notification.signature.key, CE_SIGNATURE_KEY.

  revel-connect import instance.json > pipeline.yaml
  revel-connect import --instance-id 7950647 - < instance.json
  revel-connect import --stream instance.json | curl --data-binary @- http://127.0.0.1:4195/streams/acme

Warnings about what was assumed or left out go to standard error.`,
		Flags: append([]cli.Flag{
			&cli.Int64Flag{
				Name:  "instance-id",
				Usage: "the Cloud Elements instance id, which notifications carry in topic and instanceId",
			},
			&cli.StringFlag{
				Name:  "checkpoint-key",
				Usage: "prefix of the checkpoint keys; unique per pipeline sharing a state directory (default: the subdomain)",
			},
			&cli.BoolFlag{
				Name:  "stream",
				Usage: "print a stream for streams mode (revel-connect streams), whose resources file (-r) defines the checkpoint cache",
			},
			&cli.StringFlag{
				Name:  "tenant",
				Usage: "write the stream to a fleet's tenants topic as this tenant (with --brokers) instead of printing it; docs/fleet.md",
			},
		}, kafkaFlags(false)...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("import takes one FILE (or -), got %d arguments", c.NArg())
			}
			name, body, err := readBody(c.Args().First(), c.App.Reader)
			if err != nil {
				return err
			}
			inst, err := ceimport.Parse(body)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			tenant := c.String("tenant")
			if tenant != "" && len(c.StringSlice("brokers")) == 0 {
				return fmt.Errorf("--tenant writes to a fleet's tenants topic: give its --brokers")
			}
			key := c.String("checkpoint-key")
			if key == "" && tenant != "" {
				key = tenant
			}
			var out bytes.Buffer
			err = ceimport.Render(&out, inst, ceimport.Options{
				InstanceID:    c.Int64("instance-id"),
				CheckpointKey: key,
				Stream:        c.Bool("stream"),
				Fleet:         tenant != "",
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			for _, w := range inst.Warnings {
				fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
			}
			if tenant == "" {
				_, err = c.App.Writer.Write(out.Bytes())
				return err
			}
			t, err := openTenants(c)
			if err != nil {
				return err
			}
			defer t.Close()
			if err := t.Put(c.Context, tenant, out.String()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(c.App.ErrWriter, "warning: tenant %s reads REVEL_API_KEY and REVEL_API_SECRET from the replicas' environment; for credentials of its own, print the stream with import --stream --checkpoint-key %s, set checkpoint_cache: state, api_key and api_secret in it, and revel-connect tenants put %s FILE\n", tenant, tenant, tenant)
			fmt.Fprintf(c.App.Writer, "tenant %s written to %s\n", tenant, c.String("tenants-topic"))
			return nil
		},
	}
}

// readBody reads FILE, or stdin for "-" or "", and names it for errors.
func readBody(file string, stdin io.Reader) (string, []byte, error) {
	if file == "" || file == "-" {
		body, err := io.ReadAll(stdin)
		return "stdin", body, err
	}
	body, err := os.ReadFile(file)
	return file, body, err
}
