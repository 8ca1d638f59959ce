package urlmacro

import (
	"strings"
	"testing"
)

func TestCheckSwallowedFindsLeftovers(t *testing.T) {
	tests := []struct {
		raw      string
		fragment string
		write    string
	}{
		{
			"/resources/Employee/?updated_date__gte=PST:yyyy-MM-dd'T'HH:mm:ss.SSS&active=true",
			"PST:yyyy-MM-dd'T'HH:mm:ss.SSS", "${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}",
		},
		{
			"/resources/Employee/?updated_date__gte=-8:00:yyyy-MM-dd'T'HH:mm:ss",
			"-8:00:yyyy-MM-dd'T'HH:mm:ss", "${{DateTimeZone:-8:00:yyyy-MM-dd'T'HH:mm:ss}}",
		},
		{
			"/resources/Employee/?updated_date__gte=yyyy-MM-dd'T'HH:mm:ssXXX",
			"yyyy-MM-dd'T'HH:mm:ssXXX", "${{gmtDate:yyyy-MM-dd'T'HH:mm:ssXXX}}",
		},
		{
			"/resources/Employee/?updated_date__lt=America/Chicago:yyyy-MM-dd HH:mm",
			"America/Chicago:yyyy-MM-dd HH:mm", "${{nowTimeZone:America/Chicago:yyyy-MM-dd HH:mm}}",
		},
		{
			"/r/?created_date__gte=${DateTimeZone:PST:yyyy}&updated_date__lte=GMT:MM-dd",
			"GMT:MM-dd", "${{nowTimeZone:GMT:MM-dd}}",
		},
		{"/r/?t=HH:mm", "HH:mm", "${{gmtDate:HH:mm}}"},
		{"/r/?t=mm:ss", "mm:ss", "${{gmtDate:mm:ss}}"},
		{"/r/?t=ss.SSS", "ss.SSS", "${{gmtDate:ss.SSS}}"},
		{"/r/?t=yy-MM", "yy-MM", "${{gmtDate:yy-MM}}"},
		{"/r/?t=dd'T'", "dd'T'", "${{gmtDate:dd'T'}}"},
		{
			"/hubs/employee/employees?where=updated_date__gte='PST:yyyy-MM-dd'T'HH:mm:ss.SSS' and active='true'",
			"PST:yyyy-MM-dd'T'HH:mm:ss.SSS", "${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}",
		},
		{
			"/hubs/employee/employees?where=active='true' AND updated_date<'PST:yyyy-MM-dd'",
			"PST:yyyy-MM-dd", "${{nowTimeZone:PST:yyyy-MM-dd}}",
		},
		{
			"/hubs/employee/employees?where=updated_date__gte%3D%27PST%3Ayyyy-MM-dd%27T%27HH%3Amm%3Ass.SSS%27",
			"PST:yyyy-MM-dd'T'HH:mm:ss.SSS", "${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}",
		},
		{"/r/?created=s", "s", "${{epoch:s}}"},
		{"/r/?a=1&created=ms&b=2", "ms", "${{epoch:ms}}"},
		{"/r/?created=us", "us", "${{epoch:us}}"},
		{"/hubs/employee/employees?where=created>'ms'", "ms", "${{epoch:ms}}"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			err := CheckSwallowed(tt.raw)
			if err == nil {
				t.Fatalf("CheckSwallowed(%q) = nil, want error", tt.raw)
			}
			for _, want := range []string{"url has \"" + tt.fragment + "\" outside a macro", "Benthos substituted the macro", "write it as " + tt.write} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestCheckSwallowedExactMessage(t *testing.T) {
	err := CheckSwallowed("/resources/Employee/?updated_date__gte=PST:yyyy-MM-dd'T'HH:mm:ss.SSS")
	want := `url has "PST:yyyy-MM-dd'T'HH:mm:ss.SSS" outside a macro: Benthos substituted the macro as an environment variable when it read the YAML; write it as ${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}`
	if err == nil || err.Error() != want {
		t.Errorf("CheckSwallowed error = %v, want %s", err, want)
	}
}

func TestCheckSwallowedAcceptsNormalURLs(t *testing.T) {
	for _, raw := range []string{
		"/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&active=true",
		"/resources/Order/?fields=id,updated_date",
		"/resources/Order/?created_date__gte=2014-12-01T19:58:25&id__in=1,2,3",
		"/resources/Order/?created_date__range=2015-06-01T12:00:00,2015-07-01T12:00:00",
		"/resources/Employee/",
		"/r/?a=${epoch:s}&b=${epoch:ms}&c=${epoch:us}&d=${milliseconds}",
		"/r/?a=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'}'}&b=${nowTimeZone:-8:00:HH:mm}",
		"/r/?size=small&status=ok&units=mss",
		"/hubs/employee/employees?where=updated_date__gte='${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}' and active='true'",
		"/hubs/employee/employees?where=initial='T' and active='true'",
		"/r/?a=${unterminated:yyyy",
	} {
		if err := CheckSwallowed(raw); err != nil {
			t.Errorf("CheckSwallowed(%q) = %v, want nil", raw, err)
		}
	}
}
