package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func TestEventPrinter(t *testing.T) {
	var out strings.Builder
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	p := newEventPrinter(&out, tokyo)
	for _, body := range []string{
		`{"message":{"events":[{"date":"2026-06-01T00:21:19Z","eventType":"CREATED","objectType":"orders","objectId":"25"},` +
			`{"date":"2026-06-01T00:21:20.5Z","eventType":"DELETED","objectType":"orders","objectId":"5"}]}}`,
		`{"message":{"events":[{"date":"2026-06-01T00:22:00Z","eventType":"UPDATED","objectType":"employees","objectId":"3"}]}}`,
		`not json`,
	} {
		if err := p.consume(context.Background(), service.NewMessage([]byte(body))); err != nil {
			t.Fatal(err)
		}
	}
	p.summary()
	want := "" +
		"2026-06-01 09:21:19 JST  CREATED  orders      25\n" +
		"2026-06-01 09:21:20 JST  DELETED  orders      5\n" +
		"2026-06-01 09:22:00 JST  UPDATED  employees   3\n" +
		"unreadable notification: not json\n" +
		"-- 3 events: CREATED 1, DELETED 1, UPDATED 1 | employees 1, orders 2\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
}

// History arrives interleaved by resource; it is printed in time order,
// before the first live event.
func TestEventPrinterOrdersHistory(t *testing.T) {
	var out strings.Builder
	p := newEventPrinter(&out, time.UTC)
	p.holdHistory(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), time.Hour)
	for _, ev := range []string{
		`"date":"2026-06-01T10:00:00Z","eventType":"CREATED","objectType":"orders","objectId":"2"`,
		`"date":"2026-06-01T09:00:00Z","eventType":"CREATED","objectType":"employees","objectId":"1"`,
		`"date":"2026-06-01T11:00:00Z","eventType":"UPDATED","objectType":"payments","objectId":"3"`,
		`"date":"2026-06-01T12:00:01Z","eventType":"CREATED","objectType":"orders","objectId":"4"`,
	} {
		if err := p.consume(context.Background(), service.NewMessage([]byte(`{"message":{"events":[{`+ev+`}]}}`))); err != nil {
			t.Fatal(err)
		}
	}
	want := "" +
		"2026-06-01 09:00:00 UTC  CREATED  employees   1\n" +
		"2026-06-01 10:00:00 UTC  CREATED  orders      2\n" +
		"2026-06-01 11:00:00 UTC  UPDATED  payments    3\n" +
		"2026-06-01 12:00:01 UTC  CREATED  orders      4\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
}
