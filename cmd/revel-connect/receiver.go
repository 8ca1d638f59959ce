package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"
)

// receiverAddr is where the receiver listens unless told.
const receiverAddr = "127.0.0.1:9000"

func init() {
	commands = append(commands, &cli.Command{
		Name:  "receiver",
		Usage: "Print each Cloud Elements notification POSTed to it, one line per event: a callback to try pipelines against",
		Description: `Accepts POSTs on any path, answers 200 and prints each event of each Cloud
Elements notification as the demo does. Point a pipeline's CALLBACK_URL at it:

  revel-connect receiver --addr 127.0.0.1:9000
  CALLBACK_URL=http://127.0.0.1:9000/events revel-connect run config/callback.yaml

Stop it with Ctrl-C.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: receiverAddr, Usage: "listen address; keep it on loopback unless you mean to share it"},
			&cli.StringFlag{Name: "zone", Value: defaultZone, Usage: "print event times in this time zone"},
		},
		Action: runReceiver,
	})
}

func runReceiver(c *cli.Context) error {
	zone, err := validZone(c.String("zone"))
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return err
	}
	printer := newEventPrinter(c.App.Writer, zone)
	fmt.Fprintf(c.App.ErrWriter, "revel-connect receiver: printing the notifications POSTed to http://%s/\n", l.Addr())
	printer.header()
	srv := &http.Server{Handler: receiverHandler(printer), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := stopOnSignal(c.Context, 0)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// receiverHandler prints each POSTed notification and answers 200; other
// methods get 405.
func receiverHandler(printer *eventPrinter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST a notification", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = printer.consume(r.Context(), service.NewMessage(body))
	})
}
