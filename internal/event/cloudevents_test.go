package event

import (
	"encoding/json"
	"maps"
	"testing"
	"time"
)

func TestCloudEventsStructured(t *testing.T) {
	ce := NewCloudEvents("https://acme.revelup.com/orders")
	e := Event{ID: "abc123", Type: Deleted, ObjectType: "orders", ObjectID: "14673200",
		Date: time.Date(2026, 6, 15, 19, 9, 2, 551203000, time.UTC), Raw: `{"id": 14673200, "deleted": true}`}
	out := ce.Append([]byte("x"), []Event{e}, time.Now(), time.Now())
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out[1:], &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string]string{
		"specversion":     `"1.0"`,
		"id":              `"abc123"`,
		"source":          `"https://acme.revelup.com/orders"`,
		"type":            `"com.revelsystems.orders.deleted"`,
		"subject":         `"14673200"`,
		"time":            `"2026-06-15T19:09:02.551203Z"`,
		"datacontenttype": `"application/json"`,
		"data":            `{"id": 14673200, "deleted": true}`,
	}
	if len(doc) != len(want) {
		t.Errorf("attributes = %v, want exactly %v", doc, want)
	}
	for k, v := range want {
		if string(doc[k]) != v {
			t.Errorf("%s = %s, want %s", k, doc[k], v)
		}
	}
}

func TestCloudEventsAttributesForBinaryMode(t *testing.T) {
	ce := NewCloudEvents("urn:revel:acme")
	e := Event{ID: "i", Type: Created, ObjectType: "employees", ObjectID: "7", Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	metadata := func(enc Encoder) map[string]string {
		got := map[string]string{}
		enc.Metadata([]Event{e}, func(k string, v any) { got[k] = v.(string) })
		return got
	}
	got := metadata(ce)
	revel := map[string]string{"revel_event_type": "CREATED", "revel_object_type": "employees", "revel_object_id": "7",
		"revel_event_date": "2026-01-02T03:04:05Z", "revel_event_id": "i"}
	for k, v := range revel {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, prefix := range []string{"ce_", "ce-"} {
		for k, v := range map[string]string{"specversion": "1.0", "id": "i", "source": "urn:revel:acme",
			"type": "com.revelsystems.employees.created", "subject": "7", "time": "2026-01-02T03:04:05Z", "datacontenttype": "application/json"} {
			if got[prefix+k] != v {
				t.Errorf("%s%s = %q, want %q", prefix, k, got[prefix+k], v)
			}
		}
	}
	if len(got) != len(revel)+14 {
		t.Errorf("%d keys, want the revel_* keys and 7 attributes under each prefix: %v", len(got), got)
	}
	if got := metadata(NewCloudElements("revel", "employee", Instance{})); !maps.Equal(got, revel) {
		t.Errorf("Cloud Elements notifications have no binary-mode attributes, only the revel_* keys: got %v", got)
	}
}
