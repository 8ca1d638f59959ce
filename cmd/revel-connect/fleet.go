package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/urfave/cli/v2"

	"github.com/revel-connect/revel-connect/internal/fleet"
)

func init() { commands = append(commands, fleetCommand(), tenantsCommand()) }

// kafkaFlags are the flags fleet and tenants share: where the fleet's
// topics live.
func kafkaFlags(required bool) []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "brokers", Required: required, Usage: "Kafka seed brokers, HOST:PORT[,HOST:PORT...]"},
		&cli.StringFlag{Name: "tenants-topic", Value: fleet.DefaultTenantsTopic, Usage: "compacted topic of tenants: key = tenant id, value = the tenant's stream YAML"},
		&cli.StringFlag{Name: "state-topic", Value: fleet.DefaultStateTopic, Usage: "compacted topic of the tenants' checkpoints, partitioned like the tenants topic"},
		&cli.IntFlag{Name: "partitions", Value: 12, Usage: "partitions of the topics when they are created: the most replicas that can share the work"},
	}
}

func fleetCommand() *cli.Command {
	return &cli.Command{
		Name:  "fleet",
		Usage: "Run one replica of a fleet that shares the tenants of a Kafka topic (docs/fleet.md)",
		Description: `Joins the consumer group --group and runs the streams of the tenants in the
partitions of the tenants topic the group assigns to this replica. Each
tenant's checkpoints live in the state topic, in the partition numbered like
the tenant's, through the cache the fleet gives every stream as "state"
(checkpoint_cache: state). When replicas join or leave, a tenant moves: its
old owner stops it, saves its checkpoint and only then lets it go.

The root config (-o) holds http (address, default 127.0.0.1:4195: /ping,
/ready, /metrics, /fleet), logger and metrics, as in streams mode.

  revel-connect fleet --brokers kafka:9092 --group revel -o root.yaml
  revel-connect tenants put --brokers kafka:9092 acme acme.yaml`,
		Flags: append(kafkaFlags(true),
			&cli.StringFlag{Name: "group", Required: true, Usage: "consumer group every replica of this fleet joins"},
			&cli.StringFlag{Name: "observability", Aliases: []string{"o"}, Usage: "root config: http, logger, metrics"},
			&cli.DurationFlag{Name: "session-timeout", Value: 45 * time.Second, Usage: "how long a silent replica keeps its tenants: the failover time after a crash"},
			&cli.DurationFlag{Name: "heartbeat-interval", Value: 3 * time.Second, Usage: "how often the replica tells the group it lives; under a third of --session-timeout"},
			&cli.DurationFlag{Name: "rebalance-timeout", Value: time.Minute, Usage: "the longest a handover may take: tenants stopped and checkpoints saved"},
			&cli.DurationFlag{Name: "stop-timeout", Value: 30 * time.Second, Usage: "the longest a tenant's graceful stop may take, under --rebalance-timeout"},
			&cli.BoolFlag{Name: "stream-per-tenant", Usage: "run every tenant in a stream of its own instead of sharing one per partition between tenants whose pipeline and output are the same (about 0.36 MB a tenant instead of about 0.1 MB; see docs/fleet.md)"},
		),
		Action: runFleet,
	}
}

func runFleet(c *cli.Context) error {
	raw := []byte{}
	if path := c.String("observability"); path != "" {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return err
		}
	}
	root, err := fleet.ParseRootConfig(raw)
	if err != nil {
		return err
	}
	log, err := root.NewLogger(c.App.ErrWriter)
	if err != nil {
		return err
	}
	if c.Duration("heartbeat-interval")*3 > c.Duration("session-timeout") {
		return fmt.Errorf("--heartbeat-interval %s must be at most a third of --session-timeout %s", c.Duration("heartbeat-interval"), c.Duration("session-timeout"))
	}
	if c.Duration("stop-timeout") >= c.Duration("rebalance-timeout") {
		return fmt.Errorf("--stop-timeout %s must be shorter than --rebalance-timeout %s", c.Duration("stop-timeout"), c.Duration("rebalance-timeout"))
	}
	ctx, stop := stopOnSignal(c.Context, 0)
	defer stop()
	return fleet.Serve(ctx, fleet.Config{
		Brokers:           c.StringSlice("brokers"),
		Group:             c.String("group"),
		TenantsTopic:      c.String("tenants-topic"),
		StateTopic:        c.String("state-topic"),
		Partitions:        partitionsFlag(c),
		SessionTimeout:    c.Duration("session-timeout"),
		HeartbeatInterval: c.Duration("heartbeat-interval"),
		RebalanceTimeout:  c.Duration("rebalance-timeout"),
		StopTimeout:       c.Duration("stop-timeout"),
		StreamPerTenant:   c.Bool("stream-per-tenant"),
		Logger:            log,
		// Tenants' streams get the CLI's components: none that run
		// programs or listen (docs/security.md).
		Env: environment(),
	}, root)
}

func tenantsCommand() *cli.Command {
	return &cli.Command{
		Name:  "tenants",
		Usage: "Add, change, remove and list the tenants of a fleet (docs/fleet.md)",
		Subcommands: []*cli.Command{
			{
				Name: "put",
				// No help subcommand: "h" and "help" are tenant ids here.
				HideHelpCommand: true,
				Usage:           "Lint a tenant's stream YAML and write it to the tenants topic; its owner starts or restarts it",
				ArgsUsage:       "ID FILE|-",
				Flags:           kafkaFlags(true),
				Action: func(c *cli.Context) error {
					if c.NArg() != 2 {
						return errors.New("tenants put takes a tenant ID and a FILE (- for standard input)")
					}
					name, body, err := readBody(c.Args().Get(1), c.App.Reader)
					if err != nil {
						return err
					}
					t, err := openTenants(c)
					if err != nil {
						return err
					}
					defer t.Close()
					if err := t.Put(c.Context, c.Args().Get(0), string(body)); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					fmt.Fprintf(c.App.Writer, "tenant %s written\n", c.Args().Get(0))
					return nil
				},
			},
			{
				Name: "delete",
				// No help subcommand: "h" and "help" are tenant ids here.
				HideHelpCommand: true,
				Usage:           "Remove a tenant: its owner stops it; its checkpoints stay, so putting it back resumes",
				ArgsUsage:       "ID",
				Flags:           kafkaFlags(true),
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return errors.New("tenants delete takes one tenant ID")
					}
					t, err := openTenants(c)
					if err != nil {
						return err
					}
					defer t.Close()
					if err := t.Delete(c.Context, c.Args().First()); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "tenant %s deleted\n", c.Args().First())
					return nil
				},
			},
			{
				Name:            "list",
				HideHelpCommand: true,
				Usage:           "List the tenants: id, partition and when it was last written",
				Flags:           kafkaFlags(true),
				Action: func(c *cli.Context) error {
					t, err := openTenants(c)
					if err != nil {
						return err
					}
					defer t.Close()
					list, err := t.List(c.Context)
					if err != nil {
						return err
					}
					for _, l := range list {
						fmt.Fprintf(c.App.Writer, "%s\t%d\t%s\n", l.ID, l.Partition, l.Updated.UTC().Format(time.RFC3339))
					}
					return nil
				},
			},
		},
	}
}

// partitionsFlag is --partitions if given, else 0: the default count,
// without a warning when the topics exist with another.
func partitionsFlag(c *cli.Context) int32 {
	if !c.IsSet("partitions") {
		return 0
	}
	return int32(c.Int("partitions"))
}

// openTenants connects to the tenants topic the flags name.
func openTenants(c *cli.Context) (*fleet.Tenants, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(c.StringSlice("brokers")...)}
	return fleet.NewTenants(c.Context, environment(), opts, c.String("tenants-topic"), c.String("state-topic"), int32(c.Int("partitions")))
}
