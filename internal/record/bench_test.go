package record

import (
	"testing"

	"github.com/revel-connect/revel-connect/internal/timefmt"
)

// employee is a simulated Revel Employee as sent, keys sorted as Tastypie
// sorts them: updated_date comes near the end.
const employee = `{"active": true, "created_by": "/enterprise/User/1/", "created_date": "2026-11-27T16:10:53.265046", "email": "chloe.lopez2@example.com", "employee_card": "", "employee_end": null, "employee_lastlogin": "2026-11-27T16:10:53.265046", "employee_start": "2026-11-27T00:00:00", "establishment": "/enterprise/Establishment/3/", "exempt": false, "external_id": "2", "first_name": "Chloe", "id": 2, "last_name": "Lopez", "phone_number": "555-0112", "picture": null, "pin": "1002", "resource_uri": "/resources/Employee/2/", "roles": ["/resources/Role/3/"], "updated_by": "/enterprise/User/1/", "updated_date": "2026-11-27T16:10:53.265046", "user": "/enterprise/User/1002/", "weekly_wage": null}`

// BenchmarkRead reads the id and both dates of an Employee, as the poller
// does for every record.
func BenchmarkRead(b *testing.B) {
	zone, err := timefmt.LoadZone("America/Los_Angeles")
	if err != nil {
		b.Fatal(err)
	}
	layout, err := timefmt.Compile("yyyy-MM-dd'T'HH:mm:ss.SSS")
	if err != nil {
		b.Fatal(err)
	}
	path := func(p string) Path {
		c, err := CompilePath(p)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	f := Fields{
		ID:      path("id"),
		Updated: DateField{Path: path("updated_date"), Layout: layout, Zone: zone},
		Created: DateField{Path: path("created_date"), Layout: layout, Zone: zone},

		FilterByUpdatedDate: true,
	}
	b.SetBytes(int64(len(employee)))
	for b.Loop() {
		if r := f.Read(employee); r.VersionErr != nil || r.ID != "2" {
			b.Fatalf("Read = %+v", r)
		}
	}
}
