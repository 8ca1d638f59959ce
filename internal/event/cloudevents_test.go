package event

import (
	"encoding/json"
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
	got := map[string]string{}
	for _, a := range ce.Attributes([]Event{e}) {
		got[a.Key] = a.Value
	}
	for _, prefix := range []string{"ce_", "ce-"} {
		for k, v := range map[string]string{"specversion": "1.0", "id": "i", "source": "urn:revel:acme",
			"type": "com.revelsystems.employees.created", "subject": "7", "time": "2026-01-02T03:04:05Z", "datacontenttype": "application/json"} {
			if got[prefix+k] != v {
				t.Errorf("%s%s = %q, want %q", prefix, k, got[prefix+k], v)
			}
		}
	}
	if len(got) != 14 {
		t.Errorf("%d attributes, want 7 under each prefix: %v", len(got), got)
	}
	if NewCloudElements("revel", "employee", Instance{}).Attributes([]Event{e}) != nil {
		t.Error("Cloud Elements notifications have no binary-mode attributes")
	}
}
