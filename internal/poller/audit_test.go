package poller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
)

func TestCompareListing(t *testing.T) {
	b := auditBounds{from: 100, to: 200}
	row := func(id, v int64) listedRow { return listedRow{id: id, version: v, dated: true} }
	rec := func(id, v int64) recordedRow { return recordedRow{id, v} }
	for name, c := range map[string]struct {
		listed       []listedRow
		recorded     []recordedRow
		deletes      bool
		missed, gone string
	}{
		"all delivered":                     {[]listedRow{row(1, 150), row(2, 160)}, []recordedRow{rec(1, 150), rec(2, 160)}, true, "[]", "[]"},
		"never delivered":                   {[]listedRow{row(1, 150)}, nil, true, "[1]", "[]"},
		"older version delivered":           {[]listedRow{row(1, 150)}, []recordedRow{rec(1, 120)}, true, "[1]", "[]"},
		"later version delivered":           {[]listedRow{row(1, 150)}, []recordedRow{rec(1, 180)}, true, "[]", "[]"},
		"at or past the cursor's reach":     {[]listedRow{row(1, 200), row(2, 250)}, nil, true, "[]", "[]"},
		"before the ledger or window":       {[]listedRow{row(1, 99)}, nil, true, "[]", "[]"},
		"first judged version":              {[]listedRow{row(1, 100)}, nil, true, "[1]", "[]"},
		"undated rows are not judged":       {[]listedRow{{id: 1}}, nil, true, "[]", "[]"},
		"delivered and gone":                {[]listedRow{row(2, 150)}, []recordedRow{rec(1, 150), rec(2, 150), rec(3, 190)}, true, "[]", "[1 3]"},
		"gone, delivered before the window": {[]listedRow{row(2, 150)}, []recordedRow{rec(1, 50), rec(2, 150)}, true, "[]", "[]"},
		"gone, delivered at the cursor":     {nil, []recordedRow{rec(1, 200)}, true, "[]", "[]"},
		"no deletes from offset pages":      {[]listedRow{row(2, 150)}, []recordedRow{rec(1, 150), rec(2, 150)}, false, "[]", "[]"},
		"interleaved":                       {[]listedRow{row(2, 150), row(4, 120), row(6, 130)}, []recordedRow{rec(1, 110), rec(4, 110), rec(5, 140), rec(6, 130)}, true, "[2 4]", "[1 5]"},
	} {
		t.Run(name, func(t *testing.T) {
			missed, gone := compareListing(c.listed, c.recorded, b, c.deletes)
			if got := fmt.Sprint(nonNil(missed)); got != c.missed {
				t.Errorf("missed = %s, want %s", got, c.missed)
			}
			if got := fmt.Sprint(nonNil(gone)); got != c.gone {
				t.Errorf("gone = %s, want %s", got, c.gone)
			}
		})
	}
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func TestLedgerEntries(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 5000, time.UTC)
	events := []event.Event{
		{ObjectID: "7", Type: event.Updated, Date: at},
		{ObjectID: "8", Type: event.Deleted, Date: at},                 // soft delete: still listed
		{ObjectID: "9", Type: event.Deleted, Date: at, Undated: true},  // hard delete
		{ObjectID: "10", Type: event.Updated, Date: at, Undated: true}, // unreadable date
		{ObjectID: "x-1", Type: event.Created, Date: at},
	}
	got := fmt.Sprint(ledgerEntries(events))
	want := fmt.Sprint([]checkpoint.Entry{{ID: 7, Version: at.UnixNano()}, {ID: 8, Version: at.UnixNano()}, {ID: 9, Removed: true}})
	if got != want {
		t.Fatalf("entries = %s, want %s", got, want)
	}
}

func TestAuditQuery(t *testing.T) {
	c, err := parse(t, strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    audit_interval: 1h\n", 1))
	if err != nil {
		t.Fatal(err)
	}
	rc := c.resources[0]
	window := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	q, err := auditQuery(rc, window, window.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q, "fields=id%2Cupdated_date") || !strings.Contains(q, "updated_date__gte=2026-06-01T00%3A00%3A00") {
		t.Fatalf("audit query %s", q)
	}
	if rc.audit != time.Hour || rc.auditLookback != 168*time.Hour {
		t.Fatalf("audit %s lookback %s", rc.audit, rc.auditLookback)
	}
}
