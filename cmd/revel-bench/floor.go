package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/record"
	"github.com/revel-connect/revel-connect/internal/revelapi"
	"github.com/revel-connect/revel-connect/internal/timefmt"
)

// floorQuery is the poller's first request; later pages add id__gt.
const floorQuery = "/resources/Employee/?updated_date__gte=1969-12-31T16%3A00%3A00.000000&order_by=id&limit=1000"

// runFloor fetches the pages the poller reads and, timing only what follows
// the fetch, decodes each page and encodes one envelope per record with the
// poller's own code, in one goroutine with one reused buffer: the work no
// pipeline can avoid, without Benthos, checkpoints or deduplication.
func runFloor(j job) (result, error) {
	fields, err := employeeFields()
	if err != nil {
		return result{}, err
	}
	classifier := event.Classifier{CreatedTolerance: time.Second, FilterByUpdatedDate: true}
	enc := event.NewCloudElements("revel", "employee", event.Instance{})
	s := newSink(j.N)
	var body bytes.Buffer
	var msg []byte
	one := make([]event.Event, 1)
	var busy time.Duration
	deadline := time.Now().Add(j.Timeout)
	for after := ""; s.distinct < j.N; {
		if time.Now().After(deadline) {
			return result{}, errTimeout
		}
		url := j.BaseURL + floorQuery
		if after != "" {
			url += "&id__gt=" + after
		}
		if err := fetch(url, &body); err != nil {
			return result{}, err
		}
		text := body.String()

		start := time.Now()
		page, err := revelapi.DecodePage(text)
		if err != nil {
			return result{}, err
		}
		for _, raw := range page.Objects {
			r := fields.Read(raw)
			one[0] = event.New(0, "employees", &r, classifier.Classify(&r, false), start)
			msg = enc.Append(msg[:0], one, start, start)
			s.add(r.ID, len(msg))
			after = r.ID
		}
		busy += time.Since(start)
		if len(page.Objects) == 0 {
			break
		}
	}
	return s.result(busy), nil
}

// employeeFields reads records as the poller's employees resource does.
func employeeFields() (record.Fields, error) {
	f := record.Fields{FilterByUpdatedDate: true}
	var err error
	if f.ID, err = record.CompilePath("id"); err != nil {
		return f, err
	}
	layout, err := timefmt.Compile("yyyy-MM-dd'T'HH:mm:ss.SSS")
	if err != nil {
		return f, err
	}
	zone, err := timefmt.LoadZone("America/Los_Angeles")
	if err != nil {
		return f, err
	}
	for _, d := range []struct {
		field *record.DateField
		path  string
	}{{&f.Updated, "updated_date"}, {&f.Created, "created_date"}} {
		if d.field.Path, err = record.CompilePath(d.path); err != nil {
			return f, err
		}
		d.field.Layout, d.field.Zone = layout, zone
	}
	return f, nil
}

func fetch(url string, into *bytes.Buffer) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("API-AUTHENTICATION", benchKey+":"+benchSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	into.Reset()
	_, err = io.Copy(into, resp.Body)
	return err
}
