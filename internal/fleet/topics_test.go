package fleet

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/testutil"
)

// TestPartitionsOfExistingTopicsAreWarnedAbout: `tenants put` creates the
// topics with its own --partitions (default 12) when no replica has yet;
// a replica started with another --partitions gets the existing count, and
// must say so, or an operator planning 48 replicas finds 36 idle.
func TestPartitionsOfExistingTopicsAreWarnedAbout(t *testing.T) {
	k := newKit(t) // creates the topics with 4 partitions
	for _, c := range []struct {
		asked int32
		warn  bool
	}{{8, true}, {4, false}, {0, false}} {
		logs := &testutil.Buffer{}
		r, err := New(context.Background(), Config{
			Brokers: k.brokers, Group: "fleet", Partitions: c.asked,
			SessionTimeout: 3 * time.Second, HeartbeatInterval: 100 * time.Millisecond,
			RebalanceTimeout: 10 * time.Second, StopTimeout: 5 * time.Second,
			Logger: slog.New(slog.NewTextHandler(logs, nil)), Metrics: NewMetrics(),
		})
		if err != nil {
			t.Fatal(err)
		}
		r.cl.Close()
		got := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "partitions=4 asked=8")
		if got != c.warn {
			t.Errorf("--partitions %d on topics of 4: warned %v, want %v; logs:\n%s", c.asked, got, c.warn, logs)
		}
	}
}
