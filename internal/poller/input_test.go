package poller

import (
	"context"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

func TestCloseStopsThePollers(t *testing.T) {
	sim := revelsimtest.Start(t, revelsim.Options{APIKey: "k", APISecret: "s"})
	sim.SeedEmployees(3, time.Now().Add(-time.Hour), time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := connectedInput(ctx, t, `
base_url: `+sim.URL()+`
api_key: k
api_secret: s
start_from: earliest
refresh_interval: 50ms
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
  customers:
    url: /resources/Customer/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
`)
	batch, ack, err := in.ReadBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != 3 {
		t.Errorf("first batch has %d messages, want the 3 employees", len(batch))
	}
	if err := ack(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(ctx); err != nil {
		t.Fatalf("Close = %v", err)
	}
	select {
	case <-in.shutSig.HasStoppedChan():
	default:
		t.Fatal("Close returned before every poller did")
	}
	if err := in.Close(ctx); err != nil {
		t.Fatalf("a second Close = %v", err)
	}
}

// connectedInput is a revel_poller input of conf (YAML; ${{ }} escapes as
// in a pipeline file), connected within ctx, with no resources of its own.
func connectedInput(ctx context.Context, t *testing.T, conf string) *input {
	t.Helper()
	pc, err := Spec().ParseYAML(unescaped(conf), nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := newInput(pc, service.MockResources())
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return in
}
