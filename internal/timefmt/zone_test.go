package timefmt

import (
	"strings"
	"testing"
	"time"
)

func TestLoadZoneOffsets(t *testing.T) {
	january := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	july := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		id            string
		wantJanuary   string // offset as -07:00
		wantJuly      string
		wantNameMatch string // expected Location.String(), if checked
	}{
		{"PST", "-08:00", "-07:00", "America/Los_Angeles"},
		{"pst", "-08:00", "-07:00", "America/Los_Angeles"},
		{"PDT", "-08:00", "-07:00", "America/Los_Angeles"},
		{"CST", "-06:00", "-05:00", "America/Chicago"},
		{"CDT", "-06:00", "-05:00", "America/Chicago"},
		{"MDT", "-07:00", "-06:00", "America/Denver"},
		{"EDT", "-05:00", "-04:00", "America/New_York"},
		{"AST", "-09:00", "-08:00", "America/Anchorage"},
		{"ECT", "+01:00", "+02:00", "Europe/Paris"},
		{"AET", "+11:00", "+10:00", "Australia/Sydney"},
		{"IST", "+05:30", "+05:30", "Asia/Kolkata"},
		{"JST", "+09:00", "+09:00", "Asia/Tokyo"},
		{"CNT", "-03:30", "-02:30", "America/St_Johns"},
		{"EST", "-05:00", "-05:00", "EST"},
		{"est", "-05:00", "-05:00", "EST"},
		{"MST", "-07:00", "-07:00", "MST"},
		{"HST", "-10:00", "-10:00", "HST"},
		{"GMT", "+00:00", "+00:00", "UTC"},
		{"utc", "+00:00", "+00:00", "UTC"},
		{"UT", "+00:00", "+00:00", "UTC"},
		{"Z", "+00:00", "+00:00", "UTC"},
		{"-8:00", "-08:00", "-08:00", "-08:00"},
		{"-08:00", "-08:00", "-08:00", "-08:00"},
		{"+05:30", "+05:30", "+05:30", "+05:30"},
		{"-08", "-08:00", "-08:00", "-08:00"},
		{"+0530", "+05:30", "+05:30", "+05:30"},
		{"-0800", "-08:00", "-08:00", "-08:00"},
		{"+6:00", "+06:00", "+06:00", "+06:00"},
		{"GMT-8", "-08:00", "-08:00", "-08:00"},
		{"gmt-8", "-08:00", "-08:00", "-08:00"},
		{"GMT-08:00", "-08:00", "-08:00", "-08:00"},
		{"GMT+05:30", "+05:30", "+05:30", "+05:30"},
		{"UTC+1", "+01:00", "+01:00", "+01:00"},
		{"GMT+0", "+00:00", "+00:00", "UTC"},
		{"America/Los_Angeles", "-08:00", "-07:00", "America/Los_Angeles"},
		{"Asia/Bangkok", "+07:00", "+07:00", "Asia/Bangkok"},
		{"Europe/London", "+00:00", "+01:00", "Europe/London"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			loc, err := LoadZone(tt.id)
			if err != nil {
				t.Fatalf("LoadZone(%q): %v", tt.id, err)
			}
			if got := january.In(loc).Format("-07:00"); got != tt.wantJanuary {
				t.Errorf("January offset = %s, want %s", got, tt.wantJanuary)
			}
			if got := july.In(loc).Format("-07:00"); got != tt.wantJuly {
				t.Errorf("July offset = %s, want %s", got, tt.wantJuly)
			}
			if got := loc.String(); got != tt.wantNameMatch {
				t.Errorf("location name = %q, want %q", got, tt.wantNameMatch)
			}
		})
	}
}

func TestLoadZoneFixedAbbreviations(t *testing.T) {
	loc, err := LoadZone("EST")
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := time.Date(2026, 7, 1, 0, 0, 0, 0, loc).Zone(); name != "EST" {
		t.Errorf("EST zone abbreviation in July = %q, want EST", name)
	}
}

func TestLoadZoneErrors(t *testing.T) {
	tests := []struct {
		id   string
		want string
	}{
		{"", "empty time zone id"},
		{"XYZ", `unknown time zone "XYZ"`},
		{"America/Nowhere", `unknown time zone "America/Nowhere"`},
		{"Local", `unknown time zone "Local"`},
		{"-25:00", `unknown time zone "-25:00"`},
		{"+05:75", `unknown time zone "+05:75"`},
		{"GMT-8x", `unknown time zone "GMT-8x"`},
		{"+", `unknown time zone "+"`},
		{"-123456", `unknown time zone "-123456"`},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, err := LoadZone(tt.id)
			if err == nil {
				t.Fatalf("LoadZone(%q) succeeded, want error", tt.id)
			}
			for _, want := range []string{tt.want, "America/Los_Angeles", "PST", "-08:00"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestLoadZoneCachesLocations(t *testing.T) {
	first, err := LoadZone("GMT+05:30")
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadZone("GMT+05:30")
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("second LoadZone returned a different *time.Location")
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = LoadZone("PST") }); allocs != 0 {
		t.Errorf("cached LoadZone allocates %v times", allocs)
	}
}

func TestSameClock(t *testing.T) {
	from := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	la := mustZone(t, "America/Los_Angeles")
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"PST", "America/Los_Angeles", true},
		{"UTC", "GMT", true},
		{"PST", "UTC", false},
		{"PST", "-08:00", false}, // agree in winter only
		{"EST", "America/New_York", false},
		{"America/Phoenix", "MST", true},
	} {
		if got := SameClock(mustZone(t, tt.a), mustZone(t, tt.b), from); got != tt.same {
			t.Errorf("SameClock(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if !SameClock(la, la, from) {
		t.Error("a zone differs from itself")
	}
}
