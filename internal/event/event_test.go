package event

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/record"
)

var base = time.Date(2018, 8, 20, 17, 31, 7, 637840000, time.UTC)

func TestClassify(t *testing.T) {
	c := Classifier{CreatedTolerance: time.Second, FilterByUpdatedDate: true}
	for name, tc := range map[string]struct {
		r    record.Record
		want Type
	}{
		"same instant":           {record.Record{Updated: base, Created: base}, Created},
		"microseconds apart":     {record.Record{Updated: base.Add(126 * time.Microsecond), Created: base}, Created},
		"exactly tolerance":      {record.Record{Updated: base.Add(time.Second), Created: base}, Created},
		"past tolerance":         {record.Record{Updated: base.Add(time.Second + 1), Created: base}, Updated},
		"created after updated":  {record.Record{Updated: base, Created: base.Add(500 * time.Millisecond)}, Created},
		"deleted wins":           {record.Record{Updated: base, Created: base, Deleted: true}, Deleted},
		"deleted without dates":  {record.Record{UpdatedErr: record.ErrMissing, CreatedErr: record.ErrMissing, Deleted: true}, Deleted},
		"no created date":        {record.Record{Updated: base, CreatedErr: record.ErrMissing}, Updated},
		"unparsable updated":     {record.Record{UpdatedErr: errors.New("bad"), Created: base}, Updated},
		"edited long after":      {record.Record{Updated: base.Add(8 * time.Minute), Created: base}, Updated},
		"zero tolerance, same":   {record.Record{Updated: base, Created: base}, Created},
		"zero tolerance, 1µs on": {record.Record{Updated: base.Add(time.Microsecond), Created: base}, Updated},
	} {
		cl := c
		if strings.HasPrefix(name, "zero tolerance") {
			cl.CreatedTolerance = 0
		}
		if got := cl.Classify(&tc.r, false); got != tc.want {
			t.Errorf("%s: Classify = %s, want %s", name, got, tc.want)
		}
	}
	quickEdit := record.Record{Updated: base.Add(300 * time.Millisecond), Created: base}
	if got := c.Classify(&quickEdit, true); got != Updated {
		t.Errorf("an edit of a delivered record within the tolerance = %s, want UPDATED", got)
	}
	deleted := record.Record{Updated: base, Created: base, Deleted: true}
	if got := c.Classify(&deleted, true); got != Deleted {
		t.Errorf("a delivered record soft-deleted = %s, want DELETED", got)
	}
	byCreated := Classifier{CreatedTolerance: time.Second, FilterByUpdatedDate: false}
	onlyCreated := record.Record{Created: base, UpdatedErr: record.ErrMissing}
	if got := byCreated.Classify(&onlyCreated, false); got != Created {
		t.Errorf("tracked by created, no updated time = %s, want CREATED", got)
	}
	if got := byCreated.Classify(&onlyCreated, true); got != Updated {
		t.Errorf("tracked by created, delivered before = %s, want UPDATED", got)
	}
}

func TestNewDeleted(t *testing.T) {
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := NewDeleted(7, "timesheets", 42, when)
	want := Event{ID: NewID(7, "timesheets", "42", "deleted", Deleted), Type: Deleted, ObjectType: "timesheets",
		ObjectID: "42", Date: when, Undated: true, Raw: `{"id":42}`}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("NewDeleted = %+v, want %+v", e, want)
	}
	if again := NewDeleted(7, "timesheets", 42, when.Add(time.Hour)); again.ID != e.ID {
		t.Error("a deletion found again at a later listing got another id; a deletion happens once")
	}
	if other := NewDeleted(7, "timesheets", 43, when); other.ID == e.ID {
		t.Error("two records' deletions share an id")
	}
}

func TestIDIsDeterministicAndDistinguishesChanges(t *testing.T) {
	id := NewID(7, "employees", "1829", "2018-08-20T17:39:00.149863Z", Updated)
	if id != NewID(7, "employees", "1829", "2018-08-20T17:39:00.149863Z", Updated) {
		t.Fatal("the same change got two ids")
	}
	if len(id) != 32 {
		t.Fatalf("id %q is not 32 hex characters", id)
	}
	others := []string{
		NewID(8, "employees", "1829", "2018-08-20T17:39:00.149863Z", Updated),
		NewID(7, "timesheets", "1829", "2018-08-20T17:39:00.149863Z", Updated),
		NewID(7, "employees", "1830", "2018-08-20T17:39:00.149863Z", Updated),
		NewID(7, "employees", "1829", "2018-08-20T17:39:00.149864Z", Updated),
		NewID(7, "employees", "1829", "2018-08-20T17:39:00.149863Z", Deleted),
		// Field boundaries are unambiguous: moving a character between fields changes the id.
		NewID(7, "employees1", "829", "2018-08-20T17:39:00.149863Z", Updated),
	}
	for i, o := range others {
		if o == id {
			t.Errorf("variant %d collides with the original id", i)
		}
	}
}

func TestNewUsesPollDateWhenUpdatedIsMissing(t *testing.T) {
	poll := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := record.Record{ID: "5", VersionErr: record.ErrMissing, UpdatedErr: record.ErrMissing, Raw: `{"id":5}`}
	e := New(1, "employees", &r, Updated, poll)
	if !e.Date.Equal(poll) {
		t.Fatalf("Date = %v, want poll date %v", e.Date, poll)
	}
	again := New(1, "employees", &r, Updated, poll.Add(time.Hour))
	if again.ID != e.ID {
		t.Fatal("an undated change got a new id on the next poll")
	}
	edited := r
	edited.Raw, edited.RawHash = `{"id":5,"name":"x"}`, 42
	if New(1, "employees", &edited, Updated, poll).ID == e.ID {
		t.Fatal("an edit of an undated record kept the id of the previous version")
	}
	dated := record.Record{ID: "5", Version: base, Updated: base, Raw: `{"id":5}`}
	if d := New(1, "employees", &dated, Updated, poll); !d.Date.Equal(base) || d.ID == e.ID {
		t.Fatalf("dated event = %+v", d)
	}
}

type notification struct {
	Severity    string `json:"severity"`
	CreatedDate string `json:"createdDate"`
	Topic       string `json:"topic"`
	Action      string `json:"action"`
	ID          string `json:"id"`
	User        string `json:"user"`
	Message     struct {
		ElementKey   string                     `json:"elementKey"`
		AccountID    int64                      `json:"accountId"`
		EventID      string                     `json:"eventId"`
		CompanyID    int64                      `json:"companyId"`
		InstanceID   int64                      `json:"instanceId"`
		InstanceID2  int64                      `json:"instance_id"`
		InstanceName string                     `json:"instanceName"`
		InstanceTags []string                   `json:"instanceTags"`
		UserID       int64                      `json:"userId"`
		Raw          map[string]json.RawMessage `json:"raw"`
		Events       []struct {
			Date       string `json:"date"`
			ElementKey string `json:"elementKey"`
			PollDate   string `json:"pollDate"`
			EventType  string `json:"eventType"`
			HubKey     string `json:"hubKey"`
			ObjectID   string `json:"objectId"`
			ObjectType string `json:"objectType"`
		} `json:"events"`
	} `json:"message"`
}

func TestCloudElementsNotification(t *testing.T) {
	inst := Instance{ID: 7950647, Name: `Acme "East"`, Tags: []string{"prod", "east"}, AccountID: 874, CompanyID: 291, UserID: 2749}
	ce := NewCloudElements("revel", "employee", inst)
	poll := time.Date(2018, 8, 20, 15, 29, 34, 827000000, time.UTC)
	now := poll.Add(33 * time.Second)
	events := []Event{
		{ID: "a1", Type: Created, ObjectType: "employees", ObjectID: "3964", Date: base, Raw: `{"id":3964,"first_name":"Ana"}`},
		{ID: "b2", Type: Deleted, ObjectType: "employees", ObjectID: "3965", Date: base.Add(time.Minute), Raw: `{"id": 3965, "deleted": true}`},
	}
	out := ce.Append([]byte("prefix:"), events, poll, now)
	if !strings.HasPrefix(string(out), "prefix:") {
		t.Fatal("Append dropped dst")
	}
	body := out[len("prefix:"):]
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatalf("notification is not valid JSON: %v\n%s", err, body)
	}
	if n.Severity != "medium" || n.Action != "create" || n.Topic != "instance-7950647-revel-events" ||
		n.CreatedDate != "Mon Aug 20 15:30:07 UTC 2018" || n.User != "notifications@cloud-elements.com" {
		t.Errorf("envelope = %+v", n)
	}
	m := n.Message
	if m.ElementKey != "revel" || m.AccountID != 874 || m.CompanyID != 291 || m.InstanceID != 7950647 ||
		m.InstanceID2 != 7950647 || m.InstanceName != `Acme "East"` || !reflect.DeepEqual(m.InstanceTags, []string{"prod", "east"}) || m.UserID != 2749 {
		t.Errorf("message = %+v", m)
	}
	if n.ID != m.EventID || n.ID != NotificationID(events) || n.ID == "a1" {
		t.Errorf("ids: envelope %q, eventId %q", n.ID, m.EventID)
	}
	if string(m.Raw["objectType"]) != `"employees"` || string(m.Raw["pollDate"]) != "1534778974827" {
		t.Errorf("raw = %s", body)
	}
	if string(m.Raw["employees"]) != `[{"id":3964,"first_name":"Ana"},{"id": 3965, "deleted": true}]` {
		t.Errorf("raw records re-encoded or lost: %s", m.Raw["employees"])
	}
	if len(m.Events) != 2 {
		t.Fatalf("events = %+v", m.Events)
	}
	e := m.Events[1]
	if e.Date != "2018-08-20T17:32:07.63784Z" || e.PollDate != "2018-08-20T15:29:34Z" || e.EventType != "DELETED" ||
		e.HubKey != "employee" || e.ObjectID != "3965" || e.ObjectType != "employees" || e.ElementKey != "revel" {
		t.Errorf("event = %+v", e)
	}

	single := ce.Append(nil, events[:1], poll, now)
	if err := json.Unmarshal(single, &n); err != nil || n.ID != "a1" || n.Message.EventID != "a1" {
		t.Errorf("single-event notification id = %q (err %v), want the event id", n.ID, err)
	}
}

func TestCloudElementsEmptyTags(t *testing.T) {
	out := NewCloudElements("revel", "employee", Instance{}).Append(nil,
		[]Event{{ID: "x", Type: Updated, ObjectType: "o", ObjectID: "1", Date: base, Raw: `{}`}}, base, base)
	var n notification
	if err := json.Unmarshal(out, &n); err != nil {
		t.Fatal(err)
	}
	if n.Message.InstanceTags == nil || len(n.Message.InstanceTags) != 0 || n.Topic != "instance-0-revel-events" {
		t.Fatalf("instance defaults = %+v", n)
	}
}

func BenchmarkAppend(b *testing.B) {
	ce := NewCloudElements("revel", "employee", Instance{ID: 1, Name: "bench", Tags: []string{"a"}})
	raw := `{"id":3964,"resource_uri":"/resources/Employee/3964/","first_name":"Ana","last_name":"Lopez","email":"ana@example.com","created_date":"2018-08-01T10:12:33.120001","updated_date":"2018-08-20T17:31:07.637966"}`
	events := []Event{{ID: "0123456789abcdef0123456789abcdef", Type: Updated, ObjectType: "employees", ObjectID: "3964", Date: base, Raw: raw}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = ce.Append(buf[:0], events, base, base)
	}
}
