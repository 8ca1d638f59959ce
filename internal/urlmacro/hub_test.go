package urlmacro

import (
	"net/url"
	"strings"
	"testing"
)

func TestHubTranslation(t *testing.T) {
	const revelMacro = "${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}"
	tests := []struct {
		raw  string
		want string
	}{
		{
			"/hubs/employee/employees?where=updated_date__gte='" + revelMacro + "' and active='true'",
			"/resources/Employee/?updated_date__gte=" + revelMacro + "&active=true",
		},
		{"/hubs/employee/employees", "/resources/Employee/"},
		{"/hubs/employee/employees/", "/resources/Employee/"},
		{"/hubs/employee/timesheets", "/resources/TimeSheetEntry/"},
		{"/hubs/employee/employee-schedules", "/resources/TimeSchedule/"},
		{"/hubs/employee/employeeSchedules", "/resources/TimeSchedule/"},
		{"/hubs/employee/payments", "/resources/Payment/"},
		{"/hubs/employee/roles", "/resources/Role/"},
		{"/hubs/employee/departments", "/resources/Department/"},
		{"/hubs/employee/users", "/enterprise/User/"},
		{"/hubs/employee/locations", "/enterprise/Establishment/"},
		{"/hubs/Employee/Employees", "/resources/Employee/"},
		// Operators become Django lookups; = keeps lookups in the field name.
		{"/hubs/employee/timesheets?where=updated_date>='2026-01-01'", "/resources/TimeSheetEntry/?updated_date__gte=2026-01-01"},
		{"/hubs/employee/timesheets?where=updated_date>'2026-01-01'", "/resources/TimeSheetEntry/?updated_date__gt=2026-01-01"},
		{"/hubs/employee/timesheets?where=updated_date<='2026-01-01'", "/resources/TimeSheetEntry/?updated_date__lte=2026-01-01"},
		{"/hubs/employee/timesheets?where=updated_date<'2026-01-01'", "/resources/TimeSheetEntry/?updated_date__lt=2026-01-01"},
		{"/hubs/employee/timesheets?where=updated_date__lte='2026-01-01'", "/resources/TimeSheetEntry/?updated_date__lte=2026-01-01"},
		{"/hubs/employee/timesheets?where=id=5", "/resources/TimeSheetEntry/?id=5"},
		// Whitespace, case and several ands.
		{
			"/hubs/employee/timesheets?where=updated_date >= '" + revelMacro + "'   AND  updated_date < '${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}' and\testablishment = 3",
			"/resources/TimeSheetEntry/?updated_date__gte=" + revelMacro + "&updated_date__lt=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}&establishment=3",
		},
		// Unquoted macro values, and quoted values containing " and ".
		{"/hubs/employee/employees?where=updated_date__gte=${gmtDate:yyyy-MM-dd HH:mm}", "/resources/Employee/?updated_date__gte=${gmtDate:yyyy-MM-dd HH:mm}"},
		{"/hubs/employee/employees?where=last_name='Smith and Sons'", "/resources/Employee/?last_name=Smith+and+Sons"},
		{"/hubs/employee/employees?where=first_name='O''Brien'", "/resources/Employee/?first_name=O%27Brien"},
		{"/hubs/employee/employees?where=a='${gmtDate:HH''mm}''x'", "/resources/Employee/?a=${gmtDate:HH''mm}%27x"},
		// Offsets with '+' in a macro survive.
		{"/hubs/employee/employees?where=updated_date>='${DateTimeZone:GMT+05:30:HH:mm}'", "/resources/Employee/?updated_date__gte=${DateTimeZone:GMT+05:30:HH:mm}"},
		// Other parameters pass through as written.
		{"/hubs/employee/employees?where=active='true'&fields=id,updated_date&expand={\"user\":1}", "/resources/Employee/?active=true&fields=id,updated_date&expand={\"user\":1}"},
		{"/hubs/employee/employees?fields=id&where=active='true'", "/resources/Employee/?fields=id&active=true"},
		// URL-encoded where clauses, with encoded or raw macros.
		{
			"/hubs/employee/employees?where=" + url.QueryEscape("updated_date__gte='"+revelMacro+"' and active='true'"),
			"/resources/Employee/?updated_date__gte=" + revelMacro + "&active=true",
		},
		{
			"/hubs/employee/employees?where=updated_date%3E%3D%27${DateTimeZone:GMT+05:30:HH:mm}%27%20and%20active%3D%27true%27",
			"/resources/Employee/?updated_date__gte=${DateTimeZone:GMT+05:30:HH:mm}&active=true",
		},
		{
			"/hubs/employee/employees?where=" + url.QueryEscape("updated_date>='${DateTimeZone:GMT+05:30:HH:mm}'"),
			"/resources/Employee/?updated_date__gte=${DateTimeZone:GMT+05:30:HH:mm}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			tmpl := mustParse(t, tt.raw)
			if got := tmpl.String(); got != tt.want {
				t.Errorf("String() =\n %q\nwant\n %q", got, tt.want)
			}
			if !tmpl.Translated() {
				t.Error("Translated() = false, want true")
			}
		})
	}
}

func TestHubTranslationRenders(t *testing.T) {
	tmpl := mustParse(t, "/hubs/employee/employees?where=updated_date__gte='${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}' and active='true'")
	want := "/resources/Employee/?updated_date__gte=2026-01-15T09%3A31%3A07.637&active=true"
	if got := tmpl.Render(winterFrom, winterNow); got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}

func TestHubTranslationErrors(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"/hubs/employee/tips", []string{`hub resource "tips" is not supported`, "employees, timesheets, employee-schedules, employeeSchedules, payments, roles, departments, users, locations"}},
		{"/hubs/employee/employees/123", []string{`hub resource "employees/123" is not supported`}},
		{"/hubs/employee/", []string{`hub resource "" is not supported`}},
		{"/hubs/crm/contacts", []string{"employee hub"}},
		{"/hubs/employee/employees?pageSize=100", []string{`url sets "pageSize"`, "page_size"}},
		{"/hubs/employee/employees?limit=100", []string{`url sets "limit"`, "page_size"}},
		{"/hubs/employee/employees?where=active='true' or active='false'", []string{`where condition "active='true' or active='false'"`, "not or"}},
		{"/hubs/employee/employees?where=active='true' and id!=3", []string{`where condition "id!=3"`, "expected field=value"}},
		{"/hubs/employee/employees?where='x'=1", []string{`where condition "'x'=1"`}},
		{"/hubs/employee/employees?where=active", []string{`where condition "active"`}},
		{"/hubs/employee/employees?where=active=true false", []string{`where condition "active=true false"`}},
		{"/hubs/employee/employees?where=name='open", []string{`where condition "name='open"`}},
		{"/hubs/employee/employees?where=updated_date__gte>='x'", []string{`where condition "updated_date__gte>='x'"`, "not both"}},
		{"/hubs/employee/employees?where=updated_date>='${epoch:0}'", []string{`macro "${epoch:0}"`}},
		{"/hubs/employee/employees?where=updated_date>='${epoch'", []string{"unterminated macro"}},
		{"/hubs/employee/employees?where=a%3D%ZZ%41", []string{"not valid URL encoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error", tt.raw)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
