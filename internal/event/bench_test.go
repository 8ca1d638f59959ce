package event

import (
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/record"
)

const employee = `{"active": true, "created_by": "/enterprise/User/1/", "created_date": "2026-11-27T16:10:53.265046", "email": "chloe.lopez2@example.com", "employee_card": "", "employee_end": null, "employee_lastlogin": "2026-11-27T16:10:53.265046", "employee_start": "2026-11-27T00:00:00", "establishment": "/enterprise/Establishment/3/", "exempt": false, "external_id": "2", "first_name": "Chloe", "id": 2, "last_name": "Lopez", "phone_number": "555-0112", "picture": null, "pin": "1002", "resource_uri": "/resources/Employee/2/", "roles": ["/resources/Role/3/"], "updated_by": "/enterprise/User/1/", "updated_date": "2026-11-27T16:10:53.265046", "user": "/enterprise/User/1002/", "weekly_wage": null}`

func benchEvent() Event {
	when := time.Date(2026, 11, 28, 0, 10, 53, 265046000, time.UTC)
	r := record.Record{Raw: employee, ID: "2", Version: when, VersionText: "2026-11-27T16:10:53.265046", Updated: when, Created: when}
	return New(7, "employees", &r, Created, when)
}

// BenchmarkNew builds an event, its id included.
func BenchmarkNew(b *testing.B) {
	when := time.Date(2026, 11, 28, 0, 10, 53, 265046000, time.UTC)
	r := record.Record{Raw: employee, ID: "2", Version: when, VersionText: "2026-11-27T16:10:53.265046", Updated: when, Created: when}
	for b.Loop() {
		New(7, "employees", &r, Created, when)
	}
}

// BenchmarkCloudEventsAppend encodes one structured CloudEvent.
func BenchmarkCloudEventsAppend(b *testing.B) {
	enc := NewCloudEvents("https://acme.revelup.com/employees")
	events := []Event{benchEvent()}
	now := time.Now()
	var buf []byte
	for b.Loop() {
		buf = enc.Append(buf[:0], events, now, now)
	}
	b.SetBytes(int64(len(buf)))
}
